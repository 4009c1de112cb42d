namespace Ingestion.Conformance;

/// <summary>
/// The rules of <see cref="IStoreRetention"/>: what goes, in a dry run what would go, and what must never go (a key's latest
/// version and the one before it, a run still running, anything younger than its rule).
/// </summary>
public abstract class RetentionConformance : StoreConformance
{
    private static readonly StreamId Items = new("vendor", "items");
    private static readonly StreamId Audited = new("audited", "items");

    private IStoreRetention Retention => Stores.Retention ?? throw new InvalidOperationException("StoreSet.Retention is not set.");

    private static RetentionOptions Nothing() => new()
    {
        SupersededVersionsMaxAge = null,
        SupersededVersionsToKeep = null,
        RunLogMaxAge = null,
        RetryLogMaxAge = null,
        WebhookInboxMaxAge = null,
        BatchSize = 2,
    };

    // Six versions of a key fetched a day apart from T0 (the clock is not moved).
    private async Task WriteSixVersionsAsync(StreamId stream, string key)
    {
        for (var version = 1; version <= 6; version++)
        {
            await Stores.Raw.WriteBatchAsync(Batch(stream, T0.AddDays(version - 1), Record(key, $$"""{"v":{{version}}}""")), Cancel);
        }
    }

    private async Task<List<int>> VersionsAsync(StreamId stream, string key) =>
        [.. (await ToListAsync(Stores.Raw.GetHistoryAsync(stream, key, Cancel))).Select(record => record.Version).Order()];

    [Fact]
    public async Task Superseded_versions_beyond_the_newest_kept_and_older_than_the_age_go_and_a_dry_run_removes_nothing()
    {
        await WriteSixVersionsAsync(Items, "a");
        await Stores.Raw.WriteBatchAsync(Batch(Items, T0, Record("b", """{"v":1}""")), Cancel);
        await Stores.Raw.WriteBatchAsync(Batch(Items, T0.AddDays(1), Record("b", """{"v":2}""")), Cancel);
        Time.Advance(TimeSpan.FromDays(100));
        var options = Nothing();
        options.SupersededVersionsMaxAge = TimeSpan.FromDays(30);
        options.SupersededVersionsToKeep = 2;

        var dry = await Retention.ApplyRetentionAsync(options, dryRun: true, Cancel);
        Assert.Equal((true, 3L), (dry.DryRun, dry.SupersededVersions));
        Assert.Equal([1, 2, 3, 4, 5, 6], await VersionsAsync(Items, "a"));

        var removed = await Retention.ApplyRetentionAsync(options, dryRun: false, Cancel);
        Assert.Equal((false, 3L, 3L), (removed.DryRun, removed.SupersededVersions, removed.Total));
        Assert.Equal([4, 5, 6], await VersionsAsync(Items, "a"));
        Assert.Equal([1, 2], await VersionsAsync(Items, "b"));
        var latest = await Stores.Raw.GetLatestAsync(Items, "a", Cancel);
        Assert.Equal(6, latest!.Version);
        AssertJson("""{"v":6}""", latest.Payload);

        var again = await Retention.ApplyRetentionAsync(options, dryRun: false, Cancel);
        Assert.Equal(0, again.Total);
    }

    [Fact]
    public async Task The_version_before_the_latest_stays_whatever_the_rules_and_young_versions_stay_beyond_the_count()
    {
        await WriteSixVersionsAsync(Items, "a");
        Time.Advance(TimeSpan.FromDays(8));
        var byCount = Nothing();
        byCount.SupersededVersionsToKeep = 1;
        byCount.SupersededVersionsMaxAge = null;

        var byAge = Nothing();
        byAge.SupersededVersionsMaxAge = TimeSpan.FromDays(5);
        byAge.SupersededVersionsToKeep = null;

        // Version n was last current on day n - 1; "now" is day 8, so versions 1 to 3 are over 5 days old and 4 is not.
        Assert.Equal(3, (await Retention.ApplyRetentionAsync(byAge, dryRun: false, Cancel)).SupersededVersions);
        Assert.Equal([4, 5, 6], await VersionsAsync(Items, "a"));
        Assert.Equal(1, (await Retention.ApplyRetentionAsync(byCount, dryRun: false, Cancel)).SupersededVersions);
        Assert.Equal([5, 6], await VersionsAsync(Items, "a"));
        Assert.Equal(0, (await Retention.ApplyRetentionAsync(byCount, dryRun: false, Cancel)).SupersededVersions);
    }

    [Fact]
    public async Task A_source_that_keeps_everything_keeps_its_versions_and_deleted_keys()
    {
        await WriteSixVersionsAsync(Items, "a");
        await WriteSixVersionsAsync(Audited, "a");
        await Stores.Raw.WriteBatchAsync(Batch(Audited, T0.AddDays(6), Record("gone", """{"v":1}""")), Cancel);
        await Stores.Raw.MarkMissingDeletedAsync(Audited, T0.AddDays(7), T0.AddDays(7), Cancel);
        Time.Advance(TimeSpan.FromDays(100));
        var options = Nothing();
        options.SupersededVersionsToKeep = 1;
        options.DeletedKeysMaxAge = TimeSpan.FromDays(1);
        options.Sources["audited"] = new SourceRetention { KeepEverything = true };

        var result = await Retention.ApplyRetentionAsync(options, dryRun: false, Cancel);

        Assert.Equal((4L, 0L), (result.SupersededVersions, result.DeletedKeys));
        Assert.Equal([5, 6], await VersionsAsync(Items, "a"));
        Assert.Equal([1, 2, 3, 4, 5, 6], await VersionsAsync(Audited, "a"));
        Assert.NotNull(await Stores.Raw.GetLatestAsync(Audited, "gone", Cancel));
    }

    [Fact]
    public async Task A_key_deleted_longer_ago_than_its_rule_goes_with_its_versions_and_retry_log_and_a_recent_deletion_stays()
    {
        await Stores.Raw.WriteBatchAsync(Batch(Items, T0, Record("old", """{"v":1}"""), Record("recent", """{"v":1}"""), Record("kept", """{"v":1}""")), Cancel);
        await Stores.Raw.WriteBatchAsync(Batch(Items, T0.AddDays(1), Record("old", """{"v":2}"""), Record("recent", """{"v":1}"""), Record("kept", """{"v":1}""")), Cancel);
        await Stores.RetryLog.RecordRetryAttemptAsync(new RetryAttempt { Stream = Items, Key = "old", Attempt = 1, AttemptedAt = T0.AddDays(1), Succeeded = true }, Cancel);
        await Stores.Raw.WriteBatchAsync(Batch(Items, T0.AddDays(2), Record("recent", """{"v":1}"""), Record("kept", """{"v":1}""")), Cancel);
        Assert.Equal(1, await Stores.Raw.MarkMissingDeletedAsync(Items, T0.AddDays(2), T0.AddDays(2), Cancel));
        await Stores.Raw.WriteBatchAsync(Batch(Items, T0.AddDays(50), Record("kept", """{"v":1}""")), Cancel);
        Assert.Equal(1, await Stores.Raw.MarkMissingDeletedAsync(Items, T0.AddDays(50), T0.AddDays(50), Cancel));
        Time.Advance(TimeSpan.FromDays(60));
        var options = Nothing();
        options.DeletedKeysMaxAge = TimeSpan.FromDays(30);

        var dry = await Retention.ApplyRetentionAsync(options, dryRun: true, Cancel);
        Assert.Equal(1, dry.DeletedKeys);
        Assert.NotNull(await Stores.Raw.GetLatestAsync(Items, "old", Cancel));

        var result = await Retention.ApplyRetentionAsync(options, dryRun: false, Cancel);

        Assert.Equal(1, result.DeletedKeys);
        Assert.Null(await Stores.Raw.GetLatestAsync(Items, "old", Cancel));
        Assert.Empty(await ToListAsync(Stores.Raw.GetHistoryAsync(Items, "old", Cancel)));
        Assert.Empty(await Stores.RetryLog.GetRetryLogAsync(Items, "old", Cancel));
        Assert.NotNull((await Stores.Raw.GetLatestAsync(Items, "recent", Cancel))!.DeletedAt);
        Assert.Null((await Stores.Raw.GetLatestAsync(Items, "kept", Cancel))!.DeletedAt);
    }

    [Fact]
    public async Task Finished_runs_and_retry_attempts_older_than_their_rules_go_and_a_running_run_stays()
    {
        SyncReport Run(DateTimeOffset startedAt, RunStatus status) => new()
        {
            RunId = Guid.NewGuid(),
            Stream = Items,
            Status = status,
            StartedAt = startedAt,
            CompletedAt = status == RunStatus.Running ? null : startedAt.AddMinutes(1),
        };

        var old = Run(T0, RunStatus.Succeeded);
        var stuck = Run(T0, RunStatus.Running);
        var recent = Run(T0.AddDays(80), RunStatus.Failed);
        foreach (var run in new[] { old, stuck, recent })
        {
            await Stores.RunLog.SaveAsync(run, Cancel);
        }

        await Stores.Raw.WriteBatchAsync(Batch(Items, T0, Partial("a")), Cancel);
        await Stores.RetryLog.RecordRetryAttemptAsync(new RetryAttempt { Stream = Items, Key = "a", Attempt = 1, AttemptedAt = T0, Succeeded = false, NextRetryAt = T0.AddDays(1) }, Cancel);
        await Stores.RetryLog.RecordRetryAttemptAsync(new RetryAttempt { Stream = Items, Key = "a", Attempt = 2, AttemptedAt = T0.AddDays(80), Succeeded = false, NextRetryAt = T0.AddDays(81) }, Cancel);
        Time.Advance(TimeSpan.FromDays(90));
        var options = Nothing();
        options.RunLogMaxAge = TimeSpan.FromDays(30);
        options.RetryLogMaxAge = TimeSpan.FromDays(30);

        var result = await Retention.ApplyRetentionAsync(options, dryRun: false, Cancel);

        Assert.Equal((1L, 1L), (result.Runs, result.RetryLogEntries));
        Assert.Null(await Stores.RunLog.GetAsync(old.RunId, Cancel));
        Assert.NotNull(await Stores.RunLog.GetAsync(stuck.RunId, Cancel));
        Assert.NotNull(await Stores.RunLog.GetAsync(recent.RunId, Cancel));
        Assert.Equal([2], (await Stores.RetryLog.GetRetryLogAsync(Items, "a", Cancel)).Select(attempt => attempt.Attempt));
        Assert.NotNull(await Stores.Raw.GetLatestAsync(Items, "a", Cancel));
    }
}
