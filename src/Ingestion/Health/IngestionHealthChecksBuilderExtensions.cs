using Ingestion;
using Ingestion.Health.Internal;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the ingestion health check to a host's health checks.</summary>
public static class IngestionHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a health check that is unhealthy when any stream is unhealthy, degraded when any is degraded,
    /// and healthy otherwise, with each stream's status in the result data.
    /// <code>
    /// services.AddHealthChecks().AddIngestionHealthCheck();
    /// app.MapHealthChecks("/health");
    /// </code>
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name. Defaults to <c>ingestion</c>.</param>
    /// <param name="failureStatus">The status reported when a stream is unhealthy; defaults to <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags for filtering checks.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IHealthChecksBuilder AddIngestionHealthCheck(this IHealthChecksBuilder builder, string name = "ingestion", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(
            name,
            sp => new IngestionHealthCheck(sp.GetRequiredService<IHealthStore>(), sp.GetService<TimeProvider>() ?? TimeProvider.System),
            failureStatus,
            tags));
    }
}
