using Ingestion.Conformance;
using Ingestion.Postgres.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Postgres.Tests.Conformance;

/// <summary>
/// The PostgreSQL stores over a schema of their own in the test class's database, as a host's container resolves them (the
/// way a store author runs the conformance kit); the stores migrate the schema on first use.
/// </summary>
internal static class PostgresStoreSet
{
    private static int _schemas;

    public static async Task<StoreSet> CreateAsync(PostgresServerFixture server, string owner, FakeTimeProvider time, Action<PostgresStoreOptions>? configure = null)
    {
        var schema = $"conformance_{Interlocked.Increment(ref _schemas)}";
        var connectionString = await server.GetDatabaseAsync(owner);
        var services = new ServiceCollection().AddSingleton<TimeProvider>(time);
        services.AddIngestion().UsePostgres(connectionString, options =>
        {
            options.Schema = schema;
            configure?.Invoke(options);
        });
        return StoreSet.FromServices(services.BuildServiceProvider());
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

/// <summary>The same rules with the hot statements planned on every call (no prepared statements) and a vacuum after every claimed job.</summary>
public sealed class PostgresJobQueueUnpreparedConformanceTests(PostgresServerFixture server) : JobQueueConformance
{
    protected override Task<StoreSet> CreateAsync(FakeTimeProvider time) => PostgresStoreSet.CreateAsync(server, nameof(PostgresJobQueueUnpreparedConformanceTests), time, options =>
    {
        options.Queue.UsePreparedStatements = false;
        options.Queue.VacuumAfterJobs = 1;
    });
}

public sealed class PostgresRetentionConformanceTests(PostgresServerFixture server) : RetentionConformance
{
    protected override Task<StoreSet> CreateAsync(FakeTimeProvider time) => PostgresStoreSet.CreateAsync(server, nameof(PostgresRetentionConformanceTests), time);
}

public sealed class PostgresStreamLeaseConformanceTests(PostgresServerFixture server) : StreamLeaseConformance
{
    protected override Task<StoreSet> CreateAsync(FakeTimeProvider time) => PostgresStoreSet.CreateAsync(server, nameof(PostgresStreamLeaseConformanceTests), time);
}
