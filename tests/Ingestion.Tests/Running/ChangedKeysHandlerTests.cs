using System.Globalization;

namespace Ingestion.Tests.Running;

/// <summary><see cref="SyncOptions.OnChangedKeys"/>: keys handed on batch by batch instead of held for the report.</summary>
public sealed class ChangedKeysHandlerTests
{
    private static readonly StreamId Items = new("shop", "items");

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    // Every page is a batch of its own, so that the handler's calls show the pages.
    private static void PageByPage(SyncRunnerOptions options) => options.BatchDelay = TimeSpan.Zero;

    private static SourceDefinition Source() => new()
    {
        Name = "shop",
        BaseAddress = new Uri("http://vendor.test/"),
        Streams = [new StreamDefinition { Name = "items", Path = "v1/items", Records = new UnusedSelector() }],
    };

    // Serves the given pages as ?page=1..n.
    private static ScriptedFetcher Pages(Func<IReadOnlyList<IReadOnlyList<(string Key, string Json)>>> pages) => new((fetch, request) =>
    {
        var all = pages();
        var number = int.Parse(request.GetQueryParameter("page") ?? "1", CultureInfo.InvariantCulture);
        return new ScriptedPage(all[number - 1], number < all.Count ? request.WithQueryParameter("page", (number + 1).ToString(CultureInfo.InvariantCulture)) : null);
    });

    private sealed class Handed
    {
        public List<(StreamId Stream, string[] Keys)> Calls { get; } = [];

        public Func<int, Exception?> FailOnCall { get; init; } = _ => null;

        public SyncOptions Options => new()
        {
            OnChangedKeys = (stream, keys, _) =>
            {
                Calls.Add((stream, [.. keys]));
                return FailOnCall(Calls.Count) is { } failure ? throw failure : ValueTask.CompletedTask;
            },
        };
    }

    [Fact]
    public async Task Each_committed_page_hands_on_its_new_and_changed_keys_and_the_report_holds_none()
    {
        var name = "before";
        await using var harness = new RunnerHarness(Source(), Pages(() => [[Json.Record("1", name), Json.Record("2", "b")], [Json.Record("3", "c")]]), PageByPage);
        var handed = new Handed();

        var first = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", handed.Options, Cancel));
        name = "after";
        var second = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", handed.Options, Cancel));

        Assert.Equal(RunStatus.Succeeded, first.Status);
        Assert.Equal(3, first.RecordsNew);
        Assert.Empty(first.ChangedKeys);
        Assert.Empty(second.ChangedKeys);
        Assert.Equal(1, second.RecordsChanged);

        // Page by page for the first run; the second run's only change, and nothing for its unchanged page.
        Assert.Equal([(Items, "1,2"), (Items, "3"), (Items, "1")], handed.Calls.Select(call => (call.Stream, string.Join(',', call.Keys))));
    }

    [Fact]
    public async Task Keys_a_complete_snapshot_soft_deleted_are_handed_on_after_its_pages()
    {
        var records = new List<(string, string)> { Json.Record("1", "a"), Json.Record("2", "b"), Json.Record("3", "c"), Json.Record("4", "d") };
        await using var harness = new RunnerHarness(Source(), Pages(() => [records]));
        await harness.Runner.SyncStreamAsync("shop", "items", null, Cancel);
        harness.Time.Advance(TimeSpan.FromHours(1));
        records[0] = Json.Record("1", "edited");
        records.RemoveAt(1);
        var handed = new Handed();

        var report = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", handed.Options, Cancel));

        Assert.Equal(1, report.RecordsDeleted);
        Assert.Empty(report.ChangedKeys);
        Assert.Equal(["1", "2"], handed.Calls.Select(call => string.Join(',', call.Keys)));
    }

    [Fact]
    public async Task A_failing_handler_stops_the_run_says_why_and_keeps_the_batch_it_failed_on()
    {
        await using var harness = new RunnerHarness(Source(), Pages(() => [[Json.Record("1", "a")], [Json.Record("2", "b")]]), PageByPage);
        var handed = new Handed { FailOnCall = call => call == 1 ? new InvalidOperationException("the queue is gone") : null };

        var report = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", handed.Options, Cancel));

        // Partial, as for any failure after a committed batch: part of the snapshot is stored.
        Assert.Equal(RunStatus.Partial, report.Status);
        var issue = Assert.Single(report.Issues, i => i.Kind == IssueKind.Other);
        Assert.Contains("OnChangedKeys", issue.Message, StringComparison.Ordinal);
        Assert.Contains("the queue is gone", issue.Message, StringComparison.Ordinal);
        Assert.Contains("page 1", issue.Message, StringComparison.Ordinal);

        // The first page stays committed; the run did not go on to the second.
        Assert.NotNull(await harness.Raw.GetLatestAsync(Items, "1", Cancel));
        Assert.Null(await harness.Raw.GetLatestAsync(Items, "2", Cancel));
        Assert.Single(handed.Calls);
    }
}
