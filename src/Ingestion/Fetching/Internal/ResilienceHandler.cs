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
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.Options.TryGetValue(FetchAttempt.OptionKey, out var attempt))
        {
            attempt = new FetchAttempt("-", HttpFetcher.IsIdempotent(request.Method));
            request.Options.Set(FetchAttempt.OptionKey, attempt);
        }

        // Looked up once per request: a source replaced at run time gets a new state while this handler lives on,
        // and every attempt of one request keeps the state it started with.
        var state = currentState();
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(SourceHttpState.AttemptProperty, attempt);
        try
        {
            var outcome = await state.Pipeline.ExecuteOutcomeAsync(
                static (ctx, s) => s.Handler.AttemptAsync(s.State, s.Request, s.Attempt, ctx),
                context,
                (Handler: this, State: state, Request: request, Attempt: attempt)).ConfigureAwait(false);
            outcome.ThrowIfException();
            return outcome.Result!;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async ValueTask<Outcome<HttpResponseMessage>> AttemptAsync(SourceHttpState state, HttpRequestMessage request, FetchAttempt attempt, ResilienceContext context)
    {
        attempt.Attempts++;
        var number = attempt.Attempts;
        try
        {
            if (await state.Budget.AcquireAsync(context.CancellationToken).ConfigureAwait(false) is { } wait)
            {
                FetchLog.BudgetExhausted(state.Logger, state.Source.Name, attempt.Stream, wait.TotalMilliseconds, state.Budget.MaxWait.TotalMilliseconds);
                return Outcome.FromException<HttpResponseMessage>(new RateBudgetExhaustedException(wait, state.Budget.MaxWait));
            }
        }
        catch (OperationCanceledException exception)
        {
            return Outcome.FromException<HttpResponseMessage>(exception);
        }

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
        var outcome = await state.AttemptTimeout.ExecuteOutcomeAsync(
            static (ctx, s) => s.Handler.SendAndReadAsync(s.Request, ctx.CancellationToken),
            context,
            (Handler: this, Request: request)).ConfigureAwait(false);

        string? failure = null;
        string statusTag;
        if (outcome.Result is { } response)
        {
            attempt.LastStatusCode = (int)response.StatusCode;
            statusTag = attempt.LastStatusCode.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
            state.Budget.Observe(response);
            if (!response.IsSuccessStatusCode)
            {
                failure = Describe.Status(response);
                if ((int)response.StatusCode is 429 or 503 && RateLimitHeaders.RequestedWait(response.Headers, state.Time.GetUtcNow()) is { } ask)
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
                TimeoutRejectedException => $"timed out after {Describe.Duration(state.Source.Resilience.AttemptTimeout)}",
                OperationCanceledException when context.CancellationToken.IsCancellationRequested => null,
                _ => state.Redact(HttpFetcher.DescribeException(exception)),
            };
            activity?.SetStatus(ActivityStatusCode.Error, failure);
        }

        IngestionTelemetry.HttpRequests.Add(
            1,
            new KeyValuePair<string, object?>(IngestionTelemetry.SourceTag, state.Source.Name),
            new KeyValuePair<string, object?>(IngestionTelemetry.StatusTag, statusTag));
        if (failure is not null)
        {
            attempt.AddNote($"attempt {number}: {failure}");
            FetchLog.AttemptFailed(state.Logger, number, request.Method.Method, url ?? RedactedUrl(state, request), state.Source.Name, attempt.Stream, failure);
        }

        return outcome;
    }

    private static string RedactedUrl(SourceHttpState state, HttpRequestMessage request) => request.RequestUri is { } uri ? state.Redact(uri) : string.Empty;

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
