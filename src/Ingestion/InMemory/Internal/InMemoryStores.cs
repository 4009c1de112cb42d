namespace Ingestion.InMemory.Internal;

/// <summary>One set of in-memory stores sharing a clock; the raw store writes sync state and run counters with its batches.</summary>
internal sealed class InMemoryStores
{
    public InMemoryStores(InMemoryStoreOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        SyncState = new InMemorySyncStateStore();
        RunLog = new InMemoryRunLog();
        Health = new InMemoryHealthStore();
        Leases = new InMemoryStreamLeases();
        Raw = new InMemoryRawStore(options, SyncState, RunLog, Leases);
        Derived = new InMemoryDerivedStore(time);
        Queue = new InMemoryJobQueue(options, time);
        Retention = new InMemoryRetention(Raw, RunLog, time);
    }

    public InMemoryRawStore Raw { get; }

    public InMemorySyncStateStore SyncState { get; }

    public InMemoryRunLog RunLog { get; }

    public InMemoryHealthStore Health { get; }

    public InMemoryDerivedStore Derived { get; }

    public InMemoryJobQueue Queue { get; }

    public InMemoryRetention Retention { get; }

    public InMemoryStreamLeases Leases { get; }
}
