using Ingestion.Conformance;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Tests.Conformance;

/// <summary>The in-memory stores as a host's container resolves them, the way a store author runs the conformance kit.</summary>
internal static class InMemoryStoreSet
{
    public static Task<StoreSet> CreateAsync(FakeTimeProvider time)
    {
        var services = new ServiceCollection().AddSingleton<TimeProvider>(time);
        services.AddIngestion().UseInMemoryStores();
        return Task.FromResult(StoreSet.FromServices(services.BuildServiceProvider()));
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

public sealed class InMemoryRetentionTests : RetentionConformance
{
    protected override Task<StoreSet> CreateAsync(FakeTimeProvider time) => InMemoryStoreSet.CreateAsync(time);
}

public sealed class InMemoryStreamLeaseTests : StreamLeaseConformance
{
    protected override Task<StoreSet> CreateAsync(FakeTimeProvider time) => InMemoryStoreSet.CreateAsync(time);
}
