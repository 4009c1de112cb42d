using System.Security.Cryptography;
using System.Text;
using Ingestion.Postgres.Storage.Internal;
using Ingestion.Postgres.Tests.Support;
using Npgsql;

namespace Ingestion.Postgres.Tests.Storage;

/// <summary>
/// Payloads that pass the store's own checks but that PostgreSQL still refuses as JSONB: in a LATIN1 database, a <c>\u4e2d</c>
/// escape cannot be held, and the COPY of the whole batch fails. The batch must still land, with the refused record stored raw.
/// </summary>
public sealed class PostgresRawStoreRefusalTests(PostgresServerFixture server) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly StreamId Items = new("vendor", "items");
    private const string Refused = """{"name":"\u4e2d\u6587","v":1}""";
    private PostgresTestContext _db = null!;
    private PostgresRawStore _store = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var builder = new NpgsqlConnectionStringBuilder(await server.GetDatabaseAsync(nameof(PostgresRawStoreRefusalTests)));
        var name = "latin1_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = NpgsqlDataSource.Create(builder.ConnectionString))
        {
            await using var create = admin.CreateCommand($"CREATE DATABASE \"{name}\" ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
            await create.ExecuteNonQueryAsync(Cancel);
        }

        builder.Database = name;
        _db = await PostgresTestContext.CreateAsync(builder.ConnectionString);
        _store = new PostgresRawStore(_db.Context);
    }

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    private static RawRecordWrite Record(string key, string json)
    {
        var payload = Encoding.UTF8.GetBytes(json);
        return new RawRecordWrite { Key = key, Payload = payload, Hash = new ContentHash(SHA256.HashData(payload)) };
    }

    [Fact]
    public async Task The_database_really_refuses_the_payload_as_jsonb()
    {
        await using var command = _db.DataSource.CreateCommand("SELECT $1::jsonb");
        command.Parameters.Add(new NpgsqlParameter { Value = Refused });
        var exception = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteScalarAsync(Cancel));
        Assert.StartsWith("22", exception.SqlState, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_payload_is_stored_raw_and_flagged_and_the_rest_of_the_batch_and_its_state_land()
    {
        var state = new SyncState { Stream = Items, Watermark = "w-1", Checkpoint = """{"page":2}""", UpdatedAt = T0 };
        var records = Enumerable.Range(0, 40).Select(index => Record($"k{index:D2}", $$"""{"v":{{index}}}""")).ToList();
        records[17] = Record("k17", Refused);
        records[30] = Record("k30", Refused.Replace("\"v\":1", "\"v\":30", StringComparison.Ordinal));

        var result = await _store.WriteBatchAsync(new RawBatch { Stream = Items, RunId = Guid.NewGuid(), FetchedAt = T0, Records = records, State = state }, Cancel);

        Assert.Equal(40, result.New);
        Assert.Equal(records.Select(record => record.Key), result.ChangedKeys);
        Assert.Equal(["k17", "k30"], result.Issues.Select(issue => issue.Key));
        Assert.All(result.Issues, issue => Assert.Equal(IssueKind.StoreFailure, issue.Kind));

        var refused = await _store.GetLatestAsync(Items, "k17", Cancel);
        Assert.NotNull(refused);
        Assert.False(refused.IsJson);
        Assert.Equal(Refused, Encoding.UTF8.GetString(refused.Payload.Span));
        Assert.Contains(refused.Issues, issue => issue.Kind == IssueKind.StoreFailure && issue.Message.Contains("stored raw", StringComparison.Ordinal));

        var good = await _store.GetLatestAsync(Items, "k18", Cancel);
        Assert.True(good!.IsJson);
        Assert.Equal(40L, await _store.CountLatestAsync(Items, Cancel));
        Assert.Equal(state, await new PostgresSyncStateStore(_db.Context).GetAsync(Items, Cancel));

        // The same content again is recognised by its hash: unchanged, nothing to refuse.
        var again = await _store.WriteBatchAsync(new RawBatch { Stream = Items, RunId = Guid.NewGuid(), FetchedAt = T0.AddHours(1), Records = records }, Cancel);
        Assert.Equal((0, 0, 40), (again.New, again.Changed, again.Unchanged));
        Assert.Empty(again.Issues);
    }

    [Fact]
    public async Task A_changed_record_that_is_refused_becomes_a_raw_latest_version()
    {
        await _store.WriteBatchAsync(new RawBatch { Stream = Items, RunId = Guid.NewGuid(), FetchedAt = T0, Records = [Record("a", """{"v":1}"""), Record("b", """{"v":1}""")] }, Cancel);

        var result = await _store.WriteBatchAsync(
            new RawBatch { Stream = Items, RunId = Guid.NewGuid(), FetchedAt = T0.AddHours(1), Records = [Record("a", Refused), Record("b", """{"v":2}""")] }, Cancel);

        Assert.Equal((0, 2), (result.New, result.Changed));
        var history = await _store.GetHistoryAsync(Items, "a", Cancel).ToListAsync(Cancel);
        Assert.Equal([(1, false, true), (2, true, false)], history.Select(record => (record.Version, record.IsLatest, record.IsJson)));
        Assert.Equal(2, (await _store.GetLatestAsync(Items, "b", Cancel))!.Version);
    }
}
