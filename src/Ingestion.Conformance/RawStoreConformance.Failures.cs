namespace Ingestion.Conformance;

/// <summary>Failures that repeat, and partial records a complete run resolves.</summary>
public abstract partial class RawStoreConformance
{
    [Fact]
    public async Task The_same_failure_again_verifies_the_partial_record_instead_of_adding_a_version()
    {
        for (var run = 0; run < 4; run++)
        {
            var result = await Raw.WriteBatchAsync(Batch(Items, T0.AddHours(run), Partial("page:/items?page=1", 401, retryable: false)), Cancel);
            Assert.Equal((0, 0, 0, 1), (result.New, result.Changed, result.Unchanged, result.Partial));
        }

        var history = await ToListAsync(Raw.GetHistoryAsync(Items, "page:/items?page=1", Cancel));
        var only = Assert.Single(history);
        Assert.True(only.IsPartial);
        Assert.Equal(T0.AddHours(3), only.LastVerifiedAt);

        // Another failure is news: it gets its own version.
        await Raw.WriteBatchAsync(Batch(Items, T0.AddHours(4), Partial("page:/items?page=1", 403, retryable: false)), Cancel);
        Assert.Equal(2, (await ToListAsync(Raw.GetHistoryAsync(Items, "page:/items?page=1", Cancel))).Count);
    }

    [Fact]
    public async Task The_same_failure_behind_good_data_is_kept_once()
    {
        await Raw.WriteBatchAsync(Batch(Items, T0, Record("a", """{"v":1}""")), Cancel);
        await Raw.WriteBatchAsync(Batch(Items, T0.AddHours(1), Partial("a", 503)), Cancel);
        var again = await Raw.WriteBatchAsync(Batch(Items, T0.AddHours(2), Partial("a", 503)), Cancel);

        Assert.Equal(1, again.Partial);
        var history = await ToListAsync(Raw.GetHistoryAsync(Items, "a", Cancel));
        Assert.Equal([(1, false), (2, true)], history.Select(version => (version.Version, version.IsPartial)));
        var latest = await Raw.GetLatestAsync(Items, "a", Cancel);
        Assert.Equal((1, false), (latest!.Version, latest.IsPartial));
        Assert.Single(await Stores.RetryLog.GetRecordsNeedingRetryAsync(T0.AddHours(2), 10, Cancel));
    }

    [Fact]
    public async Task A_repeated_failure_keeps_the_retry_schedule_it_already_has()
    {
        await Raw.WriteBatchAsync(Batch(Items, T0, Partial("a", 503)), Cancel);
        await Stores.RetryLog.RecordRetryAttemptAsync(new RetryAttempt
        {
            Stream = Items, Key = "a", Attempt = 1, AttemptedAt = T0.AddMinutes(1), Succeeded = false,
            HttpStatusCode = 503, ErrorMessage = "HTTP 503 fetching a", NextRetryAt = T0.AddMinutes(30),
        }, Cancel);

        await Raw.WriteBatchAsync(Batch(Items, T0.AddMinutes(5), Partial("a", 503)), Cancel);

        Assert.Single(await ToListAsync(Raw.GetHistoryAsync(Items, "a", Cancel)));
        Assert.Empty(await Stores.RetryLog.GetRecordsNeedingRetryAsync(T0.AddMinutes(29), 10, Cancel));
        var due = Assert.Single(await Stores.RetryLog.GetRecordsNeedingRetryAsync(T0.AddMinutes(30), 10, Cancel));
        Assert.Equal(1, due.RetryCount);
    }

    [Fact]
    public async Task Partial_records_a_complete_run_no_longer_meets_are_resolved_not_deleted()
    {
        await Raw.WriteBatchAsync(Batch(Items, T0, Record("a", """{"v":1}"""), Partial("page:/items?page=2", 503)), Cancel);

        // The next complete run fetched page 2 whole: its records arrived under their own keys, and the page key was not met.
        var seenSince = T0.AddHours(1);
        await Raw.WriteBatchAsync(Batch(Items, seenSince, Record("a", """{"v":1}"""), Record("b", """{"v":2}""")), Cancel);
        var resolved = await Raw.ResolveMissingPartialsAsync(Items, seenSince, seenSince.AddMinutes(1), Cancel);
        var deleted = await Raw.MarkMissingDeletedAsync(Items, seenSince, seenSince.AddMinutes(1), Cancel);

        Assert.Equal(["page:/items?page=2"], resolved);
        Assert.Equal(0, deleted);
        Assert.Empty(await Stores.RetryLog.GetRecordsNeedingRetryAsync(T0.AddDays(1), 10, Cancel));
        Assert.Equal(2L, await Raw.CountLatestAsync(Items, Cancel));
        Assert.Equal(["a", "b"], (await ToListAsync(Raw.QueryLatestAsync(Items, null, Cancel))).Select(record => record.Key));

        // Resolved once: a later complete run neither resolves nor deletes it again.
        Assert.Empty(await Raw.ResolveMissingPartialsAsync(Items, seenSince.AddHours(1), seenSince.AddHours(1), Cancel));
    }
}
