using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ingestion.Postgres.Queue.Internal;
using Ingestion.Postgres.Storage.Internal;
using Ingestion.Postgres.Tests.Support;

namespace Ingestion.Postgres.Tests.Containers;

// The store and the queue against PostgreSQL in a container started through Testcontainers (see ContainerServer).
// Skipped with "needs Docker" where no Docker engine answers; .ci/skip-allowlist.txt lists these tests for that case.
public sealed class TestcontainersStoreTests(ContainerServer container) : IClassFixture<ContainerServer>
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_server_is_a_container_and_answers()
    {
        var server = container.Server;
        Assert.StartsWith("Testcontainers (image ", server.Description, StringComparison.Ordinal);
        Assert.False(server.IsLocalCluster);

        await using var db = await PostgresTestContext.CreateAsync(await server.CreateDatabaseAsync("tc_version", Cancel));
        Assert.True(await db.ScalarAsync<int>("SELECT current_setting('server_version_num')::int") >= 150000);
        Assert.Equal("off", await db.ScalarAsync<string>("SELECT current_setting('fsync')"));
    }

    [Fact]
    public async Task The_raw_store_keeps_versions_and_one_latest_per_key()
    {
        await using var db = await PostgresTestContext.CreateAsync(await container.Server.CreateDatabaseAsync("tc_raw", Cancel));
        var store = new PostgresRawStore(db.Context);
        var stream = new StreamId("src", "items");

        var first = await store.WriteBatchAsync(Batch(stream, T0, Record("a", """{"v":1}"""), Record("b", """{"v":1}""")), Cancel);
        var second = await store.WriteBatchAsync(Batch(stream, T0.AddHours(1), Record("a", """{"v":2}"""), Record("b", """{"v":1}""")), Cancel);

        Assert.Equal((2, 0, 0), (first.New, first.Changed, first.Unchanged));
        Assert.Equal((0, 1, 1), (second.New, second.Changed, second.Unchanged));
        var history = await store.GetHistoryAsync(stream, "a", Cancel).ToListAsync(Cancel);
        Assert.Equal([1, 2], history.Select(record => record.Version));
        // Stored as jsonb, so the text comes back normalized; the value is what must survive.
        using var latest = JsonDocument.Parse((await store.GetLatestAsync(stream, "a", Cancel))!.Payload);
        Assert.Equal(2, latest.RootElement.GetProperty("v").GetInt32());
        Assert.Equal(T0.AddHours(1), (await store.GetLatestAsync(stream, "b", Cancel))!.LastVerifiedAt);
        Assert.Equal(2, await store.CountLatestAsync(stream, Cancel));
    }

    [Fact]
    public async Task The_job_queue_hands_each_job_out_once_and_forgets_completed_ones()
    {
        await using var db = await PostgresTestContext.CreateAsync(await container.Server.CreateDatabaseAsync("tc_queue", Cancel));
        await using var queue = new PostgresJobQueue(db.Context);

        var enqueued = await queue.EnqueueManyAsync([new JobRequest { JobType = "sync" }, new JobRequest { JobType = "sync" }, new JobRequest { JobType = "derive" }], Cancel);
        var claimed = await queue.ClaimAsync(new ClaimRequest { WorkerId = "w1", MaxJobs = 10 }, Cancel);
        Assert.Empty(await queue.ClaimAsync(new ClaimRequest { WorkerId = "w2", MaxJobs = 10 }, Cancel));

        Assert.Equal(enqueued.Select(result => result.JobId).Order(), claimed.Select(job => job.Id).Order());
        Assert.Equal(3, await queue.CompleteAsync(claimed.Select(job => new JobCompletion(job.Id, job.LeaseToken)).ToList(), Cancel));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM ingestion.jobs"));
    }

    private static RawRecordWrite Record(string key, string json)
    {
        var payload = Encoding.UTF8.GetBytes(json);
        return new RawRecordWrite { Key = key, Payload = payload, Hash = new ContentHash(SHA256.HashData(payload)) };
    }

    private static RawBatch Batch(StreamId stream, DateTimeOffset at, params RawRecordWrite[] records) =>
        new() { Stream = stream, RunId = Guid.NewGuid(), FetchedAt = at, Records = records };
}
