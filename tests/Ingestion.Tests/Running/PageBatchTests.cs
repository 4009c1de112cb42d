using System.Globalization;
using System.Text;
using System.Text.Json;
using Ingestion.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ingestion.Tests.Running;

/// <summary>
/// How a run gathers a stream's pages into store batches (<see cref="SyncRunnerOptions.BatchRecords"/>,
/// <see cref="SyncRunnerOptions.BatchDelay"/>), and what a batch that is never written leaves behind.
/// </summary>
public sealed class PageBatchTests
{
    private static readonly StreamId Items = new("shop", "items");

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static SourceDefinition Source(SyncMode mode = SyncMode.FullSnapshot) => new()
    {
        Name = "shop",
        BaseAddress = new Uri("http://vendor.test/"),
        Streams = [new StreamDefinition
        {
            Name = "items",
            Path = "v1/items",
            Records = new UnusedSelector(),
            Mode = mode,
            Incremental = mode == SyncMode.Incremental ? new IncrementalSettings { CursorField = "updated_at", RequestParameter = "updated_since" } : null,
        }],
    };

    // Serves the given pages as ?page=1..n; onPage runs before each page is served.
    private static ScriptedFetcher Pages(IReadOnlyList<IReadOnlyList<(string Key, string Json)>> pages, Action<int, CancellationToken>? onPage = null) => new((fetch, request, token) =>
    {
        var number = int.Parse(request.GetQueryParameter("page") ?? "1", CultureInfo.InvariantCulture);
        onPage?.Invoke(number, token);
        return ValueTask.FromResult(new ScriptedPage(pages[number - 1], number < pages.Count ? request.WithQueryParameter("page", (number + 1).ToString(CultureInfo.InvariantCulture)) : null));
    });

    private static List<IReadOnlyList<(string Key, string Json)>> OneRecordPages(int count) =>
        [.. Enumerable.Range(1, count).Select(i => (IReadOnlyList<(string, string)>)[Json.Record(i.ToString(CultureInfo.InvariantCulture), "n" + i)])];

    [Fact]
    public async Task Pages_are_written_together_with_the_watermark_of_all_of_them()
    {
        List<IReadOnlyList<(string, string)>> pages =
        [
            [Json.Record("1", "a", "2025-01-03T00:00:00Z"), Json.Record("2", "b", "2025-01-01T00:00:00Z")],
            [Json.Record("3", "c", "2025-01-05T00:00:00Z"), Json.Record("4", "d", "2025-01-02T00:00:00Z")],
            [Json.Record("5", "e", "2025-01-04T00:00:00Z")],
        ];
        await using var harness = new RunnerHarness(Source(SyncMode.Incremental), Pages(pages));

        var report = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", null, Cancel));

        Assert.Equal(RunStatus.Succeeded, report.Status);
        Assert.Equal(5, report.RecordsNew);
        Assert.Equal([5], harness.Stores.BatchSizes);
        Assert.Equal("2025-01-05T00:00:00Z", (await harness.States.GetAsync(Items, Cancel))!.Watermark);
    }

    [Fact]
    public async Task A_batch_is_written_once_it_holds_BatchRecords_records()
    {
        var pages = Enumerable.Range(0, 4).Select(p => (IReadOnlyList<(string, string)>)[Json.Record($"{p}a", "x"), Json.Record($"{p}b", "y")]).ToList();
        await using var harness = new RunnerHarness(Source(), Pages(pages), options => options.BatchRecords = 3);

        var report = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", null, Cancel));

        Assert.Equal(8, report.RecordsNew);
        Assert.Equal([4, 4], harness.Stores.BatchSizes);
    }

    [Fact]
    public async Task A_page_that_repeats_a_key_of_the_batch_goes_into_the_next_batch_and_keeps_both_versions()
    {
        List<IReadOnlyList<(string, string)>> pages =
        [
            [Json.Record("1", "a"), Json.Record("2", "b")],
            [Json.Record("2", "b moved and edited"), Json.Record("3", "c")],
        ];
        await using var harness = new RunnerHarness(Source(), Pages(pages));

        var report = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", null, Cancel));

        Assert.Equal([2, 2], harness.Stores.BatchSizes);
        Assert.Equal((3, 1), (report.RecordsNew, report.RecordsChanged));
        var latest = await harness.Raw.GetLatestAsync(Items, "2", Cancel);
        Assert.Equal((2, Json.Record("2", "b moved and edited").Json), (latest!.Version, Encoding.UTF8.GetString(latest.Payload.Span)));
    }

    [Fact]
    public async Task A_page_that_comes_BatchDelay_after_the_last_write_is_written_at_once()
    {
        RunnerHarness? harness = null;
        var fetcher = Pages(OneRecordPages(3), (_, _) => harness!.Time.Advance(TimeSpan.FromSeconds(2)));
        await using (harness = new RunnerHarness(Source(), fetcher, options => options.BatchDelay = TimeSpan.FromSeconds(2)))
        {
            await harness.Runner.SyncStreamAsync("shop", "items", null, Cancel);

            Assert.Equal([1, 1, 1], harness.Stores.BatchSizes);
        }
    }

    [Fact]
    public async Task A_batch_that_fails_is_fetched_again_by_the_next_run_from_the_last_written_batch()
    {
        var fetcher = Pages(OneRecordPages(4));
        await using var harness = new RunnerHarness(Source(), fetcher, options => options.BatchRecords = 2);
        harness.Stores.FailBatchNumber = 2;

        var failed = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", null, Cancel));

        Assert.NotEqual(RunStatus.Succeeded, failed.Status);
        Assert.Contains(failed.Issues, i => i.Kind == IssueKind.StoreFailure && i.Message.Contains("pages 3-4", StringComparison.Ordinal));
        Assert.NotNull(await harness.Raw.GetLatestAsync(Items, "2", Cancel));
        Assert.Null(await harness.Raw.GetLatestAsync(Items, "3", Cancel));

        fetcher.Requests.Clear();
        var resumed = Assert.Single(await harness.Runner.SyncStreamAsync("shop", "items", null, Cancel));

        Assert.Equal("3", fetcher.Requests.First().Request.GetQueryParameter("page"));
        Assert.Equal(2, resumed.RecordsNew);
        Assert.NotNull(await harness.Raw.GetLatestAsync(Items, "4", Cancel));
    }

    [Fact]
    public async Task A_cancelled_run_writes_the_pages_it_had_fetched_and_resumes_after_them()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        var fetcher = Pages(OneRecordPages(4), (number, token) =>
        {
            if (number == 3)
            {
                cancel.Cancel();
                token.ThrowIfCancellationRequested();
            }
        });
        await using var harness = new RunnerHarness(Source(), fetcher);

        await harness.Runner.SyncStreamAsync("shop", "items", null, cancel.Token);

        Assert.Equal([2], harness.Stores.BatchSizes);
        Assert.NotNull(await harness.Raw.GetLatestAsync(Items, "2", Cancel));
        Assert.Equal("3", PageRequest.FromCheckpoint((await harness.States.GetAsync(Items, Cancel))!.Checkpoint!).GetQueryParameter("page"));
    }

    [Fact]
    public async Task Records_of_pages_gathered_over_real_http_keep_their_own_payloads()
    {
        // The fetcher reads each response into a buffer it reuses for the next page: a page kept for a later batch must not
        // point into it.
        const int PageCount = 6, PerPage = 4;
        static string Note(int id) => string.Concat(Enumerable.Repeat($"record {id} ", 40));
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", (HttpContext context) =>
        {
            var page = int.Parse(context.Request.Query["page"]!, CultureInfo.InvariantCulture);
            var data = Enumerable.Range(((page - 1) * PerPage) + 1, PerPage).Select(id => new { id = id.ToString(CultureInfo.InvariantCulture), note = Note(id) });
            return Results.Json(new { data, pages = PageCount });
        }));
        var services = new ServiceCollection();
        services.AddIngestion(ingestion => ingestion.UseInMemoryStores().AddRestSource("vendor", source => source
            .BaseAddress(server.BaseAddress)
            .Stream("items", stream => stream.Get("items").Records("$.data").Key("id")
                .Paginate(Paginators.PageNumber("page", "per_page", PerPage, firstPage: 1, totalPagesPath: "$.pages")))));
        await using var provider = services.BuildServiceProvider();

        var report = Assert.Single(await provider.GetRequiredService<ISyncRunner>().SyncStreamAsync("vendor", "items", null, Cancel));

        Assert.Equal(PageCount * PerPage, report.RecordsNew);
        var raw = provider.GetRequiredService<IRawStore>();
        for (var id = 1; id <= PageCount * PerPage; id++)
        {
            var record = await raw.GetLatestAsync(new StreamId("vendor", "items"), id.ToString(CultureInfo.InvariantCulture), Cancel);
            using var payload = JsonDocument.Parse(record!.Payload);
            Assert.Equal(Note(id), payload.RootElement.GetProperty("note").GetString());
        }
    }

    [Fact]
    public void Batch_options_out_of_range_fail_at_start_naming_each_option()
    {
        var services = new ServiceCollection();
        services.AddIngestion(ingestion => ingestion.UseInMemoryStores());
        services.Configure<SyncRunnerOptions>(options => (options.BatchRecords, options.BatchDelay) = (0, TimeSpan.FromSeconds(-1)));
        using var provider = services.BuildServiceProvider();

        var failure = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SyncRunnerOptions>>().Value);

        Assert.Contains(failure.Failures, f => f.StartsWith("Runner:BatchRecords must be between 1 and 100000 (was 0)", StringComparison.Ordinal));
        Assert.Contains(failure.Failures, f => f.StartsWith("Runner:BatchDelay must not be negative", StringComparison.Ordinal));
    }
}
