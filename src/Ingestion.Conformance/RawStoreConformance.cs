using System.Text;

namespace Ingestion.Conformance;

/// <summary>The rules of <see cref="IRawStore"/>: versions, dedup by hash, partial records, retries, soft delete, reads, and batch atomicity.</summary>
public abstract partial class RawStoreConformance : StoreConformance
{
    private static readonly StreamId Items = new("vendor", "items");
    private static readonly StreamId Other = new("vendor", "other");

    private IRawStore Raw => Stores.Raw;

    [Fact]
    public async Task A_batch_counts_new_changed_and_unchanged_keys_and_lists_the_changed_keys_in_batch_order()
    {
        var first = await Raw.WriteBatchAsync(Batch(Items, T0, Record("a", """{"v":1}"""), Record("b", """{"v":1}"""), Record("c", """{"v":1}""")), Cancel);
        Assert.Equal((3, 0, 0, 0), (first.New, first.Changed, first.Unchanged, first.Partial));
        Assert.Equal(["a", "b", "c"], first.ChangedKeys);

        var second = await Raw.WriteBatchAsync(
            Batch(Items, T0.AddHours(1), Record("d", """{"v":1}"""), Record("a", """{"v":1}"""), Record("c", """{"v":2}""")), Cancel);
        Assert.Equal((1, 1, 1, 0), (second.New, second.Changed, second.Unchanged, second.Partial));
        Assert.Equal(["d", "c"], second.ChangedKeys);
        Assert.Empty(second.Issues);

        var third = await Raw.WriteBatchAsync(Batch(Items, T0.AddHours(2), Record("a", """{"v":1}"""), Record("c", """{"v":2}""")), Cancel);
        Assert.Equal((0, 0, 2), (third.New, third.Changed, third.Unchanged));
        Assert.Empty(third.ChangedKeys);
    }

    [Fact]
    public async Task Switching_the_hash_algorithm_writes_no_new_version_of_unchanged_content()
    {
        // Stored with SHA-256 (as every store was before XxHash128), re-synced with XxHash128, then again.
        var sha = new ContentHasher(ContentHashAlgorithm.Sha256, ["seenAt"]);
        var xx = new ContentHasher(ContentHashAlgorithm.XxHash128, ["seenAt"]);
        RawBatch Hashed(ContentHasher hasher, DateTimeOffset at, params (string Key, string Json)[] records) => new()
        {
            Stream = Items,
            RunId = Guid.NewGuid(),
            FetchedAt = at,
            Hasher = hasher,
            Records = [.. records.Select(record => new RawRecordWrite
            {
                Key = record.Key,
                Payload = Encoding.UTF8.GetBytes(record.Json),
                Hash = hasher.Compute(Encoding.UTF8.GetBytes(record.Json)),
            })],
        };

        var first = await Raw.WriteBatchAsync(Hashed(sha, T0, ("a", """{"v":1,"w":2,"seenAt":1}"""), ("b", """{"v":1}"""), ("c", """{"v":1}""")), Cancel);
        var switched = await Raw.WriteBatchAsync(Hashed(xx, T0.AddHours(1), ("a", """{ "w":2, "v":1, "seenAt":2 }"""), ("b", """{"v":1}"""), ("c", """{"v":2}""")), Cancel);
        var again = await Raw.WriteBatchAsync(Hashed(xx, T0.AddHours(2), ("a", """{"v":1,"w":2}"""), ("b", """{"v":1}"""), ("c", """{"v":2}""")), Cancel);

        Assert.Equal((3, 0, 0), (first.New, first.Changed, first.Unchanged));
        Assert.Equal((0, 1, 2), (switched.New, switched.Changed, switched.Unchanged));
        Assert.Equal(["c"], switched.ChangedKeys);
        Assert.Equal((0, 0, 3), (again.New, again.Changed, again.Unchanged));
        var a = Assert.Single(await ToListAsync(Raw.GetHistoryAsync(Items, "a", Cancel)));
        Assert.Equal((1, T0.AddHours(2)), (a.Version, a.LastVerifiedAt));
        Assert.Equal(ContentHashAlgorithm.Sha256, a.Hash.Algorithm); // the version keeps the hash it was written with
        var c = await ToListAsync(Raw.GetHistoryAsync(Items, "c", Cancel));
        Assert.Equal([ContentHashAlgorithm.Sha256, ContentHashAlgorithm.XxHash128], c.Select(record => record.Hash.Algorithm));
        Assert.Equal(xx.Compute("""{"v":2}"""u8), c[1].Hash);
    }

    [Fact]
    public async Task Every_version_is_kept_and_exactly_one_is_latest()
    {
        await Raw.WriteBatchAsync(Batch(Items, T0, Record("a", """{"v":1}""")), Cancel);
        await Raw.WriteBatchAsync(Batch(Items, T0.AddHours(1), Record("a", """{"v":2}""")), Cancel);
        await Raw.WriteBatchAsync(Batch(Items, T0.AddHours(2), Record("a", """{"v":3}""")), Cancel);

        var history = await ToListAsync(Raw.GetHistoryAsync(Items, "a", Cancel));
        Assert.Equal([1, 2, 3], history.Select(record => record.Version));
        Assert.Equal([false, false, true], history.Select(record => record.IsLatest));
        Assert.Equal([T0, T0.AddHours(1), T0.AddHours(2)], history.Select(record => record.FetchedAt));
        Assert.All(history, record => Assert.Equal(T0, record.FirstSeenAt));
        for (var index = 0; index < history.Count; index++)
        {
            AssertJson($$"""{"v":{{index + 1}}}""", history[index].Payload);
            Assert.Equal(Hash($$"""{"v":{{index + 1}}}"""), history[index].Hash);
        }

        var latest = await Raw.GetLatestAsync(Items, "a", Cancel);
        Assert.NotNull(latest);
        Assert.Equal((3, true, true), (latest.Version, latest.IsLatest, latest.IsJson));
        AssertJson("""{"v":3}""", latest.Payload);
        Assert.Null(await Raw.GetLatestAsync(Items, "missing", Cancel));
        Assert.Empty(await ToListAsync(Raw.GetHistoryAsync(Items, "missing", Cancel)));
    }

    [Fact]
    public async Task An_unchanged_record_keeps_its_version_and_only_moves_its_verification_time()
    {
        var runId = Guid.NewGuid();
        await Raw.WriteBatchAsync(new RawBatch { Stream = Items, RunId = runId, FetchedAt = T0, Records = [Record("a", """{"v":1}""")] }, Cancel);
        var result = await Raw.WriteBatchAsync(Batch(Items, T0.AddHours(1), Record("a", """{"v":1}""")), Cancel);

        Assert.Equal(1, result.Unchanged);
        var history = await ToListAsync(Raw.GetHistoryAsync(Items, "a", Cancel));
        var only = Assert.Single(history);
        Assert.Equal((1, T0, T0.AddHours(1), runId), (only.Version, only.FetchedAt, only.LastVerifiedAt, only.RunId));
    }

    [Fact]
    public async Task A_superseded_version_keeps_the_last_time_it_was_verified()
    {
        await Raw.WriteBatchAsync(Batch(Items, T0, Record("a", """{"v":1}""")), Cancel);
        await Raw.WriteBatchAsync(Batch(Items, T0.AddHours(1), Record("a", """{"v":1}""")), Cancel);
        await Raw.WriteBatchAsync(Batch(Items, T0.AddHours(2), Record("a", """{"v":2}""")), Cancel);

        var history = await ToListAsync(Raw.GetHistoryAsync(Items, "a", Cancel));
        Assert.Equal([T0.AddHours(1), T0.AddHours(2)], history.Select(record => record.LastVerifiedAt));
    }

    [Fact]
    public async Task The_same_key_in_two_streams_is_two_records()
    {
        await Raw.WriteBatchAsync(Batch(Items, T0, Record("a", """{"v":1}""")), Cancel);
        var other = await Raw.WriteBatchAsync(Batch(Other, T0, Record("a", """{"v":1}""")), Cancel);

        Assert.Equal(1, other.New);
        Assert.Equal(1L, await Raw.CountLatestAsync(Items, Cancel));
        Assert.Equal(1L, await Raw.CountLatestAsync(Other, Cancel));
    }

    [Fact]
    public async Task A_key_may_appear_only_once_per_batch()
    {
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await Raw.WriteBatchAsync(Batch(Items, T0, Record("a", """{"v":1}"""), Record("a", """{"v":2}""")), Cancel));
        Assert.Null(await Raw.GetLatestAsync(Items, "a", Cancel));
    }

    [Fact]
    public async Task A_partial_record_never_hides_good_data_and_flags_the_key_for_retry()
    {
        await Raw.WriteBatchAsync(Batch(Items, T0, Record("a", """{"v":1}""")), Cancel);
        var result = await Raw.WriteBatchAsync(Batch(Items, T0.AddHours(1), Partial("a", 503)), Cancel);

        Assert.Equal((0, 0, 0, 1), (result.New, result.Changed, result.Unchanged, result.Partial));
        Assert.Empty(result.ChangedKeys);
        var latest = await Raw.GetLatestAsync(Items, "a", Cancel);
        Assert.NotNull(latest);
        Assert.Equal((1, false), (latest.Version, latest.IsPartial));
        AssertJson("""{"v":1}""", latest.Payload);

        var history = await ToListAsync(Raw.GetHistoryAsync(Items, "a", Cancel));
        Assert.Equal(2, history.Count);
        var kept = history[1];
        Assert.Equal((2, false, true), (kept.Version, kept.IsLatest, kept.IsPartial));
        Assert.Equal((503, "HTTP 503 fetching a"), (kept.HttpStatusCode, kept.ErrorMessage));
        Assert.Equal(T0.AddHours(1), kept.LastVerifiedAt);
        Assert.Contains(kept.Issues, issue => issue.Kind == IssueKind.Transient && issue.HttpStatusCode == 503);
        Assert.Equal(1L, await Raw.CountLatestAsync(Items, Cancel));

        var candidate = Assert.Single(await Stores.RetryLog.GetRecordsNeedingRetryAsync(T0.AddHours(1), 10, Cancel));
        Assert.Equal((Items, "a", 0, 503), (candidate.Stream, candidate.Key, candidate.RetryCount, candidate.HttpStatusCode));
        Assert.Equal("""{"path":"/items/a"}""", candidate.RetryRequest);
        Assert.Equal("HTTP 503 fetching a", candidate.ErrorMessage);
    }

    [Fact]
    public async Task A_partial_first_sighting_is_latest_until_a_complete_record_replaces_it()
    {
        var first = await Raw.WriteBatchAsync(Batch(Items, T0, Partial("a", 500)), Cancel);
        Assert.Equal((0, 0, 1), (first.New + first.Changed, first.Unchanged, first.Partial));

        var latest = await Raw.GetLatestAsync(Items, "a", Cancel);
        Assert.NotNull(latest);
        Assert.Equal((1, true, true), (latest.Version, latest.IsLatest, latest.IsPartial));
        Assert.Equal(0L, await Raw.CountLatestAsync(Items, Cancel));
        Assert.Single(await Stores.RetryLog.GetRecordsNeedingRetryAsync(T0, 10, Cancel));

        var second = await Raw.WriteBatchAsync(Batch(Items, T0.AddHours(1), Record("a", """{"v":1}""")), Cancel);
        Assert.Equal(1, second.New + second.Changed);
        Assert.Equal(["a"], second.ChangedKeys);
        latest = await Raw.GetLatestAsync(Items, "a", Cancel);
        Assert.NotNull(latest);
        Assert.Equal((2, false), (latest.Version, latest.IsPartial));
        Assert.Equal(1L, await Raw.CountLatestAsync(Items, Cancel));
        Assert.Empty(await Stores.RetryLog.GetRecordsNeedingRetryAsync(T0.AddDays(1), 10, Cancel));
    }

    [Fact]
    public async Task A_later_unchanged_complete_record_clears_a_pending_retry()
    {
        await Raw.WriteBatchAsync(Batch(Items, T0, Record("a", """{"v":1}""")), Cancel);
        await Raw.WriteBatchAsync(Batch(Items, T0.AddHours(1), Partial("a")), Cancel);
        Assert.Single(await Stores.RetryLog.GetRecordsNeedingRetryAsync(T0.AddHours(1), 10, Cancel));

        var result = await Raw.WriteBatchAsync(Batch(Items, T0.AddHours(2), Record("a", """{"v":1}""")), Cancel);

        Assert.Equal(1, result.Unchanged);
        Assert.Empty(await Stores.RetryLog.GetRecordsNeedingRetryAsync(T0.AddDays(1), 10, Cancel));
    }

    [Fact]
    public async Task Retry_candidates_follow_the_backoff_of_the_retry_log_until_success()
    {
        await Raw.WriteBatchAsync(Batch(Items, T0, Partial("a", 503), Partial("forbidden", 403, retryable: false)), Cancel);
        var due = await Stores.RetryLog.GetRecordsNeedingRetryAsync(T0, 10, Cancel);
        Assert.Equal(["a"], due.Select(candidate => candidate.Key));

        await Stores.RetryLog.RecordRetryAttemptAsync(new RetryAttempt
        {
            Stream = Items, Key = "a", Attempt = 1, AttemptedAt = T0.AddMinutes(1), Succeeded = false,
            HttpStatusCode = 502, ErrorMessage = "HTTP 502", NextRetryAt = T0.AddMinutes(10),
        }, Cancel);
        Assert.Empty(await Stores.RetryLog.GetRecordsNeedingRetryAsync(T0.AddMinutes(9), 10, Cancel));
        var again = Assert.Single(await Stores.RetryLog.GetRecordsNeedingRetryAsync(T0.AddMinutes(10), 10, Cancel));
        Assert.Equal((1, T0.AddMinutes(1), 502, "HTTP 502"), (again.RetryCount, again.LastRetryAt, again.HttpStatusCode, again.ErrorMessage));

        await Stores.RetryLog.RecordRetryAttemptAsync(new RetryAttempt
        {
            Stream = Items, Key = "a", Attempt = 2, AttemptedAt = T0.AddMinutes(11), Succeeded = true,
        }, Cancel);
        Assert.Empty(await Stores.RetryLog.GetRecordsNeedingRetryAsync(T0.AddDays(30), 10, Cancel));

        var log = await Stores.RetryLog.GetRetryLogAsync(Items, "a", Cancel);
        Assert.Equal([1, 2], log.Select(attempt => attempt.Attempt));
        Assert.Equal([false, true], log.Select(attempt => attempt.Succeeded));
        Assert.Equal((502, "HTTP 502", T0.AddMinutes(10)), (log[0].HttpStatusCode, log[0].ErrorMessage, log[0].NextRetryAt));
        Assert.Equal(T0.AddMinutes(11), log[1].AttemptedAt);
        Assert.Empty(await Stores.RetryLog.GetRetryLogAsync(Items, "forbidden", Cancel));
    }

    [Fact]
    public async Task A_key_given_up_on_is_no_longer_a_retry_candidate()
    {
        await Raw.WriteBatchAsync(Batch(Items, T0, Partial("a")), Cancel);
        await Stores.RetryLog.RecordRetryAttemptAsync(new RetryAttempt
        {
            Stream = Items, Key = "a", Attempt = 1, AttemptedAt = T0.AddMinutes(1), Succeeded = false, ErrorMessage = "HTTP 503", GaveUp = true,
        }, Cancel);

        Assert.Empty(await Stores.RetryLog.GetRecordsNeedingRetryAsync(T0.AddDays(30), 10, Cancel));
        Assert.True(Assert.Single(await Stores.RetryLog.GetRetryLogAsync(Items, "a", Cancel)).GaveUp);
    }

    [Fact]
    public async Task Retry_candidates_come_oldest_due_first_up_to_the_limit()
    {
        await Raw.WriteBatchAsync(Batch(Items, T0.AddMinutes(2), Partial("late")), Cancel);
        await Raw.WriteBatchAsync(Batch(Other, T0, Partial("early")), Cancel);
        await Raw.WriteBatchAsync(Batch(Items, T0.AddMinutes(1), Partial("middle")), Cancel);

        var all = await Stores.RetryLog.GetRecordsNeedingRetryAsync(T0.AddHours(1), 10, Cancel);
        Assert.Equal(["early", "middle", "late"], all.Select(candidate => candidate.Key));
        Assert.Equal(Other, all[0].Stream);
        var two = await Stores.RetryLog.GetRecordsNeedingRetryAsync(T0.AddHours(1), 2, Cancel);
        Assert.Equal(["early", "middle"], two.Select(candidate => candidate.Key));
        Assert.Equal(["early"], (await Stores.RetryLog.GetRecordsNeedingRetryAsync(T0.AddSeconds(30), 10, Cancel)).Select(candidate => candidate.Key));
    }

    [Fact]
    public async Task Keys_missing_from_a_complete_snapshot_are_soft_deleted_and_come_back_when_seen_again()
    {
        await Raw.WriteBatchAsync(Batch(Items, T0, Record("a", """{"v":1}"""), Record("b", """{"v":1}"""), Record("c", """{"v":1}""")), Cancel);
        await Raw.WriteBatchAsync(Batch(Other, T0, Record("x", """{"v":1}""")), Cancel);
        var snapshotStart = T0.AddDays(1);
        await Raw.WriteBatchAsync(Batch(Items, snapshotStart, Record("a", """{"v":1}"""), Record("b", """{"v":2}""")), Cancel);

        var deletedAt = snapshotStart.AddMinutes(5);
        Assert.Equal(1, await Raw.MarkMissingDeletedAsync(Items, snapshotStart, deletedAt, Cancel));
        Assert.Equal(0, await Raw.MarkMissingDeletedAsync(Items, snapshotStart, deletedAt.AddMinutes(1), Cancel));

        var deleted = await Raw.GetLatestAsync(Items, "c", Cancel);
        Assert.NotNull(deleted);
        Assert.Equal(deletedAt, deleted.DeletedAt);
        Assert.Null((await Raw.GetLatestAsync(Items, "a", Cancel))!.DeletedAt);
        Assert.Null((await Raw.GetLatestAsync(Other, "x", Cancel))!.DeletedAt);
        Assert.Equal(2L, await Raw.CountLatestAsync(Items, Cancel));
        Assert.Equal(["a", "b"], (await ToListAsync(Raw.QueryLatestAsync(Items, null, Cancel))).Select(record => record.Key));
        Assert.Equal(["a", "b", "c"], (await ToListAsync(Raw.QueryLatestAsync(Items, new RawRecordQuery { IncludeDeleted = true }, Cancel))).Select(record => record.Key));

        var back = await Raw.WriteBatchAsync(Batch(Items, T0.AddDays(2), Record("c", """{"v":1}""")), Cancel);
        Assert.Equal(1, back.Unchanged);
        Assert.Null((await Raw.GetLatestAsync(Items, "c", Cancel))!.DeletedAt);
        Assert.Equal(3L, await Raw.CountLatestAsync(Items, Cancel));
    }

    [Fact]
    public async Task Changed_since_reads_the_latest_versions_written_after_a_point_oldest_first()
    {
        await Raw.WriteBatchAsync(Batch(Items, T0, Record("a", """{"v":1}"""), Record("b", """{"v":1}"""), Record("z", """{"v":1}""")), Cancel);
        await Raw.WriteBatchAsync(Batch(Items, T0.AddHours(1), Record("z", """{"v":2}"""), Record("b", """{"v":1}"""), Record("c", """{"v":1}""")), Cancel);
        await Raw.WriteBatchAsync(Batch(Items, T0.AddHours(2), Record("a", """{"v":2}""")), Cancel);

        var changed = await ToListAsync(Raw.GetChangedSinceAsync(Items, T0, Cancel));
        Assert.Equal(["c", "z", "a"], changed.Select(record => record.Key));
        Assert.All(changed, record => Assert.True(record.IsLatest));
        Assert.Equal([1, 2, 2], changed.Select(record => record.Version));
        Assert.Equal(["a"], (await ToListAsync(Raw.GetChangedSinceAsync(Items, T0.AddHours(1), Cancel))).Select(record => record.Key));
        Assert.Empty(await ToListAsync(Raw.GetChangedSinceAsync(Items, T0.AddHours(2), Cancel)));
        Assert.Empty(await ToListAsync(Raw.GetChangedSinceAsync(Other, T0.AddYears(-1), Cancel)));
    }

    [Fact]
    public async Task Latest_records_are_read_in_key_order_and_filtered_by_a_top_level_field()
    {
        await Raw.WriteBatchAsync(Batch(Items, T0,
            Record("b", """{"status":"active","n":5}"""),
            Record("a", """{"status":"inactive","n":6}"""),
            Record("d", """{"status":null}"""),
            Record("c", """{"status":"active"}""")), Cancel);

        Assert.Equal(["a", "b", "c", "d"], (await ToListAsync(Raw.QueryLatestAsync(Items, null, Cancel))).Select(record => record.Key));
        var active = await ToListAsync(Raw.QueryLatestAsync(Items, new RawRecordQuery { FieldName = "status", FieldValue = "active" }, Cancel));
        Assert.Equal(["b", "c"], active.Select(record => record.Key));
        var five = await ToListAsync(Raw.QueryLatestAsync(Items, new RawRecordQuery { FieldName = "n", FieldValue = "5" }, Cancel));
        Assert.Equal(["b"], five.Select(record => record.Key));
        var nulls = await ToListAsync(Raw.QueryLatestAsync(Items, new RawRecordQuery { FieldName = "status", FieldValue = null }, Cancel));
        Assert.Equal(["d"], nulls.Select(record => record.Key));
    }

    [Fact]
    public async Task Latest_records_are_filtered_by_further_fields_each_matching_any_of_its_values()
    {
        await Raw.WriteBatchAsync(Batch(Items, T0,
            Record("e1", """{"personId":"p1","day":"2025-03-01","n":1}"""),
            Record("e2", """{"personId":"p1","day":"2025-03-02","n":2}"""),
            Record("e3", """{"personId":"p1","day":"2025-03-04","n":3}"""),
            Record("e4", """{"personId":"p2","day":"2025-03-02","n":4}"""),
            Record("e5", """{"personId":"p1","day":null}"""),
            Record("e6", """{"personId":"p1"}"""),
            Record("e7", """[1,2]""")), Cancel);
        await Raw.WriteBatchAsync(Batch(Items, T0.AddHours(1), Record("e2", """{"personId":"p1","day":"2025-03-03","n":2}""")), Cancel);
        await Raw.WriteBatchAsync(Batch(Items, T0.AddHours(2), Record("e1", """{"personId":"p1","day":"2025-03-01","n":1}""")), Cancel);
        await Raw.MarkMissingDeletedAsync(Items, T0.AddHours(2), T0.AddHours(3), Cancel);

        RawRecordQuery Days(bool includeDeleted, params string[] days) => new()
        {
            FieldName = "personId",
            FieldValue = "p1",
            AlsoMatching = [new RawFieldMatch { FieldName = "day", Values = days }],
            IncludeDeleted = includeDeleted,
        };

        // e2 moved from the 2nd to the 3rd: only its latest version counts. Everything but e1 went missing from the snapshot.
        Assert.Equal(["e1", "e2"], (await ToListAsync(Raw.QueryLatestAsync(Items, Days(true, "2025-03-01", "2025-03-02", "2025-03-03"), Cancel))).Select(r => r.Key));
        Assert.Equal(["e1"], (await ToListAsync(Raw.QueryLatestAsync(Items, Days(false, "2025-03-01", "2025-03-02", "2025-03-03"), Cancel))).Select(r => r.Key));
        Assert.Empty(await ToListAsync(Raw.QueryLatestAsync(Items, Days(true, "2025-03-02"), Cancel)));
        Assert.Empty(await ToListAsync(Raw.QueryLatestAsync(Items, Days(true), Cancel)));

        // Without FieldName, and with two conditions (a number compared by its JSON text).
        var byDay = new RawRecordQuery { IncludeDeleted = true, AlsoMatching = [new RawFieldMatch { FieldName = "day", Values = ["2025-03-02", "2025-03-04"] }] };
        Assert.Equal(["e3", "e4"], (await ToListAsync(Raw.QueryLatestAsync(Items, byDay, Cancel))).Select(r => r.Key));
        var both = new RawRecordQuery
        {
            IncludeDeleted = true,
            AlsoMatching = [new RawFieldMatch { FieldName = "day", Values = ["2025-03-02", "2025-03-04"] }, new RawFieldMatch { FieldName = "n", Values = ["4"] }],
        };
        Assert.Equal(["e4"], (await ToListAsync(Raw.QueryLatestAsync(Items, both, Cancel))).Select(r => r.Key));
    }

    [Fact]
    public async Task The_sync_state_commits_with_its_batch()
    {
        var state = new SyncState { Stream = Items, Watermark = "2025-03-01T08:00:00Z", Checkpoint = """{"page":3}""", UpdatedAt = T0 };
        await Raw.WriteBatchAsync(new RawBatch { Stream = Items, RunId = Guid.NewGuid(), FetchedAt = T0, Records = [Record("a", """{"v":1}""")], State = state }, Cancel);

        var saved = await Stores.SyncState.GetAsync(Items, Cancel);
        Assert.Equal(state, saved);

        // A batch without state leaves the state as it was.
        await Raw.WriteBatchAsync(Batch(Items, T0.AddHours(1), Record("b", """{"v":1}""")), Cancel);
        Assert.Equal(state, await Stores.SyncState.GetAsync(Items, Cancel));
    }

    [Fact]
    public async Task A_cancelled_batch_commits_neither_records_nor_state()
    {
        var before = new SyncState { Stream = Items, Watermark = "w1", UpdatedAt = T0 };
        await Stores.SyncState.SaveAsync(before, Cancel);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var batch = new RawBatch
        {
            Stream = Items, RunId = Guid.NewGuid(), FetchedAt = T0, Records = [Record("a", """{"v":1}""")],
            State = before with { Watermark = "w2", UpdatedAt = T0.AddHours(1) },
        };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Raw.WriteBatchAsync(batch, cancelled.Token));

        Assert.Null(await Raw.GetLatestAsync(Items, "a", Cancel));
        Assert.Equal(before, await Stores.SyncState.GetAsync(Items, Cancel));
    }

    [Fact]
    public async Task A_batch_adds_its_counts_to_its_run()
    {
        var runId = Guid.NewGuid();
        await Stores.RunLog.SaveAsync(new SyncReport { RunId = runId, Stream = Items, Status = RunStatus.Running, StartedAt = T0 }, Cancel);
        await Raw.WriteBatchAsync(new RawBatch { Stream = Items, RunId = runId, FetchedAt = T0, Records = [Record("a", """{"v":1}"""), Record("b", """{"v":1}""")] }, Cancel);
        await Raw.WriteBatchAsync(new RawBatch { Stream = Items, RunId = runId, FetchedAt = T0, Records = [Record("a", """{"v":1}"""), Record("b", """{"v":2}"""), Partial("c")] }, Cancel);

        var run = await Stores.RunLog.GetAsync(runId, Cancel);
        Assert.NotNull(run);
        Assert.Equal((2L, 1L, 1L, 1L), (run.RecordsNew, run.RecordsChanged, run.RecordsUnchanged, run.RecordsPartial));
    }

    [Fact]
    public async Task Payloads_that_are_not_storable_as_json_are_stored_raw_and_flagged_without_failing_the_batch()
    {
        const string notJson = "{\"name\": \"broken";
        const string nul = """{"name":"a\u0000b"}""";
        var result = await Raw.WriteBatchAsync(Batch(Items, T0, Record("good", """{"v":1}"""), Record("broken", notJson), Record("nul", nul)), Cancel);

        Assert.Equal(3, result.New);
        Assert.Equal(
            [(IssueKind.InvalidJson, "broken"), (IssueKind.NullCharacter, "nul")],
            result.Issues.Select(issue => (issue.Kind, issue.Key)).OrderBy(pair => pair.Key, StringComparer.Ordinal).ToList());

        var good = await Raw.GetLatestAsync(Items, "good", Cancel);
        Assert.True(good!.IsJson);
        var broken = await Raw.GetLatestAsync(Items, "broken", Cancel);
        Assert.NotNull(broken);
        Assert.False(broken.IsJson);
        Assert.Equal(notJson, Encoding.UTF8.GetString(broken.Payload.Span));
        Assert.Contains(broken.Issues, issue => issue.Kind == IssueKind.InvalidJson);
        var stored = await Raw.GetLatestAsync(Items, "nul", Cancel);
        Assert.NotNull(stored);
        Assert.False(stored.IsJson);
        Assert.Equal(nul, Encoding.UTF8.GetString(stored.Payload.Span));
        Assert.Contains(stored.Issues, issue => issue.Kind == IssueKind.NullCharacter);
        Assert.Equal(3L, await Raw.CountLatestAsync(Items, Cancel));
    }
}
