using Ingestion.Dashboard.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers what the Ingestion dashboard and API need.</summary>
public static class IngestionDashboardServiceCollectionExtensions
{
    /// <summary>
    /// Registers the services of <c>MapIngestionDashboard</c> and <c>MapIngestionApi</c>: antiforgery for the dashboard's
    /// actions and the operations both share. Safe to call twice.
    /// </summary>
    /// <param name="services">The host's services (with <c>AddIngestion</c>).</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddIngestionDashboard(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddAntiforgery();
        services.TryAddSingleton<IngestionOperations>();
        return services;
    }
}
