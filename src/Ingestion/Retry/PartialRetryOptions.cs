namespace Ingestion;

/// <summary>
/// How the <see cref="IngestionJobTypes.RetryPartials"/> job re-fetches partial records. Retry <c>n</c> waits
/// <see cref="BaseDelay"/> × 2^(n-1), at most <see cref="MaxDelay"/>, after the previous failure: 5, 10, 20, 40 minutes by default.
/// Validated at start-up.
/// </summary>
public sealed class PartialRetryOptions
{
    /// <summary>The wait before the first retry. Defaults to 5 minutes.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest wait between retries. Defaults to 40 minutes.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(40);

    /// <summary>Retries of one record before it is given up (its final <c>failed</c> state). Defaults to 3.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Records retried by one job run, so a burst of failures does not hammer the vendor. Defaults to 10.</summary>
    public int MaxRecordsPerRun { get; set; } = 10;

    /// <summary>The wait before retry <paramref name="retry"/> (1 for the first).</summary>
    /// <param name="retry">The retry number.</param>
    /// <returns>The delay.</returns>
    public TimeSpan DelayBefore(int retry)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);
        var factor = Math.Pow(2, Math.Min(retry - 1, 30));
        var ticks = BaseDelay.Ticks * factor;
        return ticks >= MaxDelay.Ticks ? MaxDelay : TimeSpan.FromTicks((long)ticks);
    }
}
