namespace Ingestion.Queue.Internal;

/// <summary>
/// The delay before a failed job's next attempt, the same in every queue: doubling from a base up to a maximum, with ±20 %
/// jitter so jobs that failed together do not retry together; or the host's own function.
/// </summary>
internal static class JobBackoff
{
    public static TimeSpan Delay(int attempt, TimeSpan baseDelay, TimeSpan maxDelay, Func<int, TimeSpan>? custom)
    {
        if (custom is not null)
        {
            return custom(attempt);
        }

        var exponent = Math.Min(Math.Max(attempt - 1, 0), 30);
        var delay = Math.Min(baseDelay.TotalMilliseconds * Math.Pow(2, exponent), maxDelay.TotalMilliseconds);
#pragma warning disable CA5394 // Jitter spreads retries; it needs no cryptographic randomness.
        var jitter = 1 + ((Random.Shared.NextDouble() * 0.4) - 0.2);
#pragma warning restore CA5394
        return TimeSpan.FromMilliseconds(delay * jitter);
    }
}
