using Ingestion.Composition.Internal;
using Ingestion.InMemory.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Ingestion;

/// <summary>Registers the in-memory stores (raw, derived, sync state, health, run log and job queue) on an <see cref="IIngestionBuilder"/>.</summary>
public static class InMemoryIngestionBuilderExtensions
{
    /// <summary>
    /// Keeps everything in this process's memory: for tests, samples and single-process hosts. Everything is lost when the
    /// process exits, and nothing is shared between processes. The stores follow the same rules as the PostgreSQL store (versions,
    /// exactly one latest version per key, dedup by hash, partial records, soft delete, leases and dedup keys in the job queue) and
    /// run on the host's <see cref="TimeProvider"/>. A store registered by <c>UsePostgres(...)</c> wins, whatever the call order.
    /// </summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="configure">Sets options (payload size limit, job backoff and retention).</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder UseInMemoryStores(this IIngestionBuilder builder, Action<InMemoryStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddValidatedOptions<InMemoryStoreOptions, InMemoryStoreOptionsValidator>(configure);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(provider => new InMemoryStores(
            provider.GetRequiredService<IOptions<InMemoryStoreOptions>>().Value,
            provider.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IRawStore>(provider => provider.GetRequiredService<InMemoryStores>().Raw);
        services.TryAddSingleton<IRetryLog>(provider => provider.GetRequiredService<InMemoryStores>().Raw);
        services.TryAddSingleton<ISyncStateStore>(provider => provider.GetRequiredService<InMemoryStores>().SyncState);
        services.TryAddSingleton<IHealthStore>(provider => provider.GetRequiredService<InMemoryStores>().Health);
        services.TryAddSingleton<IRunLog>(provider => provider.GetRequiredService<InMemoryStores>().RunLog);
        services.TryAddSingleton<IDerivedStore>(provider => provider.GetRequiredService<InMemoryStores>().Derived);
        services.TryAddSingleton<IJobQueue>(provider => provider.GetRequiredService<InMemoryStores>().Queue);
        services.TryAddSingleton<IStoreRetention>(provider => provider.GetRequiredService<InMemoryStores>().Retention);
        services.TryAddSingleton<IStreamLeases>(provider => provider.GetRequiredService<InMemoryStores>().Leases);
        return builder;
    }
}
