using Ingestion.Conformance;
using Ingestion.InMemory.Internal;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Tests.Conformance;

internal static class InMemoryStoreSet
{
    public static Task<StoreSet> CreateAsync(FakeTimeProvider time)
    {
        var stores = new InMemoryStores(new InMemoryStoreOptions(), time);
        return Task.FromResult(new StoreSet
        {
            Raw = stores.Raw,
            Derived = stores.Derived,
            SyncState = stores.SyncState,
            Health = stores.Health,
            RunLog = stores.RunLog,
            Queue = stores.Queue,
        });
    }
}

public sealed class InMemoryRawStoreTests : RawStoreConformance
{
    protected override Task<StoreSet> CreateAsync(FakeTimeProvider time) => InMemoryStoreSet.CreateAsync(time);
}

public sealed class InMemoryDerivedStoreTests : DerivedStoreConformance
{
    protected override Task<StoreSet> CreateAsync(FakeTimeProvider time) => InMemoryStoreSet.CreateAsync(time);
}

public sealed class InMemorySyncStateStoreTests : SyncStateStoreConformance
{
    protected override Task<StoreSet> CreateAsync(FakeTimeProvider time) => InMemoryStoreSet.CreateAsync(time);
}

public sealed class InMemoryHealthStoreTests : HealthStoreConformance
{
    protected override Task<StoreSet> CreateAsync(FakeTimeProvider time) => InMemoryStoreSet.CreateAsync(time);
}

public sealed class InMemoryRunLogTests : RunLogConformance
{
    protected override Task<StoreSet> CreateAsync(FakeTimeProvider time) => InMemoryStoreSet.CreateAsync(time);
}

public sealed class InMemoryJobQueueTests : JobQueueConformance
{
    protected override Task<StoreSet> CreateAsync(FakeTimeProvider time) => InMemoryStoreSet.CreateAsync(time);
}
