using Ingestion.Conformance;
using Ingestion.Postgres.Queue.Internal;
using Ingestion.Postgres.Storage.Internal;
using Ingestion.Postgres.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Postgres.Tests.Conformance;

/// <summary>The PostgreSQL stores over a freshly migrated schema of their own, in the test class's database.</summary>
internal static class PostgresStoreSet
{
    private static int _schemas;

    public static async Task<StoreSet> CreateAsync(PostgresServerFixture server, string owner, FakeTimeProvider time)
    {
        var schema = $"conformance_{Interlocked.Increment(ref _schemas)}";
        var db = await PostgresTestContext.CreateAsync(await server.GetDatabaseAsync(owner), time, options => options.Schema = schema);
        var queue = new PostgresJobQueue(db.Context);
        return new StoreSet
        {
            Raw = new PostgresRawStore(db.Context),
            Derived = new PostgresDerivedStore(db.Context),
            SyncState = new PostgresSyncStateStore(db.Context),
            Health = new PostgresHealthStore(db.Context),
            RunLog = new PostgresRunLog(db.Context),
            Queue = queue,
            Cleanup = async () =>
            {
                await queue.DisposeAsync();
                await db.DisposeAsync();
            },
        };
    }
}

public sealed class PostgresRawStoreConformanceTests(PostgresServerFixture server) : RawStoreConformance
{
    protected override Task<StoreSet> CreateAsync(FakeTimeProvider time) => PostgresStoreSet.CreateAsync(server, nameof(PostgresRawStoreConformanceTests), time);
}

public sealed class PostgresDerivedStoreConformanceTests(PostgresServerFixture server) : DerivedStoreConformance
{
    protected override Task<StoreSet> CreateAsync(FakeTimeProvider time) => PostgresStoreSet.CreateAsync(server, nameof(PostgresDerivedStoreConformanceTests), time);
}

public sealed class PostgresSyncStateStoreConformanceTests(PostgresServerFixture server) : SyncStateStoreConformance
{
    protected override Task<StoreSet> CreateAsync(FakeTimeProvider time) => PostgresStoreSet.CreateAsync(server, nameof(PostgresSyncStateStoreConformanceTests), time);
}

public sealed class PostgresHealthStoreConformanceTests(PostgresServerFixture server) : HealthStoreConformance
{
    protected override Task<StoreSet> CreateAsync(FakeTimeProvider time) => PostgresStoreSet.CreateAsync(server, nameof(PostgresHealthStoreConformanceTests), time);
}

public sealed class PostgresRunLogConformanceTests(PostgresServerFixture server) : RunLogConformance
{
    protected override Task<StoreSet> CreateAsync(FakeTimeProvider time) => PostgresStoreSet.CreateAsync(server, nameof(PostgresRunLogConformanceTests), time);
}

public sealed class PostgresJobQueueConformanceTests(PostgresServerFixture server) : JobQueueConformance
{
    protected override Task<StoreSet> CreateAsync(FakeTimeProvider time) => PostgresStoreSet.CreateAsync(server, nameof(PostgresJobQueueConformanceTests), time);
}
