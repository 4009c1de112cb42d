using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ingestion.Health.Internal;

/// <summary>Reports the system health of the ingestion streams to the host's health endpoint.</summary>
internal sealed class IngestionHealthCheck(IHealthStore store, TimeProvider timeProvider) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        SystemHealth health;
        try
        {
            health = await store.GetSystemHealthAsync(timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The ingestion health store could not be read.", ex);
        }

        var data = new Dictionary<string, object>(health.Streams.Count);
        foreach (var stream in health.Streams)
        {
            data[stream.Stream.ToString()] = stream.Status.ToString();
        }

        var description = $"{health.Healthy} healthy, {health.Degraded} degraded, {health.Unhealthy} unhealthy, {health.Unknown} unknown";
        return health.Status switch
        {
            StreamHealthStatus.Unhealthy => new HealthCheckResult(context.Registration.FailureStatus, description, data: data),
            StreamHealthStatus.Degraded => HealthCheckResult.Degraded(description, data: data),
            _ => HealthCheckResult.Healthy(description, data),
        };
    }
}
