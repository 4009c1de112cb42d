using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;

namespace Ingestion.Fetching.Internal;

/// <summary>
/// Builds each source's resilience pipeline with Microsoft.Extensions.Http.Resilience, from the source's
/// <see cref="ResilienceSettings"/>, outermost first: total timeout (when set), retry (exponential backoff with jitter; the
/// wait <c>Retry-After</c> or <c>X-RateLimit-Reset</c> asks for, on the injected clock), circuit breaker, and, when the host
/// turned Polly's telemetry on, the attempt (<see cref="AttemptStrategy"/>). The package's handler selects the pipeline by
/// the source's <see cref="SourceHttpState.PipelineKey"/>; the attempt and authentication handlers run inside it, once per
/// attempt, the attempt handler (<see cref="AttemptHandler"/>) with the attempt's rate budget, timeout, redirects, body and
/// bookkeeping.
/// </summary>
internal static class SourcePipeline
{
    /// <summary>The pipeline name given to <c>AddResilienceHandler</c>.</summary>
    public const string Name = "source";

    /// <summary>The instance key of requests that carry no source (none are sent by the engine): an empty pipeline.</summary>
    private const string NoSource = "-";

    public static string KeyOf(HttpRequestMessage request) =>
        request.Options.TryGetValue(FetchAttempt.OptionKey, out var attempt) && attempt.State is { } state ? state.PipelineKey : NoSource;

    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> builder, ResilienceHandlerContext context)
    {
        var registry = context.ServiceProvider.GetRequiredService<SourceHttpRegistry>();

        // Every timer of the pipeline (backoff, Retry-After waits, timeouts) and the circuit breaker's clock run on the host's
        // TimeProvider, so a fake clock drives them in tests.
        builder.TimeProvider = registry.Time;

        // Polly's telemetry wraps every execution in a frame of its own as soon as the pipeline has a listener, which the
        // package gives every pipeline; the fetcher reports what it would (FetchLog, IngestionTelemetry), so it stays only
        // when the host asks for it.
        var pollyTelemetry = context.ServiceProvider.GetService<ResilienceTelemetrySwitch>() is not null;
        if (!pollyTelemetry)
        {
            builder.TelemetryListener = null;
        }

        if (registry.FindByPipelineKey(context.InstanceName) is not { } state)
        {
            return;
        }

        var settings = state.Source.Resilience;
        if (settings.TotalTimeout is { } total)
        {
            builder.AddTimeout(new HttpTimeoutStrategyOptions { Name = "TotalTimeout", Timeout = total });
        }

        if (settings.MaxRetries > 0)
        {
            builder.AddRetry(new HttpRetryStrategyOptions
            {
                Name = "Retry",

                // Set before DelayGenerator: the package's own Retry-After reading would replace it, and it knows neither
                // X-RateLimit-Reset nor the injected clock.
                ShouldRetryAfterHeader = false,
                MaxRetryAttempts = settings.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.BaseDelay,
                MaxDelay = settings.MaxDelay,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(state, args.Outcome, args.Context)),
                DelayGenerator = args => ValueTask.FromResult(RequestedWait(state, args.Outcome)),
                OnRetry = args =>
                {
                    var attempt = AttemptOf(args.Context);
                    Telemetry.IngestionTelemetry.HttpRetries.Add(1, new KeyValuePair<string, object?>(Telemetry.IngestionTelemetry.SourceTag, state.Source.Name));
                    FetchLog.Retrying(state.Logger, state.Source.Name, attempt?.Stream ?? "-", args.RetryDelay.TotalMilliseconds, args.AttemptNumber + 1);
                    return ValueTask.CompletedTask;
                },
            });
        }

        if (settings.CircuitBreakerEnabled)
        {
            builder.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                Name = "CircuitBreaker",
                FailureRatio = settings.CircuitBreakerFailureRatio,
                MinimumThroughput = settings.CircuitBreakerMinimumThroughput,
                SamplingDuration = settings.CircuitBreakerSamplingDuration,
                BreakDuration = settings.CircuitBreakerBreakDuration,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome, args.Context)),
                OnOpened = args =>
                {
                    FetchLog.CircuitOpened(state.Logger, state.Source.Name, args.BreakDuration.TotalSeconds);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    FetchLog.CircuitClosed(state.Logger, state.Source.Name);
                    return ValueTask.CompletedTask;
                },
            });
        }

        // The attempt strategy only names attempts in Polly's telemetry; without it the attempt handler runs inside the
        // circuit breaker all the same.
        if (pollyTelemetry)
        {
            AttemptStrategy.AddTo(builder, state);
        }
    }

    // The stream's own budget first (when it has one), then the source's: a request needs a permit of both, and both are
    // released together when the attempt ends.
    internal static async ValueTask<System.Threading.RateLimiting.RateLimitLease> AcquireAsync(SourceHttpState state, RateBudgetLimiter? streamBudget, CancellationToken cancellationToken)
    {
        if (streamBudget is null)
        {
            return await state.Budget.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        }

        var streamLease = await streamBudget.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        if (!streamLease.IsAcquired)
        {
            return streamLease;
        }

        System.Threading.RateLimiting.RateLimitLease sourceLease;
        try
        {
            sourceLease = await state.Budget.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            streamLease.Dispose();
            throw;
        }

        if (!sourceLease.IsAcquired)
        {
            streamLease.Dispose();
            return sourceLease;
        }

        return new BothLeases(streamLease, sourceLease);
    }

    private sealed class BothLeases(System.Threading.RateLimiting.RateLimitLease first, System.Threading.RateLimiting.RateLimitLease second) : System.Threading.RateLimiting.RateLimitLease
    {
        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                first.Dispose();
                second.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    public static FetchAttempt? AttemptOf(ResilienceContext context) =>
        context.GetRequestMessage() is { } request && request.Options.TryGetValue(FetchAttempt.OptionKey, out var attempt) ? attempt : null;

    public static bool IsTransientStatus(int code) => code is 408 or 500 or 502 or 503 or 504 or 507 or 509 or (>= 520 and <= 599);

    public static bool IsTransientException(Exception exception, CancellationToken callerToken) => exception switch
    {
        RateLimiterRejectedException or BrokenCircuitException or AuthenticationException => false,
        TimeoutRejectedException or HttpRequestException or IOException or SocketException => true,
        OperationCanceledException => !callerToken.IsCancellationRequested,
        _ => false,
    };

    // 401, 403 and 404 are never transient, so never retried; nor is anything a handler already decided, nor a request that is
    // not idempotent unless its stream allows it.
    private static bool ShouldRetry(SourceHttpState state, Outcome<HttpResponseMessage> outcome, ResilienceContext context)
    {
        var attempt = AttemptOf(context);
        if (attempt is null || !attempt.CanRetry || attempt.Verdict is not null)
        {
            return false;
        }

        if (outcome.Exception is { } exception)
        {
            return IsTransientException(exception, context.CancellationToken);
        }

        var response = outcome.Result!;
        var code = (int)response.StatusCode;
        if (code is 429 or 503 && RateLimitHeaders.RequestedWait(response.Headers, state.Time.GetUtcNow()) is { } ask && ask > state.Source.Resilience.MaxRetryAfter)
        {
            attempt.Decide(
                code == 429 ? FetchStatus.RateLimited : FetchStatus.Transient,
                $"the API asked to wait {Describe.Duration(ask)}, more than the {Describe.Duration(state.Source.Resilience.MaxRetryAfter)} allowed (ResilienceSettings.MaxRetryAfter)");
            return false;
        }

        return code == 429 || IsTransientStatus(code) || (response.IsSuccessStatusCode && attempt.BodyUnreadable);
    }

    private static bool IsTransient(Outcome<HttpResponseMessage> outcome, ResilienceContext context) =>
        outcome.Exception is { } exception
            ? IsTransientException(exception, context.CancellationToken)
            : IsTransientStatus((int)outcome.Result!.StatusCode) || (outcome.Result.IsSuccessStatusCode && AttemptOf(context) is { BodyUnreadable: true });

    // The wait a 429 or 503 asks for; null leaves the delay to the exponential backoff with jitter.
    private static TimeSpan? RequestedWait(SourceHttpState state, Outcome<HttpResponseMessage> outcome) =>
        outcome.Result is { } response && (int)response.StatusCode is 429 or 503
            ? RateLimitHeaders.RequestedWait(response.Headers, state.Time.GetUtcNow())
            : null;
}
