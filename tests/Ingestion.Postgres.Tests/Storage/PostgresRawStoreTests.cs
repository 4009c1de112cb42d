using System.Security.Cryptography;
using System.Text;
using Ingestion.Postgres.Storage.Internal;
using Ingestion.Postgres.Tests.Support;
using Npgsql;

namespace Ingestion.Postgres.Tests.Storage;

public sealed class PostgresRawStoreTests(PostgresServerFixture server) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private PostgresTestContext _db = null!;
    private PostgresRawStore _store = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _db = await PostgresTestContext.CreateAsync(await server.GetDatabaseAsync(nameof(PostgresRawStoreTests)), configure: options => options.MaxPayloadBytes = 4096);
        _store = new PostgresRawStore(_db.Context);
    }

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    private static StreamId NewStream() => new("src", "s_" + Guid.NewGuid().ToString("N")[..8]);

    private static RawRecordWrite Record(string key, string json, bool partial = false) => Bytes(key, Encoding.UTF8.GetBytes(json), partial);

    private static RawRecordWrite Bytes(string key, byte[] payload, bool partial = false) => new()
    {
        Key = key,
        Payload = payload,
        Hash = new ContentHash(SHA256.HashData(payload)),
        IsPartial = partial,
        ErrorMessage = partial ? "HTTP 503" : null,
        HttpStatusCode = partial ? 503 : null,
    };

    private static RawBatch Batch(StreamId stream, DateTimeOffset at, params RawRecordWrite[] records) =>
        new() { Stream = stream, RunId = Guid.NewGuid(), FetchedAt = at, Records = records };

    [Fact]
    public async Task New_changed_and_unchanged_keys_keep_versions_and_one_latest()
    {
        var stream = NewStream();
        var first = await _store.WriteBatchAsync(Batch(stream, T0, Record("a", """{"v":1}"""), Record("b", """{"v":1}""")), Cancel);
        var second = await _store.WriteBatchAsync(Batch(stream, T0.AddHours(1), Record("a", """{"v":2}"""), Record("b", """{"v":1}"""), Record("c", """{"v":1}""")), Cancel);

        Assert.Equal((2, 0, 0), (first.New, first.Changed, first.Unchanged));
        Assert.Equal((1, 1, 1), (second.New, second.Changed, second.Unchanged));
        Assert.Equal(["a", "c"], second.ChangedKeys);

        var history = await _store.GetHistoryAsync(stream, "a", Cancel).ToListAsync(Cancel);
        Assert.Equal([1, 2], history.Select(record => record.Version));
        Assert.Equal([false, true], history.Select(record => record.IsLatest));
        Assert.Equal(T0, history[0].FirstSeenAt);
        Assert.Equal(T0, history[1].FirstSeenAt);

        var b = await _store.GetLatestAsync(stream, "b", Cancel);
        Assert.Equal(1, b!.Version);
        Assert.Equal(T0, b.FetchedAt);
        Assert.Equal(T0.AddHours(1), b.LastVerifiedAt);
        Assert.Equal(3, await _store.CountLatestAsync(stream, Cancel));
        Assert.Equal(3L, await _db.ScalarAsync<long>($"SELECT count(*) FROM ingestion.raw_records WHERE stream = '{stream.Stream}' AND is_latest"));
    }

    [Fact]
    public async Task Verifying_a_batch_of_unchanged_keys_updates_each_key_row_once_and_writes_nothing_else()
    {
        // What the store promises for a re-sync of unchanged records: no new version, last_verified_at moved, still one latest
        // row per key, and one UPDATE of each key's narrow record_keys row (no row inserted or deleted, no payload row
        // touched), counted by PostgreSQL's own table statistics. Whether an update is HOT (no new index entry) depends on
        // free space on the page, which PostgreSQL does not promise; the PostgreSQL benchmark reports that share instead.
        // A schema of its own keeps every other test's writes out of these tables' counters, and a single pooled connection
        // makes the store's backend the one that flushes its counters on pg_stat_force_next_flush().
        await using var db = await PostgresTestContext.CreateAsync(
            await server.GetDatabaseAsync(nameof(PostgresRawStoreTests)) + ";Maximum Pool Size=1",
            configure: options => options.Schema = "verify_in_place");
        var store = new PostgresRawStore(db.Context);
        var stream = NewStream();
        var records = Enumerable.Range(0, 600).Select(index => Record($"key-{index:D4}", $$"""{"id":{{index}}}""")).ToArray();
        await store.WriteBatchAsync(Batch(stream, T0, records), Cancel);
        var backend = await db.ScalarAsync<int>("SELECT pg_backend_pid()");
        var before = await TableCountersAsync(db, "verify_in_place");

        var first = await store.WriteBatchAsync(Batch(stream, T0.AddHours(1), records), Cancel);
        var second = await store.WriteBatchAsync(Batch(stream, T0.AddHours(2), records), Cancel);

        var after = await TableCountersAsync(db, "verify_in_place");
        Assert.Equal(backend, await db.ScalarAsync<int>("SELECT pg_backend_pid()"));
        Assert.Equal((0, 0, 600), (first.New, first.Changed, first.Unchanged));
        Assert.Equal((0, 0, 600), (second.New, second.Changed, second.Unchanged));
        Assert.Equal((0L, 1200L, 0L), Delta(before["record_keys"], after["record_keys"]));
        Assert.Equal((0L, 0L, 0L), Delta(before["raw_records"], after["raw_records"]));
        Assert.Equal("600/600/1", await db.ScalarAsync<string>(
            $"SELECT count(*) || '/' || count(*) FILTER (WHERE is_latest) || '/' || max(version) FROM verify_in_place.raw_records WHERE stream = '{stream.Stream}'"));
        Assert.Equal(600L, await db.ScalarAsync<long>(
            $"SELECT count(*) FROM verify_in_place.record_keys WHERE stream = '{stream.Stream}' AND last_verified_at = '{T0.AddHours(2):O}' AND last_seen_at = last_verified_at AND latest_version = 1"));
        Assert.Equal(T0.AddHours(2), (await store.GetLatestAsync(stream, "key-0599", Cancel))!.LastVerifiedAt);
    }

    // Rows inserted, updated (HOT or not) and deleted per table of the schema, as PostgreSQL counts them, after flushing the
    // counters this connection's backend still holds.
    private static async Task<Dictionary<string, (long Inserted, long Updated, long Deleted)>> TableCountersAsync(PostgresTestContext db, string schema)
    {
        await db.ScalarAsync<object>("SELECT pg_stat_force_next_flush()");
        await using var command = db.DataSource.CreateCommand(
            $"SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables WHERE schemaname = '{schema}'");
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        var counters = new Dictionary<string, (long, long, long)>(StringComparer.Ordinal);
        while (await reader.ReadAsync(Cancel))
        {
            counters[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
        }

        return counters;
    }

    private static (long Inserted, long Updated, long Deleted) Delta((long Inserted, long Updated, long Deleted) before, (long Inserted, long Updated, long Deleted) after) =>
        (after.Inserted - before.Inserted, after.Updated - before.Updated, after.Deleted - before.Deleted);

    [Fact]
    public async Task Verifying_an_unchanged_record_does_not_touch_its_payload_row()
    {
        var stream = NewStream();
        await _store.WriteBatchAsync(Batch(stream, T0, Record("a", """{"big":"payload"}""")), Cancel);
        var rowVersion = await _db.ScalarAsync<string>($"SELECT ctid::text || '/' || xmin::text FROM ingestion.raw_records WHERE stream = '{stream.Stream}'");

        var result = await _store.WriteBatchAsync(Batch(stream, T0.AddDays(1), Record("a", """{"big":"payload"}""")), Cancel);

        Assert.Equal(1, result.Unchanged);
        Assert.Equal(rowVersion, await _db.ScalarAsync<string>($"SELECT ctid::text || '/' || xmin::text FROM ingestion.raw_records WHERE stream = '{stream.Stream}'"));
        Assert.Equal(T0.AddDays(1), (await _store.GetLatestAsync(stream, "a", Cancel))!.LastVerifiedAt);
    }

    [Fact]
    public async Task Invalid_json_null_characters_and_oversized_payloads_are_stored_raw_and_flagged()
    {
        var stream = NewStream();
        var invalid = Encoding.UTF8.GetBytes("""{"id": 1, "name": """);
        var nul = Encoding.UTF8.GetBytes("""{"id": 2, "name": "a\u0000b"}""");
        var surrogate = Encoding.UTF8.GetBytes("""{"id": 3, "name": "\ud800"}""");
        var oversized = Encoding.UTF8.GetBytes("{\"blob\":\"" + new string('x', 5000) + "\"}");
        var notUtf8 = new byte[] { (byte)'"', 0xC3, 0x28, (byte)'"' };

        var result = await _store.WriteBatchAsync(Batch(stream, T0,
            Bytes("invalid", invalid), Bytes("nul", nul), Bytes("surrogate", surrogate), Bytes("oversized", oversized),
            Bytes("not-utf8", notUtf8), Record("good", """{"id": 4, "escaped": "a\\u0000b is text"}""")), Cancel);

        Assert.Equal(6, result.New);
        Assert.Equal(
            [("invalid", IssueKind.InvalidJson), ("nul", IssueKind.NullCharacter), ("surrogate", IssueKind.InvalidJson),
             ("oversized", IssueKind.PayloadTooLarge), ("not-utf8", IssueKind.InvalidJson)],
            result.Issues.Select(issue => (issue.Key!, issue.Kind)));
        foreach (var (key, payload, kind) in new[]
                 {
                     ("invalid", invalid, IssueKind.InvalidJson), ("nul", nul, IssueKind.NullCharacter),
                     ("surrogate", surrogate, IssueKind.InvalidJson), ("oversized", oversized, IssueKind.PayloadTooLarge),
                     ("not-utf8", notUtf8, IssueKind.InvalidJson),
                 })
        {
            var stored = await _store.GetLatestAsync(stream, key, Cancel);
            Assert.False(stored!.IsJson);
            Assert.Equal(payload, stored.Payload.ToArray());
            Assert.Contains(stored.Issues, issue => issue.Kind == kind);
        }

        var good = await _store.GetLatestAsync(stream, "good", Cancel);
        Assert.True(good!.IsJson);
        Assert.Empty(good.Issues);
    }

    [Fact]
    public async Task A_failure_in_the_middle_of_a_batch_leaves_nothing_and_the_watermark_where_it_was()
    {
        var stream = NewStream();
        var before = new SyncState { Stream = stream, Watermark = "2025-01-01", UpdatedAt = T0 };
        await _store.WriteBatchAsync(new RawBatch { Stream = stream, RunId = Guid.NewGuid(), FetchedAt = T0, Records = [Record("kept", """{"v":1}""")], State = before }, Cancel);

        // A trigger makes the database refuse one record of the next batch, after the others were copied.
        await using (var trigger = _db.DataSource.CreateCommand(
            $"""
            CREATE FUNCTION ingestion.refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.key = 'boom' AND NEW.stream = '{stream.Stream}' THEN RAISE EXCEPTION 'refused %', NEW.key; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER refuse_boom BEFORE INSERT ON ingestion.raw_records FOR EACH ROW EXECUTE FUNCTION ingestion.refuse_boom();
            """))
        {
            await trigger.ExecuteNonQueryAsync(Cancel);
        }

        try
        {
            var failing = new RawBatch
            {
                Stream = stream,
                RunId = Guid.NewGuid(),
                FetchedAt = T0.AddHours(1),
                Records = [Record("kept", """{"v":2}"""), Record("new-1", "{}"), Record("boom", "{}"), Record("new-2", "{}")],
                State = new SyncState { Stream = stream, Watermark = "2025-02-01", Checkpoint = "page-9", UpdatedAt = T0.AddHours(1) },
            };

            await Assert.ThrowsAsync<PostgresException>(async () => await _store.WriteBatchAsync(failing, Cancel));
        }
        finally
        {
            await using var drop = _db.DataSource.CreateCommand("DROP TRIGGER refuse_boom ON ingestion.raw_records; DROP FUNCTION ingestion.refuse_boom()");
            await drop.ExecuteNonQueryAsync(Cancel);
        }

        var state = await new PostgresSyncStateStore(_db.Context).GetAsync(stream, Cancel);
        Assert.Equal("2025-01-01", state!.Watermark);
        Assert.Null(state.Checkpoint);
        var kept = await _store.GetHistoryAsync(stream, "kept", Cancel).ToListAsync(Cancel);
        Assert.Single(kept);
        Assert.True(kept[0].IsLatest);
        Assert.Null(await _store.GetLatestAsync(stream, "new-1", Cancel));
        Assert.Equal(1, await _store.CountLatestAsync(stream, Cancel));
    }

    [Fact]
    public async Task Soft_delete_marks_only_keys_missing_from_a_complete_snapshot_that_passed_the_guard()
    {
        var stream = NewStream();
        await _store.WriteBatchAsync(Batch(stream, T0, Record("a", "{}"), Record("b", "{}"), Record("c", "{}")), Cancel);

        // A snapshot that tripped the guard (only "a" came back) writes what it got but deletes nothing: the runner does not call MarkMissingDeletedAsync.
        await _store.WriteBatchAsync(Batch(stream, T0.AddDays(1), Record("a", "{}")), Cancel);
        Assert.Equal(3, await _store.CountLatestAsync(stream, Cancel));

        // A complete snapshot that passed the guard, with "c" missing.
        var snapshotStart = T0.AddDays(2);
        await _store.WriteBatchAsync(Batch(stream, snapshotStart, Record("a", "{}"), Record("b", """{"v":2}""")), Cancel);
        var deleted = await _store.MarkMissingDeletedAsync(stream, snapshotStart, snapshotStart.AddMinutes(5), Cancel);

        Assert.Equal(1, deleted);
        Assert.Equal(2, await _store.CountLatestAsync(stream, Cancel));
        Assert.Equal(snapshotStart.AddMinutes(5), (await _store.GetLatestAsync(stream, "c", Cancel))!.DeletedAt);
        Assert.Equal(["a", "b"], await _store.QueryLatestAsync(stream, null, Cancel).Select(record => record.Key).ToListAsync(Cancel));
        Assert.Equal(["a", "b", "c"], await _store.QueryLatestAsync(stream, new RawRecordQuery { IncludeDeleted = true }, Cancel).Select(record => record.Key).ToListAsync(Cancel));
        Assert.Equal(0, await _store.MarkMissingDeletedAsync(stream, snapshotStart, snapshotStart.AddMinutes(6), Cancel));

        // "c" comes back unchanged: it is no longer deleted.
        await _store.WriteBatchAsync(Batch(stream, T0.AddDays(3), Record("a", "{}"), Record("b", """{"v":2}"""), Record("c", "{}")), Cancel);
        Assert.Null((await _store.GetLatestAsync(stream, "c", Cancel))!.DeletedAt);
        Assert.Equal(3, await _store.CountLatestAsync(stream, Cancel));
    }

    [Fact]
    public async Task A_partial_record_never_hides_good_data_and_is_queued_for_retry()
    {
        var stream = NewStream();
        await _store.WriteBatchAsync(Batch(stream, T0, Record("a", """{"good":true}""")), Cancel);

        var result = await _store.WriteBatchAsync(Batch(stream, T0.AddHours(1), Bytes("a", [], partial: true), Bytes("b", [], partial: true)), Cancel);

        Assert.Equal(2, result.Partial);
        var a = await _store.GetLatestAsync(stream, "a", Cancel);
        Assert.Equal("""{"good": true}""", Encoding.UTF8.GetString(a!.Payload.Span));
        Assert.False(a.IsPartial);
        var history = await _store.GetHistoryAsync(stream, "a", Cancel).ToListAsync(Cancel);
        Assert.Equal([true, false], history.Select(record => record.IsLatest));
        Assert.True(history[1].IsPartial);
        Assert.Equal(503, history[1].HttpStatusCode);
        var b = await _store.GetLatestAsync(stream, "b", Cancel);
        Assert.True(b!.IsPartial);
        Assert.Equal(1, await _store.CountLatestAsync(stream, Cancel));

        var due = await _store.GetRecordsNeedingRetryAsync(T0.AddHours(2), 10, Cancel);
        Assert.Equal(["a", "b"], due.Where(candidate => candidate.Stream == stream).Select(candidate => candidate.Key).Order(StringComparer.Ordinal));

        await _store.RecordRetryAttemptAsync(new RetryAttempt { Stream = stream, Key = "b", Attempt = 1, AttemptedAt = T0.AddHours(2), Succeeded = false, HttpStatusCode = 503, ErrorMessage = "still down", NextRetryAt = T0.AddHours(3) }, Cancel);
        await _store.RecordRetryAttemptAsync(new RetryAttempt { Stream = stream, Key = "a", Attempt = 1, AttemptedAt = T0.AddHours(2), Succeeded = true }, Cancel);

        var later = await _store.GetRecordsNeedingRetryAsync(T0.AddHours(2.5), 10, Cancel);
        Assert.DoesNotContain(later, candidate => candidate.Stream == stream);
        var atThree = await _store.GetRecordsNeedingRetryAsync(T0.AddHours(3), 10, Cancel);
        var retry = Assert.Single(atThree, candidate => candidate.Stream == stream);
        Assert.Equal(("b", 1, "still down"), (retry.Key, retry.RetryCount, retry.ErrorMessage));
        var log = await _store.GetRetryLogAsync(stream, "b", Cancel);
        Assert.Equal(T0.AddHours(3), Assert.Single(log).NextRetryAt);
    }

    [Fact]
    public async Task Queries_filter_by_field_and_read_changes_since_a_point()
    {
        var stream = NewStream();
        await _store.WriteBatchAsync(Batch(stream, T0, Record("1", """{"status":"active"}"""), Record("2", """{"status":"gone"}""")), Cancel);
        await _store.WriteBatchAsync(Batch(stream, T0.AddHours(1), Record("3", """{"status":"active"}"""), Record("2", """{"status":"gone"}""")), Cancel);

        var active = await _store.QueryLatestAsync(stream, new RawRecordQuery { FieldName = "status", FieldValue = "active" }, Cancel).Select(record => record.Key).ToListAsync(Cancel);
        var changed = await _store.GetChangedSinceAsync(stream, T0, Cancel).Select(record => record.Key).ToListAsync(Cancel);

        Assert.Equal(["1", "3"], active);
        Assert.Equal(["3"], changed);
    }
}
