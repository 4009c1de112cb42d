using Ingestion.Composition.Internal;
using Ingestion.DatabaseSources.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Ingestion;

/// <summary>Loads REST source definitions from an <see cref="ISourceDefinitionStore"/> (the PostgreSQL <c>sources</c> table) at run time.</summary>
public static class DatabaseSourcesIngestionBuilderExtensions
{
    /// <summary>
    /// Loads the enabled stored source definitions into the <see cref="ISourceCatalog"/> when the host starts, then every
    /// <see cref="DatabaseSourcesOptions.ReloadInterval"/>: added and changed definitions are loaded, disabled and deleted ones removed,
    /// without a restart. A definition is read like a configuration section (see <c>AddRestSource(name, IConfiguration)</c>) and validated
    /// like every source; an invalid one is not loaded (a previously loaded version keeps running) and its error is recorded on the
    /// definition. With <c>UsePostgres(...)</c> the definitions live in the <c>sources</c> table; otherwise in memory. Safe to call more than once.
    /// </summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="configure">Sets options (reload interval).</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddDatabaseSources(this IIngestionBuilder builder, Action<DatabaseSourcesOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddValidatedOptions<DatabaseSourcesOptions, DatabaseSourcesOptionsValidator>(configure);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ISourceDefinitionStore, InMemorySourceDefinitionStore>();
        services.TryAddSingleton<SourceDefinitionReloader>();
        if (!services.Any(descriptor => descriptor.ServiceType == typeof(IHostedService) && descriptor.ImplementationFactory?.Method.DeclaringType == typeof(DatabaseSourcesIngestionBuilderExtensions)))
        {
            // Before the ingestion services registered so far (schedulers, workers), so jobs find the stored sources loaded.
            var first = services.ToList().FindIndex(descriptor => descriptor.ServiceType == typeof(IHostedService));
            var descriptor = ServiceDescriptor.Singleton<IHostedService>(Reloader);
            if (first < 0)
            {
                services.Add(descriptor);
            }
            else
            {
                services.Insert(first, descriptor);
            }
        }

        return builder;
    }

    /// <summary>Loads stored source definitions with options bound from <paramref name="section"/> (for example <c>Ingestion:DatabaseSources</c>).</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="section">The options section: <c>ReloadInterval</c>.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddDatabaseSources(this IIngestionBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        builder.AddDatabaseSources();
        builder.Services.AddOptions<DatabaseSourcesOptions>().Bind(section);
        return builder;
    }

    private static SourceDefinitionReloader Reloader(IServiceProvider provider) => provider.GetRequiredService<SourceDefinitionReloader>();
}
