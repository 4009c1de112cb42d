using System.Diagnostics;
using Ingestion.Telemetry;
using Polly;
using Polly.Timeout;

namespace Ingestion.Fetching.Internal;

/// <summary>
/// The outer handler of a source's client: retries with backoff around the circuit breaker; each attempt takes a
/// permit from the rate budget, then runs under the per-attempt timeout, including reading a successful body into a
/// pooled buffer (so a stalled or reset body is retried like any other transient fault).
/// </summary>
internal sealed class ResilienceHandler(Func<SourceHttpState> currentState) : DelegatingHandler
{
    // Looked up per request: a source replaced at run time gets a new state while this handler lives on.
    private SourceHttpState State => currentState();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.Options.TryGetValue(FetchAttempt.OptionKey, out var attempt))
        {
            attempt = new FetchAttempt("-", HttpFetcher.IsIdempotent(request.Method));
            request.Options.Set(FetchAttempt.OptionKey, attempt);
        }

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(SourceHttpState.AttemptProperty, attempt);
        try
        {
            var outcome = await State.Pipeline.ExecuteOutcomeAsync(
                static (ctx, s) => s.Handler.AttemptAsync(s.Request, s.Attempt, ctx),
                context,
                (Handler: this, Request: request, Attempt: attempt)).ConfigureAwait(false);
            outcome.ThrowIfException();
            return outcome.Result!;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async ValueTask<Outcome<HttpResponseMessage>> AttemptAsync(HttpRequestMessage request, FetchAttempt attempt, ResilienceContext context)
    {
        attempt.Attempts++;
        var number = attempt.Attempts;
        try
        {
            if (await State.Budget.AcquireAsync(context.CancellationToken).ConfigureAwait(false) is { } wait)
            {
                FetchLog.BudgetExhausted(State.Logger, State.Source.Name, attempt.Stream, wait.TotalMilliseconds, State.Budget.MaxWait.TotalMilliseconds);
                return Outcome.FromException<HttpResponseMessage>(new RateBudgetExhaustedException(wait, State.Budget.MaxWait));
            }
        }
        catch (OperationCanceledException exception)
        {
            return Outcome.FromException<HttpResponseMessage>(exception);
        }

        using var activity = IngestionTelemetry.ActivitySource.StartActivity("ingestion.http.request", ActivityKind.Client);

        // Redacting costs a string per attempt: only when something will read it.
        var url = activity is not null || State.Logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Debug) ? RedactedUrl(request) : null;
        if (activity is not null)
        {
            activity.SetTag(IngestionTelemetry.SourceTag, State.Source.Name);
            activity.SetTag(IngestionTelemetry.StreamTag, attempt.Stream);
            activity.SetTag("http.request.method", request.Method.Method);
            activity.SetTag("url.full", url);
            activity.SetTag("ingestion.attempt", number);
        }

        if (url is not null)
        {
            FetchLog.Sending(State.Logger, request.Method.Method, url, State.Source.Name, attempt.Stream, number);
        }
        var outcome = await State.AttemptTimeout.ExecuteOutcomeAsync(
            static (ctx, s) => s.Handler.SendAndReadAsync(s.Request, ctx.CancellationToken),
            context,
            (Handler: this, Request: request)).ConfigureAwait(false);

        string? failure = null;
        string statusTag;
        if (outcome.Result is { } response)
        {
            attempt.LastStatusCode = (int)response.StatusCode;
            statusTag = attempt.LastStatusCode.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
            State.Budget.Observe(response);
            if (!response.IsSuccessStatusCode)
            {
                failure = Describe.Status(response);
                if ((int)response.StatusCode is 429 or 503 && RateLimitHeaders.RequestedWait(response.Headers, State.Time.GetUtcNow()) is { } ask)
                {
                    failure += $" (the API asked to wait {Describe.Duration(ask)})";
                }
            }

            activity?.SetTag("http.response.status_code", attempt.LastStatusCode.Value);
        }
        else
        {
            var exception = outcome.Exception!;
            statusTag = exception.GetType().Name;
            failure = exception switch
            {
                TimeoutRejectedException => $"timed out after {Describe.Duration(State.Source.Resilience.AttemptTimeout)}",
                OperationCanceledException when context.CancellationToken.IsCancellationRequested => null,
                _ => State.Redact(HttpFetcher.DescribeException(exception)),
            };
            activity?.SetStatus(ActivityStatusCode.Error, failure);
        }

        IngestionTelemetry.HttpRequests.Add(
            1,
            new KeyValuePair<string, object?>(IngestionTelemetry.SourceTag, State.Source.Name),
            new KeyValuePair<string, object?>(IngestionTelemetry.StatusTag, statusTag));
        if (failure is not null)
        {
            attempt.AddNote($"attempt {number}: {failure}");
            FetchLog.AttemptFailed(State.Logger, number, request.Method.Method, url ?? RedactedUrl(request), State.Source.Name, attempt.Stream, failure);
        }

        return outcome;
    }

    private string RedactedUrl(HttpRequestMessage request) => request.RequestUri is { } uri ? State.Redact(uri) : string.Empty;

    private async ValueTask<Outcome<HttpResponseMessage>> SendAndReadAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage? response = null;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode && response.Content is not PooledBufferContent)
            {
                var original = response.Content;
                response.Content = await PooledBufferContent.LoadAsync(original, cancellationToken).ConfigureAwait(false);
                original.Dispose();
            }

            return Outcome.FromResult(response);
        }
        catch (Exception exception)
        {
            response?.Dispose();
            return Outcome.FromException<HttpResponseMessage>(exception);
        }
    }
}
