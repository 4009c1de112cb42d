using System.Collections.Concurrent;
using Ingestion.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using static Ingestion.Tests.Fetching.FetcherHarness;

namespace Ingestion.Tests.Fetching;

/// <summary>Statuses and empty bodies a stream declares as "no data", and request budgets of streams.</summary>
public sealed class NoDataAndStreamBudgetTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static Task<TestHttpServer> Answering(int status, string body, ConcurrentQueue<DateTimeOffset>? arrivals = null, TimeProvider? time = null) =>
        TestHttpServer.StartAsync(app => app.MapGet("/items", async context =>
        {
            if (time is not null)
            {
                arrivals?.Enqueue(time.GetUtcNow());
            }

            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            var page = context.Request.Query["page"].FirstOrDefault();
            await context.Response.WriteAsync(page is null ? body : Page(int.Parse(page, System.Globalization.CultureInfo.InvariantCulture), 1), context.RequestAborted);
        }));

    [Fact]
    public async Task A_status_the_stream_declares_as_no_data_is_an_empty_complete_page_and_other_streams_still_fail_on_it()
    {
        await using var harness = new FetcherHarness();
        await using var server = await Answering(404, """{"message":"Not Found"}""");
        var declared = new StreamDefinition { Name = "children", Path = "items", Records = new DataArraySelector(), NoDataStatusCodes = new HashSet<int> { 404 } };
        var plain = Stream();

        var noData = Assert.Single(await harness.FetchAllAsync(Source(server.BaseAddress, declared), declared, parentKey: "parent-1", cancellationToken: Token));
        var failed = Assert.Single(await harness.FetchAllAsync(Source(server.BaseAddress, plain), plain, cancellationToken: Token));

        Assert.Equal(FetchStatus.Success, noData.Outcome.Status);
        Assert.Equal(404, noData.Outcome.HttpStatusCode);
        Assert.Empty(noData.Records);
        Assert.Equal(PageStopReason.EmptyPage, noData.Page.StopReason);
        Assert.Empty(noData.Page.Issues);
        Assert.Equal(FetchStatus.NotFound, failed.Outcome.Status);
        Assert.Equal(2, server.RequestCount); // a 404 is never retried
    }

    [Fact]
    public async Task An_empty_body_is_no_data_only_for_a_stream_that_says_so()
    {
        await using var harness = new FetcherHarness();
        await using var server = await Answering(200, string.Empty);
        var declared = new StreamDefinition { Name = "children", Path = "items", Records = new DataArraySelector(), EmptyBodyMeansNoData = true };
        var plain = Stream();

        var noData = Assert.Single(await harness.FetchAllAsync(Source(server.BaseAddress, declared), declared, cancellationToken: Token));
        var empty = Assert.Single(await harness.FetchAllAsync(Source(server.BaseAddress, plain), plain, cancellationToken: Token));

        Assert.Equal(FetchStatus.Success, noData.Outcome.Status);
        Assert.Empty(noData.Records);
        Assert.Equal(PageStopReason.EmptyPage, noData.Page.StopReason);
        Assert.Equal(FetchStatus.Empty, empty.Outcome.Status);
    }

    [Fact]
    public async Task Streams_given_one_budget_instance_share_it_and_a_stream_with_its_own_does_not()
    {
        await using var harness = new FetcherHarness();
        await using var server = await Answering(200, Page(1, 1));
        var shared = new RateBudget { PerHour = 2, MaxWait = TimeSpan.FromSeconds(1) };
        var first = StreamWith("first", shared);
        var second = StreamWith("second", shared);
        var own = StreamWith("own", new RateBudget { PerHour = 2, MaxWait = TimeSpan.FromSeconds(1) });
        var source = new SourceDefinition { Name = "vendor", BaseAddress = server.BaseAddress, Resilience = FastRetries(), Streams = [first, second, own] };

        var results = new List<PageCopy>();
        foreach (var stream in new[] { first, second, second, own, own })
        {
            results.Add(Assert.Single(await harness.FetchAllAsync(source, stream, cancellationToken: Token)));
        }

        Assert.Equal(
            [FetchStatus.Success, FetchStatus.Success, FetchStatus.BudgetExhausted, FetchStatus.Success, FetchStatus.Success],
            results.Select(r => r.Outcome.Status));
        Assert.Equal(4, server.RequestCount);
    }

    [Fact]
    public async Task A_budget_never_lets_more_than_its_limit_into_a_fixed_window_of_the_server()
    {
        // A token bucket of 2 a second sends 2 at once, then one every half second: 3 in the server's first second.
        await using var harness = new FetcherHarness();
        var arrivals = new ConcurrentQueue<DateTimeOffset>();
        await using var server = await Answering(200, Page(1, 1), arrivals, harness.Time);
        var stream = Stream(paginator: new PageParameterPaginator(), limits: new PagingLimits { MaxPages = 7 });
        var source = Source(server.BaseAddress, stream, budget: new RateBudget { PerSecond = 2, MaxWait = TimeSpan.FromSeconds(10) });

        var pages = await harness.FetchAllAsync(source, stream, new PageRequest(HttpMethod.Get, server.Url("items?page=1")), cancellationToken: Token);

        Assert.Equal(7, pages.Count);
        Assert.All(pages, p => Assert.True(p.Outcome.IsSuccess));
        var perSecond = arrivals.GroupBy(t => t.ToUnixTimeMilliseconds() / 1000).Select(g => g.Count()).ToList();
        Assert.All(perSecond, count => Assert.True(count <= 2, $"{count} requests in one second: {string.Join(", ", arrivals.Select(a => a.ToString("ss.fff", System.Globalization.CultureInfo.InvariantCulture)))}"));
    }

    private static StreamDefinition StreamWith(string name, RateBudget budget) =>
        new() { Name = name, Path = "items", Records = new DataArraySelector(), RateBudget = budget };
}
