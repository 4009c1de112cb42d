using System.Security.Cryptography;
using System.Text;
using Ingestion.Postgres.Storage.Internal;
using Ingestion.Postgres.Tests.Support;
using Ingestion.Testing;
using Microsoft.Extensions.Logging;

namespace Ingestion.Postgres.Tests.Storage;

// After a batch of only new keys, the store writes the same run's next batch's keys as new before classifying them, and
// classifies the batch as usual when one of them is stored already (PostgresRawStore.Classify.cs).
public sealed class PostgresRawStoreNewKeysTests(PostgresServerFixture server) : IAsyncLifetime
{
    private const string FellBack = "written as new was stored already";
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private readonly CapturingLoggerProvider _logs = new();
    private ILoggerFactory _loggerFactory = null!;
    private PostgresTestContext _db = null!;
    private PostgresRawStore _store = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _loggerFactory = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(_logs));
        _db = await PostgresTestContext.CreateAsync(await server.GetDatabaseAsync(nameof(PostgresRawStoreNewKeysTests)), loggerFactory: _loggerFactory);
        _store = new PostgresRawStore(_db.Context);
    }

    public async ValueTask DisposeAsync()
    {
        await _db.DisposeAsync();
        _loggerFactory.Dispose();
    }

    private static RawRecordWrite Record(string key, string json, bool partial = false)
    {
        var payload = Encoding.UTF8.GetBytes(json);
        return new()
        {
            Key = key,
            Payload = payload,
            Hash = new ContentHash(SHA256.HashData(payload)),
            IsPartial = partial,
            IsRetryable = partial,
            RetryRequest = partial ? "GET /items/" + key : null,
            ErrorMessage = partial ? "HTTP 503" : null,
            HttpStatusCode = partial ? 503 : null,
        };
    }

    private static RawBatch Batch(StreamId stream, Guid run, DateTimeOffset at, params RawRecordWrite[] records) =>
        new() { Stream = stream, RunId = run, FetchedAt = at, Records = records };

    private static StreamId NewStream() => new("src", "s_" + Guid.NewGuid().ToString("N")[..8]);

    private int FallBacks => _logs.Lines.Count(line => line.Contains(FellBack, StringComparison.Ordinal));

    [Fact]
    public async Task Keys_written_as_new_after_an_all_new_batch_keep_every_promise_and_a_stored_key_falls_back_to_classifying()
    {
        var stream = NewStream();
        var run = Guid.NewGuid();

        var first = await _store.WriteBatchAsync(Batch(stream, run, T0, Record("a", """{"v":1}"""), Record("b", """{"v":1}""")), Cancel);
        var second = await _store.WriteBatchAsync(Batch(stream, run, T0.AddHours(1), Record("c", """{"v":1}""", partial: true), Record("d", """{"v":1}""")), Cancel);
        Assert.Equal((2, 0, 0, 0), (first.New, first.Changed, first.Unchanged, first.Partial));
        Assert.Equal((1, 0, 0, 1), (second.New, second.Changed, second.Unchanged, second.Partial));
        Assert.Equal(0, FallBacks);

        // "d" is stored: the keys written as new are refused and the batch is classified.
        var third = await _store.WriteBatchAsync(Batch(stream, run, T0.AddHours(2), Record("d", """{"v":2}"""), Record("e", """{"v":1}""")), Cancel);
        Assert.Equal((1, 1, 0), (third.New, third.Changed, third.Unchanged));
        Assert.Equal(["d", "e"], third.ChangedKeys);
        Assert.Equal(1, FallBacks);

        // After a batch that was not all new, the next is classified first: "e" is stored, and nothing is refused.
        var fourth = await _store.WriteBatchAsync(Batch(stream, run, T0.AddHours(3), Record("e", """{"v":1}"""), Record("f", """{"v":1}""")), Cancel);
        Assert.Equal((1, 0, 1), (fourth.New, fourth.Changed, fourth.Unchanged));
        Assert.Equal(1, FallBacks);

        // Nor does another run start by assuming its keys new after this run's all-new batch: "f" is stored.
        var fifth = await _store.WriteBatchAsync(Batch(stream, run, T0.AddHours(4), Record("g", """{"v":1}""")), Cancel);
        var nextRun = await _store.WriteBatchAsync(Batch(stream, Guid.NewGuid(), T0.AddHours(5), Record("f", """{"v":1}""")), Cancel);
        Assert.Equal((1, 0, 1), (fifth.New, nextRun.New, nextRun.Unchanged));
        Assert.Equal(1, FallBacks);

        Assert.Equal(6L, await _store.CountLatestAsync(stream, Cancel)); // complete records: all but the partial "c"
        Assert.Equal("7/8/7", await _db.ScalarAsync<string>(
            $"""
            SELECT (SELECT count(*) FROM ingestion.record_keys WHERE stream = '{stream.Stream}') || '/' ||
                   (SELECT count(*) FROM ingestion.raw_records WHERE stream = '{stream.Stream}') || '/' ||
                   (SELECT count(*) FROM ingestion.raw_records WHERE stream = '{stream.Stream}' AND is_latest)
            """));
        var history = await _store.GetHistoryAsync(stream, "d", Cancel).ToListAsync(Cancel);
        Assert.Equal([1, 2], history.Select(record => record.Version));
        Assert.Equal([false, true], history.Select(record => record.IsLatest));
        Assert.All(history, record => Assert.Equal(T0.AddHours(1), record.FirstSeenAt));
        Assert.Equal(T0.AddHours(3), (await _store.GetLatestAsync(stream, "e", Cancel))!.LastVerifiedAt);
        Assert.Equal(T0.AddHours(5), (await _store.GetLatestAsync(stream, "f", Cancel))!.LastVerifiedAt);

        var partial = await _store.GetLatestAsync(stream, "c", Cancel);
        Assert.True(partial!.IsPartial);
        Assert.Equal("pending", await _db.ScalarAsync<string>($"SELECT retry_status FROM ingestion.record_keys WHERE stream = '{stream.Stream}' AND key = 'c'"));
    }

    [Fact]
    public async Task A_refused_batch_of_keys_assumed_new_leaves_none_of_its_rows()
    {
        var stream = NewStream();
        var run = Guid.NewGuid();
        await _store.WriteBatchAsync(Batch(stream, run, T0, Record("a", """{"v":1}""")), Cancel);

        // Assumed new after the run's first batch; "a" is stored, so none of "b".."z" may stay behind from the refused copy,
        // and the classified batch writes each of them once.
        var keys = Enumerable.Range('b', 25).Select(letter => ((char)letter).ToString()).Append("a").ToArray();
        var result = await _store.WriteBatchAsync(Batch(stream, run, T0.AddHours(1), [.. keys.Select(key => Record(key, """{"v":1}"""))]), Cancel);

        Assert.Equal((25, 0, 1), (result.New, result.Changed, result.Unchanged));
        Assert.Equal(1, FallBacks);
        Assert.Equal(26L, await _db.ScalarAsync<long>($"SELECT count(*) FROM ingestion.record_keys WHERE stream = '{stream.Stream}'"));
        Assert.Equal(26L, await _db.ScalarAsync<long>($"SELECT count(*) FROM ingestion.raw_records WHERE stream = '{stream.Stream}'"));
        Assert.Equal(T0, (await _store.GetLatestAsync(stream, "a", Cancel))!.FetchedAt);
    }
}
