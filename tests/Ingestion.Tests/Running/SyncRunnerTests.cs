using System.Collections.Concurrent;
using System.Text;

namespace Ingestion.Tests.Running;

public sealed class SyncRunnerTests
{
    private static readonly Uri Vendor = new("http://vendor.test/");

    private static SourceDefinition Source(params StreamDefinition[] streams) =>
        new() { Name = "shop", BaseAddress = Vendor, Streams = streams };

    private static StreamDefinition Items(SyncMode mode = SyncMode.FullSnapshot, SnapshotGuardSettings? guard = null) => new()
    {
        Name = "items",
        Path = "v1/items",
        Records = new UnusedSelector(),
        Mode = mode,
        Incremental = mode == SyncMode.Incremental
            ? new IncrementalSettings { CursorField = "updated_at", RequestParameter = "updated_since", Overlap = TimeSpan.FromMinutes(5) }
            : null,
        SnapshotGuard = guard ?? new SnapshotGuardSettings(),
    };

    // Serves the given pages as ?page=1..n.
    private static ScriptedFetcher Pages(Func<IReadOnlyList<IReadOnlyList<(string Key, string Json)>>> pages) => new((fetch, request) =>
    {
        var all = pages();
        var number = int.Parse(request.GetQueryParameter("page") ?? "1", System.Globalization.CultureInfo.InvariantCulture);
        return new ScriptedPage(all[number - 1], number < all.Count ? request.WithQueryParameter("page", (number + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)) : null);
    });

    [Fact]
    public async Task Second_run_of_the_same_data_is_all_unchanged_and_writes_no_new_versions()
    {
        IReadOnlyList<IReadOnlyList<(string, string)>> data = [[Json.Record("1", "a"), Json.Record("2", "b")], [Json.Record("3", "c")]];
        await using var harness = new RunnerHarness(Source(Items()), Pages(() => data));

        var first = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken));
        var second = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken));

        Assert.Equal(RunStatus.Succeeded, first.Status);
        Assert.Equal((3, 0, 0), (first.RecordsNew, first.RecordsChanged, first.RecordsUnchanged));
        Assert.Equal(2, first.Pages);
        Assert.Equal(["1", "2", "3"], first.ChangedKeys);
        Assert.Equal(RunStatus.Succeeded, second.Status);
        Assert.Equal((0, 0, 3), (second.RecordsNew, second.RecordsChanged, second.RecordsUnchanged));
        Assert.Empty(second.ChangedKeys);
        Assert.Equal(3, harness.Stores.RecordVersionCount);
    }

    [Fact]
    public async Task A_changed_record_gets_a_new_version_and_is_reported_as_changed()
    {
        var name = "before";
        await using var harness = new RunnerHarness(Source(Items()), Pages(() => [[Json.Record("1", name), Json.Record("2", "same")]]));
        await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken);

        name = "after";
        var report = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken));

        Assert.Equal((0, 1, 1), (report.RecordsNew, report.RecordsChanged, report.RecordsUnchanged));
        Assert.Equal(["1"], report.ChangedKeys);
        var history = new List<RawRecord>();
        await foreach (var version in harness.Raw.GetHistoryAsync(new StreamId("shop", "items"), "1", TestContext.Current.CancellationToken))
        {
            history.Add(version);
        }

        Assert.Equal([1, 2], history.Select(v => v.Version));
        Assert.Contains("after", Encoding.UTF8.GetString(history[^1].Payload.Span), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_snapshot_trips_the_guard_deletes_nothing_and_degrades_health()
    {
        IReadOnlyList<(string, string)> records = [Json.Record("1", "a"), Json.Record("2", "b")];
        await using var harness = new RunnerHarness(Source(Items()), Pages(() => [records]));
        await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken);

        records = [];
        var report = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken));

        Assert.Equal(RunStatus.Partial, report.Status);
        Assert.True(report.GuardTripped);
        Assert.Equal(0, report.RecordsDeleted);
        Assert.Contains(report.Issues, i => i.Kind == IssueKind.SnapshotGuardTripped && i.Message.Contains("last good snapshot had 2", StringComparison.Ordinal));
        Assert.Equal(2, await harness.Raw.CountLatestAsync(new StreamId("shop", "items"), TestContext.Current.CancellationToken));
        var health = await harness.Health.GetAsync(new StreamId("shop", "items"), TestContext.Current.CancellationToken);
        Assert.Equal(StreamHealthStatus.Degraded, health!.Status);
        Assert.Contains("snapshot guard", health.Reason, StringComparison.Ordinal);
        var state = await harness.States.GetAsync(new StreamId("shop", "items"), TestContext.Current.CancellationToken);
        Assert.Equal(2, state!.LastGoodSnapshotCount);
    }

    [Fact]
    public async Task A_snapshot_below_the_minimum_ratio_trips_the_guard_and_deletes_nothing()
    {
        var records = Enumerable.Range(1, 10).Select(i => Json.Record(i.ToString(System.Globalization.CultureInfo.InvariantCulture), "x")).ToList();
        await using var harness = new RunnerHarness(Source(Items()), Pages(() => [records]));
        await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken);

        records = records.Take(4).ToList();
        var report = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken));

        Assert.Equal(RunStatus.Partial, report.Status);
        Assert.True(report.GuardTripped);
        Assert.Equal(10, await harness.Raw.CountLatestAsync(new StreamId("shop", "items"), TestContext.Current.CancellationToken));
        Assert.Equal(StreamHealthStatus.Degraded, (await harness.Health.GetAsync(new StreamId("shop", "items"), TestContext.Current.CancellationToken))!.Status);
    }

    [Fact]
    public async Task A_shrink_within_the_ratio_soft_deletes_the_missing_keys_and_moves_the_last_good_count()
    {
        var records = new List<(string, string)> { Json.Record("1", "a"), Json.Record("2", "b"), Json.Record("3", "c"), Json.Record("4", "d") };
        await using var harness = new RunnerHarness(Source(Items()), Pages(() => [records]));
        await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken);

        harness.Time.Advance(TimeSpan.FromHours(1));
        records.RemoveAt(1);
        var report = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken));

        var id = new StreamId("shop", "items");
        Assert.Equal(RunStatus.Succeeded, report.Status);
        Assert.False(report.GuardTripped);
        Assert.Equal(1, report.RecordsDeleted);
        Assert.NotNull((await harness.Raw.GetLatestAsync(id, "2", TestContext.Current.CancellationToken))!.DeletedAt);
        Assert.Null((await harness.Raw.GetLatestAsync(id, "1", TestContext.Current.CancellationToken))!.DeletedAt);
        Assert.Equal(3, (await harness.States.GetAsync(id, TestContext.Current.CancellationToken))!.LastGoodSnapshotCount);
        Assert.Equal(StreamHealthStatus.Healthy, (await harness.Health.GetAsync(id, TestContext.Current.CancellationToken))!.Status);
    }

    [Fact]
    public async Task A_run_with_a_failed_page_never_soft_deletes()
    {
        var failSecondPage = false;
        var fetcher = new ScriptedFetcher((fetch, request) => request.GetQueryParameter("page") switch
        {
            null => new ScriptedPage([Json.Record("1", "a")], request.WithQueryParameter("page", "2")),
            _ when failSecondPage => new ScriptedPage([], Status: FetchStatus.Transient, HttpStatusCode: 503, Error: "Service unavailable"),
            _ => new ScriptedPage([Json.Record("2", "b")]),
        });
        await using var harness = new RunnerHarness(Source(Items()), fetcher);
        await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken);

        failSecondPage = true;
        harness.Time.Advance(TimeSpan.FromHours(1));
        var report = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken));

        var id = new StreamId("shop", "items");
        Assert.Equal(RunStatus.Partial, report.Status);
        Assert.Equal(0, report.RecordsDeleted);
        Assert.Equal(1, report.RecordsPartial);
        Assert.Null((await harness.Raw.GetLatestAsync(id, "2", TestContext.Current.CancellationToken))!.DeletedAt);
        var partial = await harness.Raw.GetLatestAsync(id, "page:/v1/items?page=2", TestContext.Current.CancellationToken);
        Assert.NotNull(partial);
        Assert.True(partial.IsPartial);
        Assert.Equal(503, partial.HttpStatusCode);
        Assert.Contains(partial.Issues, i => i.Kind == IssueKind.Transient);
        Assert.Contains(report.Issues, i => i.Kind == IssueKind.Transient && i.HttpStatusCode == 503);
    }

    [Fact]
    public async Task The_watermark_advances_with_committed_batches_and_stays_put_when_a_batch_fails()
    {
        var run = 1;
        var fetcher = new ScriptedFetcher((fetch, request) => (run, request.GetQueryParameter("page")) switch
        {
            (1, _) => new ScriptedPage([Json.Record("1", "a", "2025-01-01T10:00:00Z")]),
            (_, null) => new ScriptedPage([Json.Record("2", "b", "2025-02-01T10:00:00Z")], request.WithQueryParameter("page", "2")),
            _ => new ScriptedPage([Json.Record("3", "c", "2025-03-01T10:00:00Z")]),
        });
        // Every page is a batch of its own.
        await using var harness = new RunnerHarness(Source(Items(SyncMode.Incremental)), fetcher, options => options.BatchDelay = TimeSpan.Zero);
        var id = new StreamId("shop", "items");

        await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken);
        Assert.Equal("2025-01-01T10:00:00Z", (await harness.States.GetAsync(id, TestContext.Current.CancellationToken))!.Watermark);

        run = 2;
        harness.Stores.FailBatchNumber = harness.Stores.BatchCount + 2; // the second batch of run 2
        var report = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken));

        // Page 1 of run 2 committed and moved the watermark; page 2's batch failed and moved nothing.
        Assert.Equal(RunStatus.Partial, report.Status);
        Assert.Contains(report.Issues, i => i.Kind == IssueKind.StoreFailure && i.Message.Contains("not committed", StringComparison.Ordinal));
        Assert.Equal("2025-02-01T10:00:00Z", (await harness.States.GetAsync(id, TestContext.Current.CancellationToken))!.Watermark);
        Assert.Null(await harness.Raw.GetLatestAsync(id, "3", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_failed_first_batch_leaves_the_watermark_where_it_was_and_fails_the_run()
    {
        var fetcher = new ScriptedFetcher((fetch, request) => new ScriptedPage([Json.Record("1", "a", "2025-05-01T00:00:00Z")]));
        await using var harness = new RunnerHarness(Source(Items(SyncMode.Incremental)), fetcher);
        var id = new StreamId("shop", "items");
        await harness.States.SaveAsync(new SyncState { Stream = id, Watermark = "2025-01-01T00:00:00Z" }, TestContext.Current.CancellationToken);
        harness.Stores.FailBatchNumber = 1;

        var report = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken));

        Assert.Equal(RunStatus.Failed, report.Status);
        Assert.Equal("2025-01-01T00:00:00Z", (await harness.States.GetAsync(id, TestContext.Current.CancellationToken))!.Watermark);
        Assert.Equal(StreamHealthStatus.Degraded, (await harness.Health.GetAsync(id, TestContext.Current.CancellationToken))!.Status);
    }

    [Fact]
    public async Task The_next_run_sends_the_watermark_minus_the_overlap()
    {
        var fetcher = new ScriptedFetcher((fetch, request) => new ScriptedPage([Json.Record("1", "a", "2025-04-01T12:00:00Z"), Json.Record("2", "b", "2025-04-01T11:00:00Z")]));
        await using var harness = new RunnerHarness(Source(Items(SyncMode.Incremental)), fetcher);

        await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken);
        var second = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken));

        var requests = fetcher.Requests.Select(r => r.Request).ToList();
        Assert.Null(requests[0].GetQueryParameter("updated_since"));
        Assert.Equal("2025-04-01T11:55:00Z", requests[1].GetQueryParameter("updated_since"));
        Assert.Equal("2025-04-01T12:00:00Z", second.Watermark);
        Assert.Contains(second.Issues, i => i.Kind == IssueKind.Overlap);
    }

    [Fact]
    public async Task A_watermark_override_is_sent_instead_of_the_stored_one()
    {
        var fetcher = new ScriptedFetcher((fetch, request) => new ScriptedPage([]));
        await using var harness = new RunnerHarness(Source(Items(SyncMode.Incremental)), fetcher);

        await harness.Runner.SyncStreamAsync("shop", "items", new SyncOptions { WatermarkOverride = "2024-12-31" }, TestContext.Current.CancellationToken);

        var request = Assert.Single(fetcher.Requests).Request;
        Assert.Equal("2024-12-30", request.GetQueryParameter("updated_since"));
    }

    [Fact]
    public async Task An_exhausted_budget_ends_the_run_partial_and_the_next_run_resumes_from_the_checkpoint()
    {
        var budgetLeft = true;
        var fetcher = new ScriptedFetcher((fetch, request) => request.GetQueryParameter("page") switch
        {
            null => new ScriptedPage([Json.Record("1", "a")], request.WithQueryParameter("page", "2")),
            "2" when budgetLeft => new ScriptedPage([], Status: FetchStatus.BudgetExhausted, Error: "The rate budget would wait 00:10:00."),
            "2" => new ScriptedPage([Json.Record("2", "b")], request.WithQueryParameter("page", "3")),
            _ => new ScriptedPage([Json.Record("3", "c")]),
        });
        await using var harness = new RunnerHarness(Source(Items()), fetcher);
        var id = new StreamId("shop", "items");

        var first = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken));

        Assert.Equal(RunStatus.Partial, first.Status);
        Assert.Contains(first.Issues, i => i.Kind == IssueKind.BudgetExhausted);
        Assert.Equal(0, first.RecordsPartial);
        var checkpoint = (await harness.States.GetAsync(id, TestContext.Current.CancellationToken))!.Checkpoint;
        Assert.NotNull(checkpoint);
        Assert.Equal("2", PageRequest.FromCheckpoint(checkpoint).GetQueryParameter("page"));
        Assert.Equal(StreamHealthStatus.Degraded, (await harness.Health.GetAsync(id, TestContext.Current.CancellationToken))!.Status);

        budgetLeft = false;
        var before = fetcher.Requests.Count;
        var second = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken));

        Assert.Equal("2", fetcher.Requests.ElementAt(before).Request.GetQueryParameter("page"));
        Assert.Equal(2, second.RecordsNew);
        Assert.Null((await harness.States.GetAsync(id, TestContext.Current.CancellationToken))!.Checkpoint);

        // A resumed run saw only part of the snapshot: it must not delete key 1, which it did not fetch.
        Assert.Equal(0, second.RecordsDeleted);
        Assert.Null((await harness.Raw.GetLatestAsync(id, "1", TestContext.Current.CancellationToken))!.DeletedAt);
    }

    [Fact]
    public async Task A_dry_run_fetches_and_reports_but_writes_nothing()
    {
        var fetcher = new ScriptedFetcher((fetch, request) => new ScriptedPage([Json.Record("1", "a", "2025-01-01T00:00:00Z"), Json.Record("2", "b", "2025-01-02T00:00:00Z")]));
        await using var harness = new RunnerHarness(Source(Items(SyncMode.Incremental)), fetcher);

        var report = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", new SyncOptions { DryRun = true }, TestContext.Current.CancellationToken));

        Assert.True(report.DryRun);
        Assert.Equal(RunStatus.Succeeded, report.Status);
        Assert.Equal(2, report.RecordsFetched);
        Assert.Equal(2, report.RecordsNew);
        Assert.Equal("2025-01-02T00:00:00Z", report.Watermark);
        Assert.Equal(0, harness.Stores.BatchCount);
        Assert.Equal(0, harness.Stores.RecordVersionCount);
        Assert.Equal(0, harness.Stores.StateSaves);
        Assert.Null(await harness.States.GetAsync(new StreamId("shop", "items"), TestContext.Current.CancellationToken));
        Assert.Equal(0, harness.Stores.RunCount);
        Assert.Equal(0, harness.Stores.HealthCount);
    }

    [Fact]
    public async Task Cancellation_stops_the_run_cleanly_and_keeps_committed_batches()
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var secondPageRequested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fetcher = new ScriptedFetcher(async (fetch, request, token) =>
        {
            if (request.GetQueryParameter("page") is null)
            {
                return new ScriptedPage([Json.Record("1", "a")], request.WithQueryParameter("page", "2"));
            }

            secondPageRequested.TrySetResult();
            await Task.Delay(Timeout.Infinite, token);
            return new ScriptedPage([]);
        });
        await using var harness = new RunnerHarness(Source(Items()), fetcher);

        var running = harness.Runner.SyncStreamAsync("shop", "items", null, cancellation.Token);
        await secondPageRequested.Task.WaitAsync(TestContext.Current.CancellationToken);
        await cancellation.CancelAsync();
        var report = Assert.Single(await running);

        Assert.Equal(RunStatus.Cancelled, report.Status);
        Assert.Contains(report.Issues, i => i.Kind == IssueKind.Cancelled);
        Assert.Equal(0, report.RecordsDeleted);
        Assert.NotNull(await harness.Raw.GetLatestAsync(new StreamId("shop", "items"), "1", TestContext.Current.CancellationToken));
        Assert.Equal(RunStatus.Cancelled, (await harness.RunLog.GetAsync(report.RunId, TestContext.Current.CancellationToken))!.Status);
    }

    [Fact]
    public async Task Progress_is_reported_after_each_page()
    {
        IReadOnlyList<IReadOnlyList<(string, string)>> data = [[Json.Record("1", "a"), Json.Record("2", "b")], [Json.Record("3", "c")], [Json.Record("4", "d")]];
        await using var harness = new RunnerHarness(Source(Items()), Pages(() => data));
        var progress = new ListProgress();

        await harness.Runner.SyncStreamAsync("shop", "items", new SyncOptions { Progress = progress }, TestContext.Current.CancellationToken);

        Assert.Equal([1, 2, 3], progress.Reports.Select(p => p.Pages));
        Assert.Equal([2L, 3L, 4L], progress.Reports.Select(p => p.Records));
        Assert.All(progress.Reports, p => Assert.Equal(new StreamId("shop", "items"), p.Stream));
    }

    [Fact]
    public async Task Duplicate_keys_on_one_page_keep_the_last_occurrence_with_an_issue()
    {
        var fetcher = new ScriptedFetcher((fetch, request) => new ScriptedPage([Json.Record("1", "first"), Json.Record("2", "b"), Json.Record("1", "last")]));
        await using var harness = new RunnerHarness(Source(Items()), fetcher);

        var report = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken));

        Assert.Equal(2, report.RecordsNew);
        Assert.Contains(report.Issues, i => i.Kind == IssueKind.DuplicateKey && i.Key == "1");
        var stored = await harness.Raw.GetLatestAsync(new StreamId("shop", "items"), "1", TestContext.Current.CancellationToken);
        Assert.Contains("last", Encoding.UTF8.GetString(stored!.Payload.Span), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_authentication_failure_fails_the_run_and_makes_the_stream_unhealthy()
    {
        var fetcher = new ScriptedFetcher((fetch, request) => new ScriptedPage([], Status: FetchStatus.Unauthorized, HttpStatusCode: 401, Error: "401 after refreshing credentials"));
        await using var harness = new RunnerHarness(Source(Items()), fetcher);

        var report = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken));

        Assert.Equal(RunStatus.Failed, report.Status);
        var health = await harness.Health.GetAsync(new StreamId("shop", "items"), TestContext.Current.CancellationToken);
        Assert.Equal(StreamHealthStatus.Unhealthy, health!.Status);
        Assert.Equal(1, health.ConsecutiveFailures);
        Assert.NotNull(health.LastError);
        var partial = await harness.Raw.GetLatestAsync(new StreamId("shop", "items"), "page:/v1/items", TestContext.Current.CancellationToken);
        Assert.False(partial is null);
    }

    [Fact]
    public async Task Repeated_failures_turn_health_from_degraded_to_unhealthy_and_a_success_heals_it()
    {
        var failing = true;
        var fetcher = new ScriptedFetcher((fetch, request) => failing
            ? new ScriptedPage([], Status: FetchStatus.Transient, HttpStatusCode: 502, Error: "Bad gateway")
            : new ScriptedPage([Json.Record("1", "a")]));
        await using var harness = new RunnerHarness(Source(Items()), fetcher);
        var id = new StreamId("shop", "items");
        var statuses = new List<StreamHealthStatus>();

        for (var i = 0; i < 3; i++)
        {
            await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken);
            statuses.Add((await harness.Health.GetAsync(id, TestContext.Current.CancellationToken))!.Status);
        }

        failing = false;
        await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken);
        var healed = await harness.Health.GetAsync(id, TestContext.Current.CancellationToken);

        Assert.Equal([StreamHealthStatus.Degraded, StreamHealthStatus.Degraded, StreamHealthStatus.Unhealthy], statuses);
        Assert.Equal(StreamHealthStatus.Healthy, healed!.Status);
        Assert.Equal(0, healed.ConsecutiveFailures);
        Assert.Equal(1, healed.ItemCount);
    }

    [Fact]
    public async Task One_failing_stream_does_not_stop_the_others_of_the_source()
    {
        var fetcher = new ScriptedFetcher((fetch, request) => fetch.Stream.Name == "broken"
            ? throw new InvalidOperationException("The vendor SDK crashed.")
            : new ScriptedPage([Json.Record("1", "a")]));
        var broken = new StreamDefinition { Name = "broken", Path = "broken", Records = new UnusedSelector() };
        await using var harness = new RunnerHarness(Source(broken, Items()), fetcher);

        var reports = await harness.Runner.SyncSourceAsync("shop", null, TestContext.Current.CancellationToken);

        Assert.Equal(["broken", "items"], reports.Select(r => r.Stream.Stream));
        Assert.Equal(RunStatus.Failed, reports[0].Status);
        Assert.Contains(reports[0].Issues, i => i.Message.Contains("vendor SDK crashed", StringComparison.Ordinal));
        Assert.Equal(RunStatus.Succeeded, reports[1].Status);
    }

    [Fact]
    public async Task The_run_log_holds_the_run_while_it_runs_and_its_report_at_the_end()
    {
        SyncReport? seenWhileRunning = null;
        InTestStores? stores = null;
        var fetcher = new ScriptedFetcher(async (fetch, request, token) =>
        {
            seenWhileRunning = (await ((IRunLog)stores!).GetRecentAsync(null, 1, token)).Single();
            return new ScriptedPage([Json.Record("1", "a")]);
        });
        await using var harness = new RunnerHarness(Source(Items()), fetcher);
        stores = harness.Stores;

        var report = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken));

        Assert.Equal(RunStatus.Running, seenWhileRunning!.Status);
        Assert.Equal(report.RunId, seenWhileRunning.RunId);
        Assert.Equal(report, await harness.RunLog.GetAsync(report.RunId, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Unknown_sources_and_streams_are_named_in_the_error()
    {
        await using var harness = new RunnerHarness(Source(Items()), new ScriptedFetcher((f, r) => new ScriptedPage([])));

        var source = await Assert.ThrowsAsync<ArgumentException>(() => harness.Runner.SyncStreamAsync("nope", "items", null, TestContext.Current.CancellationToken));
        var stream = await Assert.ThrowsAsync<ArgumentException>(() => harness.Runner.SyncStreamAsync("shop", "nope", null, TestContext.Current.CancellationToken));

        Assert.Contains("'nope'", source.Message, StringComparison.Ordinal);
        Assert.Contains("items", stream.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_page_key_and_issues_never_carry_a_secret_from_the_query()
    {
        var authenticator = new QueryKeyAuthenticator();
        var fetcher = new ScriptedFetcher((fetch, request) => new ScriptedPage([], Status: FetchStatus.Forbidden, HttpStatusCode: 403, Error: "Forbidden"));
        var stream = new StreamDefinition
        {
            Name = "items",
            Path = "v1/items",
            Records = new UnusedSelector(),
            Query = new Dictionary<string, string> { ["account_key"] = "s3cr3t-value", ["token"] = "tok-123", ["page_size"] = "50" },
        };
        await using var harness = new RunnerHarness(new SourceDefinition { Name = "shop", BaseAddress = Vendor, Authenticator = authenticator, Streams = [stream] }, fetcher);

        var report = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken));

        var issue = Assert.Single(report.Issues, i => i.Kind == IssueKind.Forbidden);
        Assert.Equal("page:/v1/items?account_key=***&token=***&page_size=50", issue.Key);
        Assert.DoesNotContain("s3cr3t", issue.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-123", issue.Message, StringComparison.Ordinal);
        var partial = await harness.Raw.GetLatestAsync(new StreamId("shop", "items"), issue.Key!, TestContext.Current.CancellationToken);
        Assert.False(partial is null);
        Assert.DoesNotContain("s3cr3t", partial.ErrorMessage ?? string.Empty, StringComparison.Ordinal);
    }

    private sealed class ListProgress : IProgress<SyncProgress>
    {
        public ConcurrentQueue<SyncProgress> Reports { get; } = new();

        public void Report(SyncProgress value) => Reports.Enqueue(value);
    }
}

/// <summary>A selector for streams whose pages come from a scripted fetcher, which selects the records itself.</summary>
internal sealed class UnusedSelector : RecordSelector
{
    public override RecordSelection Select(ReadOnlyMemory<byte> body) => throw new NotSupportedException("The scripted fetcher selects records itself.");
}

/// <summary>Declares a query parameter as secret, as an API-key-in-query authenticator does.</summary>
internal sealed class QueryKeyAuthenticator : IAuthenticator
{
    public IReadOnlyCollection<string> SecretQueryParameters => ["account_key"];

    public ValueTask AuthenticateAsync(HttpRequestMessage request, AuthenticationContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask<bool> RefreshAsync(AuthenticationContext context, CancellationToken cancellationToken) => ValueTask.FromResult(false);
}
