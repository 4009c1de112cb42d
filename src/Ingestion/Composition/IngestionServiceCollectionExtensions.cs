using Ingestion;
using Ingestion.Composition.Internal;
using Ingestion.Fetching;
using Ingestion.Running.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Ingestion engine in a service collection.</summary>
public static class IngestionServiceCollectionExtensions
{
    /// <summary>
    /// Registers the engine (sync runner, source catalog, clock) and lets <paramref name="configure"/> add stores,
    /// sources, connectors and derivers. Safe to call more than once: the engine is registered once and every call's
    /// <paramref name="configure"/> adds to it. Source definitions are built and validated when the host starts; an invalid
    /// one stops the host with a message naming the source, the stream and the option.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Adds stores, sources and the rest.</param>
    /// <returns>The same service collection.</returns>
    public static IServiceCollection AddIngestion(this IServiceCollection services, Action<IIngestionBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(services.AddIngestion());
        return services;
    }

    /// <summary>Registers the engine and returns the builder that adds stores, sources and the rest. Safe to call more than once.</summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The builder.</returns>
    public static IIngestionBuilder AddIngestion(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = new IngestionBuilder(services);
        if (services.Any(descriptor => descriptor.ServiceType == typeof(IngestionMarker)))
        {
            return builder;
        }

        services.AddSingleton<IngestionMarker>();
        services.AddOptions();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ISourceCatalog, SourceCatalog>();
        services.TryAddSingleton<ISyncRunner, SyncRunner>();
        services.AddValidatedOptions<SyncRunnerOptions, SyncRunnerOptionsValidator>();
        services.TryAddSingleton<RunLiveness>();
        services.AddHttpFetching();
        services.AddIngestionClient();
        services.AddPartialRetry();
        services.AddRetention();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, Ingestion.Telemetry.Internal.QueueStatsSampler>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IngestionStartupCheck>, IngestionStartupValidator>());
        services.AddOptions<IngestionStartupCheck>().ValidateOnStart();
        return builder;
    }
}
