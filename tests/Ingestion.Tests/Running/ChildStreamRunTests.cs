namespace Ingestion.Tests.Running;

/// <summary>Child streams: fanned out over their parents' records, within the stream's concurrency, one parent's failure its own.</summary>
public sealed class ChildStreamRunTests
{
    private static readonly Uri Vendor = new("http://vendor.test/");

    private static SourceDefinition Source(params StreamDefinition[] streams) =>
        new() { Name = "shop", BaseAddress = Vendor, Streams = streams };

    private static StreamDefinition Items() => new() { Name = "items", Path = "v1/items", Records = new UnusedSelector() };

    [Fact]
    public async Task Child_streams_fan_out_with_bounded_concurrency_and_a_failing_child_becomes_a_partial_record()
    {
        const int maxConcurrency = 2;
        var inFlight = 0;
        var maxSeen = 0;
        var bothRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fetcher = new ScriptedFetcher(async (fetch, request, token) =>
        {
            if (fetch.Stream.Name == "items")
            {
                return new ScriptedPage([.. Enumerable.Range(1, 6).Select(i => Json.Record(i.ToString(System.Globalization.CultureInfo.InvariantCulture), "item"))]);
            }

            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref maxSeen, now);
            if (now == maxConcurrency)
            {
                bothRunning.TrySetResult();
            }

            // Every child waits until the bound is reached once, so the runner must run two at a time to get anywhere.
            await bothRunning.Task.WaitAsync(token);
            Interlocked.Decrement(ref inFlight);
            return fetch.ParentKey == "4"
                ? new ScriptedPage([], Status: FetchStatus.NotFound, HttpStatusCode: 404, Error: "Not found")
                : new ScriptedPage([($"{fetch.ParentKey}-v", $$"""{"id":"{{fetch.ParentKey}}-v","item":"{{fetch.ParentKey}}"}""")]);
        });
        var variants = new StreamDefinition
        {
            Name = "variants",
            Path = "v1/items/{id}/variants",
            Records = new UnusedSelector(),
            Parent = new ParentLink { Stream = "items" },
            MaxConcurrency = maxConcurrency,
        };
        await using var harness = new RunnerHarness(Source(Items(), variants), fetcher);

        var reports = await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken);

        Assert.Equal(["items", "variants"], reports.Select(r => r.Stream.Stream));
        Assert.Equal(RunStatus.Succeeded, reports[0].Status);
        var child = reports[1];
        Assert.Equal(RunStatus.Partial, child.Status);
        Assert.Equal(5, child.RecordsNew);
        Assert.Equal(1, child.RecordsPartial);
        Assert.Contains(child.Issues, i => i.Kind == IssueKind.NotFound && i.Key == "4");
        Assert.Equal(maxConcurrency, maxSeen);
        var childRequests = fetcher.Requests.Where(r => r.Fetch.Stream.Name == "variants").Select(r => r.Request.Uri.AbsolutePath).Order().ToList();
        Assert.Equal(Enumerable.Range(1, 6).Select(i => $"/v1/items/{i}/variants"), childRequests);
        var partial = await harness.Raw.GetLatestAsync(new StreamId("shop", "variants"), "4", TestContext.Current.CancellationToken);
        Assert.True(partial!.IsPartial);
        Assert.Equal(404, partial.HttpStatusCode);
    }

    [Fact]
    public async Task Concurrent_parents_share_store_batches_and_a_child_key_seen_under_two_parents_keeps_both_versions()
    {
        // 1,200 parents with one child each: written parent by parent that is 1,200 transactions.
        var fetcher = new ScriptedFetcher((fetch, request) => fetch.Stream.Name == "items"
            ? new ScriptedPage([.. Enumerable.Range(1, 1200).Select(i => Json.Record(i.ToString(System.Globalization.CultureInfo.InvariantCulture), "item"))])
            : fetch.ParentKey is "7" or "8"
                ? new ScriptedPage([("shared", $$"""{"id":"shared","under":"{{fetch.ParentKey}}"}""")])
                : new ScriptedPage([($"{fetch.ParentKey}-v", $$"""{"id":"{{fetch.ParentKey}}-v","item":"{{fetch.ParentKey}}","padding":"{{new string('x', 64)}}"}""")]));
        var variants = new StreamDefinition
        {
            Name = "variants",
            Path = "v1/items/{id}/variants",
            Records = new UnusedSelector(),
            Parent = new ParentLink { Stream = "items" },
            MaxConcurrency = 8,
        };
        await using var harness = new RunnerHarness(Source(Items(), variants), fetcher);

        var reports = await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken);

        var child = reports[1];
        Assert.Equal(RunStatus.Succeeded, child.Status);
        Assert.Equal(1199, child.RecordsNew);
        Assert.Equal(1, child.RecordsChanged);
        // The parents' page is one batch; the children fill batches of BatchRecords (1,000), and the second "shared"
        // closes the open batch early. Where it does depends on which parents answer first, so two or three batches.
        var sizes = harness.Stores.BatchSizes;
        Assert.Equal(1200, sizes[0]);
        Assert.Equal(1200, sizes.Skip(1).Sum());
        Assert.InRange(sizes.Count - 1, 2, 3);
        Assert.All(sizes.Skip(1), size => Assert.InRange(size, 1, 1000));
        Assert.Equal(1199, await harness.Raw.CountLatestAsync(new StreamId("shop", "variants"), TestContext.Current.CancellationToken));
        var sample = await harness.Raw.GetLatestAsync(new StreamId("shop", "variants"), "1199-v", TestContext.Current.CancellationToken);
        Assert.Equal($$"""{"id":"1199-v","item":"1199","padding":"{{new string('x', 64)}}"}""", System.Text.Encoding.UTF8.GetString(sample!.Payload.Span));
        var shared = new List<RawRecord>();
        await foreach (var version in harness.Raw.GetHistoryAsync(new StreamId("shop", "variants"), "shared", TestContext.Current.CancellationToken))
        {
            shared.Add(version);
        }

        Assert.Equal(2, shared.Count);
    }

    [Fact]
    public async Task Child_placeholders_are_taken_from_parent_fields_and_url_escaped()
    {
        var fetcher = new ScriptedFetcher((fetch, request) => fetch.Stream.Name == "orders"
            ? new ScriptedPage([("o1", """{"id":"o1","customer":{"code":"a b/c"}}""")])
            : new ScriptedPage([]));
        var lines = new StreamDefinition
        {
            Name = "lines",
            Path = "customers/{customer}/orders/{order}/lines",
            Records = new UnusedSelector(),
            Parent = new ParentLink { Stream = "orders", Placeholders = new Dictionary<string, string> { ["customer"] = "$.customer.code", ["order"] = "id" } },
            SnapshotGuard = new SnapshotGuardSettings { AllowEmpty = true },
        };
        var orders = new StreamDefinition { Name = "orders", Path = "orders", Records = new UnusedSelector() };
        await using var harness = new RunnerHarness(Source(orders, lines), fetcher);

        await harness.Runner.SyncStreamAsync("shop", "orders", null, TestContext.Current.CancellationToken);

        var request = fetcher.Requests.Single(r => r.Fetch.Stream.Name == "lines");
        Assert.Equal("http://vendor.test/customers/a%20b%2Fc/orders/o1/lines", request.Request.Uri.AbsoluteUri);
        Assert.Equal("o1", request.Fetch.ParentKey);
    }

    [Fact]
    public async Task Syncing_a_child_stream_on_its_own_fans_out_over_the_stored_parents()
    {
        var fetcher = new ScriptedFetcher((fetch, request) => fetch.Stream.Name == "items"
            ? new ScriptedPage([Json.Record("1", "a"), Json.Record("2", "b")])
            : new ScriptedPage([($"{fetch.ParentKey}-v", "{}")]));
        var variants = new StreamDefinition { Name = "variants", Path = "v1/items/{id}/variants", Records = new UnusedSelector(), Parent = new ParentLink { Stream = "items" } };
        await using var harness = new RunnerHarness(Source(Items(), variants), fetcher);
        await harness.Runner.SyncStreamAsync("shop", "items", new SyncOptions { IncludeChildren = false }, TestContext.Current.CancellationToken);
        Assert.DoesNotContain(fetcher.Requests, r => r.Fetch.Stream.Name == "variants");

        var report = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "variants", null, TestContext.Current.CancellationToken));

        Assert.Equal(RunStatus.Succeeded, report.Status);
        Assert.Equal(2, report.RecordsNew);
    }

    [Fact]
    public async Task An_unexpected_error_for_one_parent_is_that_parents_issue_and_the_other_parents_go_on()
    {
        var fetcher = new ScriptedFetcher((fetch, request) => fetch.Stream.Name == "items"
            ? new ScriptedPage([Json.Record("1", "a"), Json.Record("2", "b"), Json.Record("3", "c")])
            : fetch.ParentKey == "2" ? throw new InvalidOperationException("boom") : new ScriptedPage([($"{fetch.ParentKey}-v", "{}")]));
        var variants = new StreamDefinition { Name = "variants", Path = "v1/items/{id}/variants", Records = new UnusedSelector(), Parent = new ParentLink { Stream = "items" }, MaxConcurrency = 1 };
        await using var harness = new RunnerHarness(Source(Items(), variants), fetcher);

        var reports = await harness.Runner.SyncStreamAsync("shop", "items", null, TestContext.Current.CancellationToken);

        var child = reports[1];
        Assert.Equal(RunStatus.Partial, child.Status);
        Assert.Equal(2, child.RecordsNew);
        Assert.Contains(child.Issues, i => i.Key == "2" && i.Message.Contains("boom", StringComparison.Ordinal));
        Assert.Equal(RunStatus.Partial, (await harness.RunLog.GetAsync(child.RunId, TestContext.Current.CancellationToken))!.Status);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
