using System.Diagnostics;
using Ingestion.Telemetry;
using Polly;
using Polly.RateLimiting;
using Polly.Telemetry;
using Polly.Timeout;

namespace Ingestion.Fetching.Internal;

/// <summary>
/// One attempt's rate budget and bookkeeping, the innermost strategy, inside the retry and circuit breaker: takes a permit of the
/// stream's budget and the source's (released when the attempt ends; a refusal ends the attempt with
/// <see cref="RateLimiterRejectedException"/>), counts the attempt, traces and logs it with its URL redacted, notes why it failed
/// for the run's report, counts it in the metrics, reports an attempt that timed out (in <see cref="RedirectHandler"/>) as an
/// <c>OnTimeout</c> resilience event, and lets the rate budget learn from the response's headers. The budget is taken here, and
/// the attempt timeout and body read in the handler, rather than by strategies of their own because each strategy of the
/// pipeline costs every request asynchronous frames.
/// </summary>
internal sealed class AttemptStrategy(SourceHttpState source, ResilienceStrategyTelemetry telemetry) : ResilienceStrategy<HttpResponseMessage>
{
    protected override async ValueTask<Outcome<HttpResponseMessage>> ExecuteCore<TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<HttpResponseMessage>>> callback, ResilienceContext context, TState state)
    {
        var request = context.GetRequestMessage();
        var attempt = SourcePipeline.AttemptOf(context);

        // Each attempt, retries included, takes a permit of the source's budget (shared by all its streams).
        using var lease = await SourcePipeline.AcquireAsync(source, attempt?.StreamBudget, context.CancellationToken).ConfigureAwait(context.ContinueOnCapturedContext);
        if (!lease.IsAcquired)
        {
            var known = lease.TryGetMetadata(System.Threading.RateLimiting.MetadataName.RetryAfter, out var retryAfter);
            FetchLog.BudgetExhausted(source.Logger, source.Source.Name, attempt?.Stream ?? "-", known ? retryAfter.TotalMilliseconds : 0, source.Budget.MaxWait.TotalMilliseconds);
            return Outcome.FromException<HttpResponseMessage>(known ? new RateLimiterRejectedException(retryAfter) : new RateLimiterRejectedException());
        }

        if (request is null || attempt is null)
        {
            return await callback(context, state).ConfigureAwait(context.ContinueOnCapturedContext);
        }

        attempt.Attempts++;
        var number = attempt.Attempts;
        using var activity = IngestionTelemetry.ActivitySource.StartActivity("ingestion.http.request", ActivityKind.Client);

        // Redacting costs a string per attempt: only when something will read it.
        var url = activity is not null || source.Logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Debug) ? RedactedUrl(request) : null;
        if (activity is not null)
        {
            activity.SetTag(IngestionTelemetry.SourceTag, source.Source.Name);
            activity.SetTag(IngestionTelemetry.StreamTag, attempt.Stream);
            activity.SetTag("http.request.method", request.Method.Method);
            activity.SetTag("url.full", url);
            activity.SetTag("ingestion.attempt", number);
        }

        if (url is not null)
        {
            FetchLog.Sending(source.Logger, request.Method.Method, url, source.Source.Name, attempt.Stream, number);
        }

        var outcome = await callback(context, state).ConfigureAwait(context.ContinueOnCapturedContext);

        string? failure = null;
        string statusTag;
        if (outcome.Result is { } response)
        {
            attempt.LastStatusCode = (int)response.StatusCode;
            statusTag = attempt.LastStatusCode.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
            source.Budget.Observe(response);
            if (!response.IsSuccessStatusCode)
            {
                failure = Describe.Status(response);
                if ((int)response.StatusCode is 429 or 503 && RateLimitHeaders.RequestedWait(response.Headers, source.Time.GetUtcNow()) is { } ask)
                {
                    failure += $" (the API asked to wait {Describe.Duration(ask)})";
                }
            }

            activity?.SetTag("http.response.status_code", attempt.LastStatusCode.Value);
            if (response.IsSuccessStatusCode && attempt.BodyUnreadable)
            {
                failure = $"{Describe.Status(response)} with a body that could not be read: {source.Redact(attempt.Selection!.Error!)}";
            }
        }
        else
        {
            var exception = outcome.Exception!;
            if (exception is TimeoutRejectedException timedOut)
            {
                // As Polly's timeout strategy reports one, the pipeline's telemetry naming this strategy.
                telemetry.Report(new ResilienceEvent(ResilienceEventSeverity.Error, "OnTimeout"), context, new OnTimeoutArguments(context, timedOut.Timeout));
                telemetry.SetTelemetrySource(timedOut);
            }

            statusTag = exception.GetType().Name;
            failure = exception switch
            {
                TimeoutRejectedException => $"timed out after {Describe.Duration(source.Source.Resilience.AttemptTimeout)}",
                OperationCanceledException when context.CancellationToken.IsCancellationRequested => null,
                _ => source.Redact(HttpFetcher.DescribeException(exception)),
            };
            activity?.SetStatus(ActivityStatusCode.Error, failure);
        }

        IngestionTelemetry.HttpRequests.Add(
            1,
            new KeyValuePair<string, object?>(IngestionTelemetry.SourceTag, source.Source.Name),
            new KeyValuePair<string, object?>(IngestionTelemetry.StatusTag, statusTag));
        if (failure is not null)
        {
            attempt.AddNote($"attempt {number}: {failure}");
            FetchLog.AttemptFailed(source.Logger, number, request.Method.Method, url ?? RedactedUrl(request), source.Source.Name, attempt.Stream, failure);
        }

        return outcome;
    }

    private string RedactedUrl(HttpRequestMessage request) => request.RequestUri is { } uri ? source.Redact(uri) : string.Empty;

    /// <summary>The strategy's name in the pipeline's telemetry.</summary>
    internal sealed class Options : ResilienceStrategyOptions
    {
        public Options() => Name = "Attempt";
    }
}
