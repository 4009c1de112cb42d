using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Ingestion.Fetching.Internal;

/// <summary>
/// Everything one source's requests share across streams and across the rotation of HTTP handlers: the resilience
/// pipeline (retry and circuit breaker), the per-attempt timeout, the rate budget and the authentication context.
/// </summary>
internal sealed class SourceHttpState
{
    public static readonly ResiliencePropertyKey<FetchAttempt> AttemptProperty = new("Ingestion.FetchAttempt");

    private readonly Func<HttpClient> _authClient;
    private AuthenticationContext? _authenticationContext;

    public SourceHttpState(SourceDefinition source, TimeProvider time, ILogger logger, Func<HttpClient> authClient)
    {
        Source = source;
        Time = time;
        Logger = logger;
        _authClient = authClient;
        var declared = source.Authenticator?.SecretQueryParameters ?? [];
        SecretQueryParameters = declared.Count == 0 ? [] : [.. declared];
        Budget = new RateBudgetLimiter(source.RateBudget, time);
        Hosts = new HostTrust(source);
        var resilience = source.Resilience;

        var retry = new RetryStrategyOptions<HttpResponseMessage>
        {
            MaxRetryAttempts = Math.Max(0, resilience.MaxRetries),
            ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, args.Context)),
            DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(RetryDelay(args.Outcome, args.AttemptNumber)),
            OnRetry = args =>
            {
                var attempt = args.Context.Properties.GetValue(AttemptProperty, null!);
                Telemetry.IngestionTelemetry.HttpRetries.Add(1, new KeyValuePair<string, object?>(Telemetry.IngestionTelemetry.SourceTag, Source.Name));
                FetchLog.Retrying(Logger, Source.Name, attempt?.Stream ?? "-", args.RetryDelay.TotalMilliseconds, args.AttemptNumber + 1);
                return ValueTask.CompletedTask;
            },
        };

        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { Name = "ingestion:" + source.Name, TimeProvider = time };
        if (retry.MaxRetryAttempts > 0)
        {
            builder.AddRetry(retry);
        }

        if (resilience.CircuitBreakerEnabled)
        {
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                FailureRatio = resilience.CircuitBreakerFailureRatio,
                MinimumThroughput = Math.Max(2, resilience.CircuitBreakerMinimumThroughput),
                SamplingDuration = resilience.CircuitBreakerSamplingDuration,
                BreakDuration = resilience.CircuitBreakerBreakDuration,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome, args.Context)),
            });
        }

        Pipeline = builder.Build();
        AttemptTimeout = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddTimeout(new TimeoutStrategyOptions { Timeout = resilience.AttemptTimeout })
            .Build();
    }

    public SourceDefinition Source { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    public IReadOnlyCollection<string> SecretQueryParameters { get; }

    public RateBudgetLimiter Budget { get; }

    /// <summary>Which hosts paging and redirects may lead to.</summary>
    public HostTrust Hosts { get; }

    /// <summary>Retries around the circuit breaker; each attempt runs the budget and then <see cref="AttemptTimeout"/>.</summary>
    public ResiliencePipeline<HttpResponseMessage> Pipeline { get; }

    public ResiliencePipeline AttemptTimeout { get; }

    public AuthenticationContext AuthenticationContext => _authenticationContext ??= new AuthenticationContext
    {
        Client = _authClient(),
        BaseAddress = Source.BaseAddress,
        TimeProvider = Time,
        Logger = Logger,
    };

    public string Redact(Uri uri) => SecretRedactor.Url(uri, SecretQueryParameters);

    public string Redact(string? text) => SecretRedactor.Text(text, SecretQueryParameters);

    public static bool IsTransientStatus(int code) => code is 408 or 500 or 502 or 503 or 504 or 507 or 509 or (>= 520 and <= 599);

    public static bool IsTransientException(Exception exception, CancellationToken callerToken) => exception switch
    {
        RateBudgetExhaustedException or BrokenCircuitException or AuthenticationException => false,
        TimeoutRejectedException or HttpRequestException or IOException or SocketException => true,
        OperationCanceledException => !callerToken.IsCancellationRequested,
        _ => false,
    };

    private bool ShouldRetry(Outcome<HttpResponseMessage> outcome, ResilienceContext context)
    {
        var attempt = context.Properties.GetValue(AttemptProperty, null!);
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
        if (code is 429 or 503 && RateLimitHeaders.RequestedWait(response.Headers, Time.GetUtcNow()) is { } ask && ask > Source.Resilience.MaxRetryAfter)
        {
            attempt.Decide(
                code == 429 ? FetchStatus.RateLimited : FetchStatus.Transient,
                $"the API asked to wait {Describe.Duration(ask)}, more than the {Describe.Duration(Source.Resilience.MaxRetryAfter)} allowed (ResilienceSettings.MaxRetryAfter)");
            return false;
        }

        return code == 429 || IsTransientStatus(code);
    }

    private static bool IsTransient(Outcome<HttpResponseMessage> outcome, ResilienceContext context) =>
        outcome.Exception is { } exception
            ? IsTransientException(exception, context.CancellationToken)
            : IsTransientStatus((int)outcome.Result!.StatusCode);

    private TimeSpan RetryDelay(Outcome<HttpResponseMessage> outcome, int retryIndex)
    {
        if (outcome.Result is { } response && (int)response.StatusCode is 429 or 503
            && RateLimitHeaders.RequestedWait(response.Headers, Time.GetUtcNow()) is { } ask)
        {
            return ask;
        }

        // Exponential backoff with "equal jitter": half the step is fixed, half random, capped at MaxDelay.
        var settings = Source.Resilience;
        var step = settings.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(retryIndex, 30));
        var capped = Math.Min(step, settings.MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((capped / 2) + (Random.Shared.NextDouble() * capped / 2));
    }
}
