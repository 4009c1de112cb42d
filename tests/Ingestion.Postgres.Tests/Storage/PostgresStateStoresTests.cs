using System.Text;
using Ingestion.Postgres.Storage.Internal;
using Ingestion.Postgres.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Postgres.Tests.Storage;

public sealed class PostgresStateStoresTests(PostgresServerFixture server) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(T0);
    private PostgresTestContext _db = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() =>
        _db = await PostgresTestContext.CreateAsync(await server.GetDatabaseAsync(nameof(PostgresStateStoresTests)), _time);

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task Derived_output_for_an_input_key_is_replaced_whole_and_stale_versions_are_listed()
    {
        var store = new PostgresDerivedStore(_db.Context);
        DerivedRecord Event(string key, int day) => new()
        {
            Key = key,
            Kind = "salary_increase",
            Payload = Encoding.UTF8.GetBytes($$"""{"day":{{day}}}"""),
            EffectiveAt = T0.AddDays(day),
        };

        await store.ReplaceAsync("timeline", 1, "emp-1", [Event("e2", 2), Event("e1", 1)], Cancel);
        await store.ReplaceAsync("timeline", 1, "emp-2", [Event("x", 1)], Cancel);
        await store.ReplaceAsync("timeline", 1, "emp-3", [], Cancel);
        _time.Advance(TimeSpan.FromHours(1));
        await store.ReplaceAsync("timeline", 2, "emp-1", [Event("e3", 3), Event("e1", 1)], Cancel);
        await store.ReplaceAsync("timeline", 2, "emp-1", [Event("e3", 3), Event("e1", 1)], Cancel);

        var emp1 = await store.GetAsync("timeline", "emp-1", Cancel);
        Assert.Equal(["e1", "e3"], emp1.Select(record => record.Record.Key));
        Assert.All(emp1, record => Assert.Equal((2, T0.AddHours(1)), (record.DeriverVersion, record.DerivedAt)));
        Assert.Equal("""{"day": 3}""", Encoding.UTF8.GetString(emp1[1].Record.Payload.Span));
        Assert.Equal(["emp-2", "emp-3"], await store.GetStaleInputKeysAsync("timeline", 2, Cancel));
        Assert.Equal(["emp-1", "emp-1", "emp-2"], await store.GetAllAsync("timeline", Cancel).Select(record => record.InputKey).ToListAsync(Cancel));
    }

    [Fact]
    public async Task Sync_state_health_and_run_log_round_trip()
    {
        var stream = new StreamId("employes", "employees");
        var states = new PostgresSyncStateStore(_db.Context);
        Assert.Null(await states.GetAsync(stream, Cancel));
        var state = new SyncState { Stream = stream, Watermark = "w", Checkpoint = "c", LastGoodSnapshotCount = 42, LastGoodSnapshotAt = T0, UpdatedAt = T0 };
        await states.SaveAsync(state, Cancel);
        Assert.Equal(state, await states.GetAsync(stream, Cancel));

        var health = new PostgresHealthStore(_db.Context);
        var degraded = new StreamHealth { Stream = stream, Status = StreamHealthStatus.Degraded, ConsecutiveFailures = 1, ItemCount = 42, LastCheckAt = T0, LastFailureAt = T0, LastError = "HTTP 503", Reason = "snapshot guard tripped" };
        await health.SaveAsync(degraded, Cancel);
        await health.SaveAsync(new StreamHealth { Stream = new StreamId("alpha", "z"), Status = StreamHealthStatus.Healthy }, Cancel);
        Assert.Equal(degraded, await health.GetAsync(stream, Cancel));
        Assert.Equal(["alpha", "employes"], (await health.GetAllAsync(Cancel)).Select(entry => entry.Stream.Source));

        var runs = new PostgresRunLog(_db.Context);
        var runId = Guid.NewGuid();
        await runs.SaveAsync(new SyncReport { RunId = runId, Stream = stream, Status = RunStatus.Running, StartedAt = T0 }, Cancel);
        var raw = new PostgresRawStore(_db.Context);
        await raw.WriteBatchAsync(new RawBatch
        {
            Stream = stream,
            RunId = runId,
            FetchedAt = T0,
            Records = [new RawRecordWrite { Key = "1", Payload = "{}"u8.ToArray(), Hash = new ContentHash(new byte[32]) }],
        }, Cancel);
        Assert.Equal(1, (await runs.GetAsync(runId, Cancel))!.RecordsNew);

        var final = new SyncReport
        {
            RunId = runId, Stream = stream, Status = RunStatus.Partial, StartedAt = T0, CompletedAt = T0.AddSeconds(5), Pages = 2, RecordsNew = 1,
            Issues = [new SyncIssue(IssueKind.SnapshotGuardTripped, "only 1 of 42 records", HttpStatusCode: 200)],
        };
        await runs.SaveAsync(final, Cancel);
        var read = await runs.GetAsync(runId, Cancel);
        Assert.Equal((RunStatus.Partial, 2, TimeSpan.FromSeconds(5)), (read!.Status, read.Pages, read.Duration));
        Assert.Equal(final.Issues, read.Issues);
        Assert.Equal([runId], (await runs.GetRecentAsync(stream, 10, Cancel)).Select(report => report.RunId));

        var health24h = await _db.ScalarAsync<long>("SELECT count(*) FROM ingestion.collection_health(interval '100 years')");
        Assert.Equal(1L, health24h);
    }
}
