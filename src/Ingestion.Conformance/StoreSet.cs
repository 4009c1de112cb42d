using Microsoft.Extensions.DependencyInjection;

namespace Ingestion.Conformance;

/// <summary>One implementation's stores and queue, over one empty storage space, as a conformance test needs them.</summary>
public sealed class StoreSet : IAsyncDisposable
{
    /// <summary>The raw store.</summary>
    public required IRawStore Raw { get; init; }

    /// <summary>The retry log of <see cref="Raw"/>'s partial records (often the same object).</summary>
    public required IRetryLog RetryLog { get; init; }

    /// <summary>The derived store.</summary>
    public required IDerivedStore Derived { get; init; }

    /// <summary>The sync state store; it must see the state that <see cref="Raw"/> batches commit.</summary>
    public required ISyncStateStore SyncState { get; init; }

    /// <summary>The health store.</summary>
    public required IHealthStore Health { get; init; }

    /// <summary>The run log; it must see the counts that <see cref="Raw"/> batches add to their run.</summary>
    public required IRunLog RunLog { get; init; }

    /// <summary>The job queue.</summary>
    public required IJobQueue Queue { get; init; }

    /// <summary>The store's retention, when it supports one; <see cref="RetentionConformance"/> needs it.</summary>
    public IStoreRetention? Retention { get; init; }

    /// <summary>The store's stream leases, when it has them; <see cref="StreamLeaseConformance"/> needs them.</summary>
    public IStreamLeases? Leases { get; init; }

    /// <summary>Releases what the implementation holds (connections, listeners), if anything.</summary>
    public Func<ValueTask>? Cleanup { get; init; }

    /// <summary>
    /// The stores and queue a container resolves, as a host gets them: the usual way to test a store that an
    /// <c>IIngestionBuilder</c> extension registers. Disposing the set disposes <paramref name="services"/> when it is disposable.
    /// </summary>
    /// <param name="services">A container with every store contract registered, over one empty storage space.</param>
    /// <returns>The set.</returns>
    public static StoreSet FromServices(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return new StoreSet
        {
            Raw = services.GetRequiredService<IRawStore>(),
            RetryLog = services.GetRequiredService<IRetryLog>(),
            Derived = services.GetRequiredService<IDerivedStore>(),
            SyncState = services.GetRequiredService<ISyncStateStore>(),
            Health = services.GetRequiredService<IHealthStore>(),
            RunLog = services.GetRequiredService<IRunLog>(),
            Queue = services.GetRequiredService<IJobQueue>(),
            Retention = services.GetService<IStoreRetention>(),
            Leases = services.GetService<IStreamLeases>(),
            Cleanup = services switch
            {
                IAsyncDisposable disposable => disposable.DisposeAsync,
                IDisposable disposable => () =>
                {
                    disposable.Dispose();
                    return ValueTask.CompletedTask;
                },
                _ => null,
            },
        };
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Cleanup?.Invoke() ?? ValueTask.CompletedTask;
}
