using System.Diagnostics;
using System.Net;
using Ingestion.Telemetry;
using Polly;
using Polly.RateLimiting;
using Polly.Telemetry;
using Polly.Timeout;

namespace Ingestion.Fetching.Internal;

/// <summary>
/// One attempt of a page request, the handler between resilience and authentication in a source's client, run by the source's
/// resilience pipeline once per attempt (inside its retry and circuit breaker): takes a permit of the stream's budget and the
/// source's (released when the attempt ends; a refusal ends the attempt with <see cref="RateLimiterRejectedException"/>), counts
/// the attempt, traces and logs it with its URL redacted, runs it within the attempt timeout
/// (<see cref="ResilienceSettings.AttemptTimeout"/>, on the source's clock), follows redirects, reads a successful response's
/// body into a pooled buffer and a page's records from it, notes why the attempt failed for the run's report, counts it in the
/// metrics, and lets the rate budget learn from the response's headers.
/// </summary>
/// <remarks>
/// The body is read within the timeout so a body that stalls or breaks off fails the attempt (and is retried) instead of failing
/// later while records are read; a body that arrived whole by its length but cannot be read (a proxy cut it, a gateway answered
/// with an HTML page) is judged transient by the retry and circuit breaker strategies, like a 503. The timeout behaves as Polly's
/// timeout strategy: an attempt it cancels ends with <see cref="TimeoutRejectedException"/> and, when the host turned Polly's
/// telemetry on, an <c>OnTimeout</c> resilience event of the pipeline's <see cref="AttemptStrategy"/>. All this is done here rather than by strategies of the pipeline because
/// each strategy costs every request asynchronous frames; whatever this handler throws is the attempt's outcome.
/// </remarks>
internal sealed partial class AttemptHandler : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        // Without a source there is no pipeline of its own, no timeout, and nothing trusted to follow: the response goes back as it came.
        return request.Options.TryGetValue(FetchAttempt.OptionKey, out var attempt) && attempt.State is { } state
            ? SendAttemptAsync(request, attempt, state, cancellationToken)
            : base.SendAsync(request, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAttemptAsync(HttpRequestMessage request, FetchAttempt attempt, SourceHttpState state, CancellationToken callerToken)
    {
        // Each attempt, retries included, takes a permit of the source's budget (shared by all its streams).
        using var lease = await SourcePipeline.AcquireAsync(state, attempt.StreamBudget, callerToken).ConfigureAwait(false);
        if (!lease.IsAcquired)
        {
            var known = lease.TryGetMetadata(System.Threading.RateLimiting.MetadataName.RetryAfter, out var retryAfter);
            FetchLog.BudgetExhausted(state.Logger, state.Source.Name, attempt.Stream, known ? retryAfter.TotalMilliseconds : 0, state.Budget.MaxWait.TotalMilliseconds);
            throw known ? new RateLimiterRejectedException(retryAfter) : new RateLimiterRejectedException();
        }

        attempt.Attempts++;
        attempt.Selection = null;
        var number = attempt.Attempts;
        using var activity = IngestionTelemetry.ActivitySource.StartActivity("ingestion.http.request", ActivityKind.Client);

        // Redacting costs a string per attempt: only when something will read it.
        var url = activity is not null || state.Logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Debug) ? RedactedUrl(state, request) : null;
        if (activity is not null)
        {
            activity.SetTag(IngestionTelemetry.SourceTag, state.Source.Name);
            activity.SetTag(IngestionTelemetry.StreamTag, attempt.Stream);
            activity.SetTag("http.request.method", request.Method.Method);
            activity.SetTag("url.full", url);
            activity.SetTag("ingestion.attempt", number);
        }

        if (url is not null)
        {
            FetchLog.Sending(state.Logger, request.Method.Method, url, state.Source.Name, attempt.Stream, number);
        }

        var timeout = state.RentAttemptTimeout();
        var registration = callerToken.UnsafeRegister(static cts => ((CancellationTokenSource)cts!).Cancel(), timeout);
        HttpResponseMessage response;
        try
        {
            var cancellationToken = timeout.Token;
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (IsRedirect(response.StatusCode))
            {
                response = await FollowAsync(request, response, attempt, state, cancellationToken).ConfigureAwait(false);
            }

            // Read here rather than in a method of its own, which would cost every page another asynchronous frame.
            if (response.IsSuccessStatusCode && response.Content is not PooledBufferContent)
            {
                try
                {
                    var original = response.Content;
                    var buffered = await PooledBufferContent.LoadAsync(original, cancellationToken).ConfigureAwait(false);
                    response.Content = buffered;
                    original.Dispose();
                    if (attempt.Selector is { } selector)
                    {
                        attempt.Selection = response.StatusCode == HttpStatusCode.NoContent || HttpFetcher.IsBlank(buffered.Memory.Span)
                            ? null
                            : HttpFetcher.SelectRecords(selector, buffered.Memory, attempt.SelectionBuffer);
                    }
                }
                catch
                {
                    // A body that stalls, breaks off or outlasts the timeout fails the attempt like a network fault.
                    response.Dispose();
                    throw;
                }
            }
        }
        catch (Exception exception)
        {
            var outcome = exception switch
            {
                OperationCanceledException cancelled when timeout.IsCancellationRequested && !callerToken.IsCancellationRequested => TimedOut(request, state, cancelled),

                // The caller's cancellation, told by the caller's token, as Polly's timeout strategy tells it.
                OperationCanceledException cancelled when callerToken.IsCancellationRequested && cancelled.CancellationToken != callerToken
                    => new OperationCanceledException(cancelled.Message, cancelled, callerToken),
                _ => exception,
            };
            Failed(request, attempt, state, number, activity, url, outcome, callerToken);
            if (ReferenceEquals(outcome, exception))
            {
                throw;
            }

            throw outcome;
        }
        finally
        {
            registration.Dispose();
            state.ReturnAttemptTimeout(timeout);
        }

        Responded(request, attempt, state, number, activity, url, response);
        return response;
    }

    // As Polly's timeout strategy reports a timeout: an OnTimeout event, and a TimeoutRejectedException carrying the timeout.
    private static TimeoutRejectedException TimedOut(HttpRequestMessage request, SourceHttpState state, OperationCanceledException cancelled)
    {
        var limit = state.Source.Resilience.AttemptTimeout;
        var exception = new TimeoutRejectedException($"The operation didn't complete within the allowed timeout of '{limit}'.", limit, cancelled);
        if (state.AttemptTelemetry is { } telemetry && request.GetResilienceContext() is { } context)
        {
            telemetry.Report(new ResilienceEvent(ResilienceEventSeverity.Error, "OnTimeout"), context, new OnTimeoutArguments(context, limit));
            telemetry.SetTelemetrySource(exception);
        }

        return exception;
    }

    private static void Responded(HttpRequestMessage request, FetchAttempt attempt, SourceHttpState state, int number, Activity? activity, string? url, HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        attempt.LastStatusCode = status;
        state.Budget.Observe(response);
        string? failure = null;
        if (!response.IsSuccessStatusCode)
        {
            failure = Describe.Status(response);
            if (status is 429 or 503 && RateLimitHeaders.RequestedWait(response.Headers, state.Time.GetUtcNow()) is { } ask)
            {
                failure += $" (the API asked to wait {Describe.Duration(ask)})";
            }
        }
        else if (attempt.BodyUnreadable)
        {
            failure = $"{Describe.Status(response)} with a body that could not be read: {state.Redact(attempt.Selection!.Error!)}";
        }

        activity?.SetTag("http.response.status_code", status);
        Concluded(request, attempt, state, number, url, status.ToString(System.Globalization.CultureInfo.InvariantCulture), failure);
    }

    private static void Failed(HttpRequestMessage request, FetchAttempt attempt, SourceHttpState state, int number, Activity? activity, string? url, Exception exception, CancellationToken callerToken)
    {
        var failure = exception switch
        {
            TimeoutRejectedException => $"timed out after {Describe.Duration(state.Source.Resilience.AttemptTimeout)}",
            OperationCanceledException when callerToken.IsCancellationRequested => null,
            _ => state.Redact(HttpFetcher.DescribeException(exception)),
        };
        activity?.SetStatus(ActivityStatusCode.Error, failure);
        Concluded(request, attempt, state, number, url, exception.GetType().Name, failure);
    }

    private static void Concluded(HttpRequestMessage request, FetchAttempt attempt, SourceHttpState state, int number, string? url, string statusTag, string? failure)
    {
        IngestionTelemetry.HttpRequests.Add(
            1,
            new KeyValuePair<string, object?>(IngestionTelemetry.SourceTag, state.Source.Name),
            new KeyValuePair<string, object?>(IngestionTelemetry.StatusTag, statusTag));
        if (failure is not null)
        {
            attempt.AddNote($"attempt {number}: {failure}");
            FetchLog.AttemptFailed(state.Logger, number, request.Method.Method, url ?? RedactedUrl(state, request), state.Source.Name, attempt.Stream, failure);
        }
    }

    private static string RedactedUrl(SourceHttpState state, HttpRequestMessage request) => request.RequestUri is { } uri ? state.Redact(uri) : string.Empty;
}
