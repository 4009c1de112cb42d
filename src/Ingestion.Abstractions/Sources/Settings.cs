namespace Ingestion;

/// <summary>The incremental cursor of a stream.</summary>
public sealed class IncrementalSettings
{
    /// <summary>The record field holding the cursor value (for example <c>updated_at</c>), as a <see cref="JsonPath"/>.</summary>
    public required string CursorField { get; init; }

    /// <summary>The query parameter the watermark is sent in (for example <c>updated_since</c>); <see langword="null"/> when <see cref="StreamDefinition.PrepareRequest"/> applies it.</summary>
    public string? RequestParameter { get; init; }

    /// <summary>How far the watermark is moved back when a run starts, so late writes are not missed. Defaults to 5 minutes.</summary>
    public TimeSpan Overlap { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The watermark sent on a first run, or <see langword="null"/> to send none.</summary>
    public string? InitialValue { get; init; }
}

/// <summary>
/// Guards the last good snapshot of a full-snapshot stream. A run that returns nothing, or fewer than
/// <see cref="MinimumRatio"/> of the last good count, marks nothing deleted, is flagged and degrades health.
/// </summary>
public sealed class SnapshotGuardSettings
{
    /// <summary>Whether the guard is on. Defaults to <see langword="true"/>.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The smallest accepted fraction of the last good snapshot's count. Defaults to 0.5.</summary>
    public double MinimumRatio { get; init; } = 0.5;

    /// <summary>Whether an empty snapshot is acceptable (a stream that is legitimately empty at times). Defaults to <see langword="false"/>.</summary>
    public bool AllowEmpty { get; init; }

    /// <summary>Whether keys missing from a complete snapshot that passed the guard are soft-deleted. Defaults to <see langword="true"/>.</summary>
    public bool SoftDeleteMissing { get; init; } = true;

    /// <summary>
    /// When set, a tripped guard queues a sync of the stream (an <see cref="IngestionJobTypes.Sync"/> job) to run this long
    /// after the run, when an <see cref="IJobQueue"/> is registered; without a queue the run says so in an issue.
    /// <see langword="null"/> (the default) queues nothing.
    /// </summary>
    public TimeSpan? RetryAfter { get; init; }
}

/// <summary>Bounds that protect a run from endless or runaway paging.</summary>
public sealed class PagingLimits
{
    /// <summary>The most pages one run fetches. Defaults to 10,000.</summary>
    public int MaxPages { get; init; } = 10_000;

    /// <summary>The most records one run fetches. Defaults to 10,000,000.</summary>
    public long MaxRecords { get; init; } = 10_000_000;

    /// <summary>A pause between page requests, for APIs that ask for one. Defaults to none.</summary>
    public TimeSpan DelayBetweenRequests { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// The page size cap of an API that truncates silently: a last page with exactly this many records
    /// flags the run as suspicious. <see langword="null"/> when the API does not truncate silently.
    /// </summary>
    public int? SilentTruncationCap { get; init; }
}

/// <summary>A request budget: of a source (shared by every stream of the source), or of one or more streams (see <see cref="StreamDefinition.RateBudget"/>).</summary>
public sealed class RateBudget
{
    /// <summary>Requests allowed per second, or <see langword="null"/>.</summary>
    public int? PerSecond { get; init; }

    /// <summary>Requests allowed per minute, or <see langword="null"/>.</summary>
    public int? PerMinute { get; init; }

    /// <summary>Requests allowed per hour, or <see langword="null"/>.</summary>
    public int? PerHour { get; init; }

    /// <summary>
    /// The longest a request waits for budget. A longer wait ends the run as partial success with a
    /// budget-exhausted issue, keeping its checkpoint so the next run resumes. Defaults to 2 minutes.
    /// </summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromMinutes(2);
}

/// <summary>
/// Timeouts, retries and circuit breaking for a source's requests: the one shape every connector and configuration-defined
/// source takes, as a <c>Resilience</c> section. The engine builds each source's Microsoft.Extensions.Http.Resilience pipeline
/// from it: total timeout (when set), retries with exponential backoff and jitter that honour <c>Retry-After</c> and
/// <c>X-RateLimit-Reset</c>, circuit breaker, rate budget, then the attempt timeout.
/// </summary>
public sealed class ResilienceSettings
{
    private static readonly TimeSpan ShortestTimeout = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan ShortestCircuitWindow = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Longest = TimeSpan.FromDays(1);

    /// <summary>The timeout of one attempt, including reading the body. Defaults to 15 seconds.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The longest one request may take over all its attempts and waits; <see langword="null"/> (the default) bounds it only by
    /// <see cref="MaxRetries"/>, <see cref="AttemptTimeout"/>, <see cref="MaxDelay"/> and <see cref="MaxRetryAfter"/>.
    /// </summary>
    public TimeSpan? TotalTimeout { get; init; }

    /// <summary>How many times a failed attempt is retried. Defaults to 3.</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>The first backoff delay; later ones grow exponentially, with jitter. Defaults to 1 second.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest backoff delay. Defaults to 30 seconds.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait honoured from <c>Retry-After</c> or <c>X-RateLimit-Reset</c>; longer asks end the attempt as rate limited. Defaults to 2 minutes.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Whether a circuit breaker guards the source. Defaults to <see langword="true"/>.</summary>
    public bool CircuitBreakerEnabled { get; init; } = true;

    /// <summary>The failure ratio that opens the circuit. Defaults to 0.5.</summary>
    public double CircuitBreakerFailureRatio { get; init; } = 0.5;

    /// <summary>The fewest attempts in a sampling window before the circuit can open. Defaults to 10.</summary>
    public int CircuitBreakerMinimumThroughput { get; init; } = 10;

    /// <summary>The sampling window of the circuit breaker. Defaults to 30 seconds.</summary>
    public TimeSpan CircuitBreakerSamplingDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit stays open. Defaults to 15 seconds.</summary>
    public TimeSpan CircuitBreakerBreakDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Checks every setting against the bounds the resilience pipeline accepts, so a bad value stops the host at start-up
    /// instead of failing the first request.
    /// </summary>
    /// <param name="keyPrefix">
    /// What names a setting to a person, put in front of each setting's name: a configuration path such as
    /// <c>Ingestion:Jibble:Resilience:</c>, or <c>JibbleOptions.Resilience.</c> for options set in code.
    /// </param>
    /// <returns>One message per problem, each starting with the setting's full key; empty when the settings are valid.</returns>
    public IReadOnlyList<string> Validate(string keyPrefix)
    {
        var errors = new List<string>();
        void Fail(string name, string problem) => errors.Add($"{keyPrefix}{name} {problem}");

        if (AttemptTimeout < ShortestTimeout || AttemptTimeout > Longest)
        {
            Fail(nameof(AttemptTimeout), $"must be between 10 ms and 1 day (was {AttemptTimeout}).");
        }

        if (TotalTimeout is { } total && (total < ShortestTimeout || total > Longest))
        {
            Fail(nameof(TotalTimeout), $"must be between 10 ms and 1 day, or unset (was {total}).");
        }

        if (MaxRetries < 0)
        {
            Fail(nameof(MaxRetries), $"must not be negative (was {MaxRetries}).");
        }

        if (BaseDelay < TimeSpan.Zero || BaseDelay > Longest)
        {
            Fail(nameof(BaseDelay), $"must be between 0 and 1 day (was {BaseDelay}).");
        }

        if (MaxDelay < BaseDelay || MaxDelay > Longest)
        {
            Fail(nameof(MaxDelay), $"must not be shorter than {keyPrefix}{nameof(BaseDelay)} ({BaseDelay}) nor longer than 1 day (was {MaxDelay}).");
        }

        if (MaxRetryAfter < TimeSpan.Zero)
        {
            Fail(nameof(MaxRetryAfter), $"must not be negative (was {MaxRetryAfter}).");
        }

        if (CircuitBreakerEnabled)
        {
            if (double.IsNaN(CircuitBreakerFailureRatio) || CircuitBreakerFailureRatio <= 0 || CircuitBreakerFailureRatio > 1)
            {
                Fail(nameof(CircuitBreakerFailureRatio), $"must be above 0 and at most 1 (was {CircuitBreakerFailureRatio}).");
            }

            if (CircuitBreakerMinimumThroughput < 2)
            {
                Fail(nameof(CircuitBreakerMinimumThroughput), $"must be at least 2 (was {CircuitBreakerMinimumThroughput}).");
            }

            if (CircuitBreakerSamplingDuration < ShortestCircuitWindow || CircuitBreakerSamplingDuration > Longest)
            {
                Fail(nameof(CircuitBreakerSamplingDuration), $"must be between 0.5 s and 1 day (was {CircuitBreakerSamplingDuration}).");
            }

            if (CircuitBreakerBreakDuration < ShortestCircuitWindow || CircuitBreakerBreakDuration > Longest)
            {
                Fail(nameof(CircuitBreakerBreakDuration), $"must be between 0.5 s and 1 day (was {CircuitBreakerBreakDuration}).");
            }
        }

        return errors;
    }
}
