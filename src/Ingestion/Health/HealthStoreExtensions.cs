namespace Ingestion;

/// <summary>Summaries over an <see cref="IHealthStore"/>.</summary>
public static class HealthStoreExtensions
{
    /// <summary>Summarizes the health of every stream (the worst status wins).</summary>
    /// <param name="store">The health store.</param>
    /// <param name="timeProvider">The clock that stamps the summary.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The summary.</returns>
    public static async ValueTask<SystemHealth> GetSystemHealthAsync(this IHealthStore store, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var streams = await store.GetAllAsync(cancellationToken).ConfigureAwait(false);
        int healthy = 0, degraded = 0, unhealthy = 0, unknown = 0;
        foreach (var stream in streams)
        {
            switch (stream.Status)
            {
                case StreamHealthStatus.Healthy: healthy++; break;
                case StreamHealthStatus.Degraded: degraded++; break;
                case StreamHealthStatus.Unhealthy: unhealthy++; break;
                default: unknown++; break;
            }
        }

        var status = unhealthy > 0 ? StreamHealthStatus.Unhealthy
            : degraded > 0 ? StreamHealthStatus.Degraded
            : healthy > 0 ? StreamHealthStatus.Healthy
            : StreamHealthStatus.Unknown;
        return new SystemHealth
        {
            Status = status,
            Healthy = healthy,
            Degraded = degraded,
            Unhealthy = unhealthy,
            Unknown = unknown,
            Streams = streams,
            CheckedAt = timeProvider.GetUtcNow(),
        };
    }
}
