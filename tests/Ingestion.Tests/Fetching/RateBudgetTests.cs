using System.Collections.Concurrent;
using System.Globalization;
using Ingestion.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using static Ingestion.Tests.Fetching.FetcherHarness;

namespace Ingestion.Tests.Fetching;

public sealed class RateBudgetTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static Task<TestHttpServer> EndlessPages(ConcurrentQueue<DateTimeOffset>? arrivals = null, TimeProvider? time = null, Func<int, (string, string)[]>? headers = null) =>
        TestHttpServer.StartAsync(app => app.MapGet("/items", context =>
        {
            if (time is not null)
            {
                arrivals?.Enqueue(time.GetUtcNow());
            }

            var page = int.Parse(context.Request.Query["page"].FirstOrDefault() ?? "1", CultureInfo.InvariantCulture);
            return TestHttp.WriteJsonAsync(context, Page(page, 1), 200, headers?.Invoke(page) ?? []);
        }));

    [Fact]
    public async Task A_spent_budget_ends_the_fetch_as_budget_exhausted_with_the_request_to_resume_from()
    {
        await using var harness = new FetcherHarness();
        await using var server = await EndlessPages();
        var stream = Stream(paginator: new PageParameterPaginator());
        var source = Source(server.BaseAddress, stream, budget: new RateBudget { PerMinute = 2, MaxWait = TimeSpan.FromSeconds(1) });
        var start = harness.Time.GetUtcNow();

        var pages = await harness.FetchAllAsync(source, stream, new PageRequest(HttpMethod.Get, server.Url("items?page=1")), cancellationToken: Token);

        Assert.Equal(3, pages.Count);
        Assert.Equal(2, server.RequestCount);
        var last = pages[2].Page;
        Assert.Equal(FetchStatus.BudgetExhausted, last.Outcome.Status);
        Assert.Equal(PageStopReason.BudgetExhausted, last.StopReason);
        Assert.Equal(pages[1].Page.NextRequest, last.Request);
        Assert.Equal("3", PageRequest.FromCheckpoint(last.Request.ToCheckpoint()).GetQueryParameter("page"));
        Assert.Contains(last.Issues, i => i.Kind == IssueKind.BudgetExhausted);
        Assert.True(last.Outcome.IsRetryable);
        Assert.Equal(start, harness.Time.GetUtcNow());
    }

    [Fact]
    public async Task A_budget_within_its_maximum_wait_spaces_requests_on_the_clock()
    {
        await using var harness = new FetcherHarness();
        var arrivals = new ConcurrentQueue<DateTimeOffset>();
        await using var server = await EndlessPages(arrivals, harness.Time);
        var stream = Stream(paginator: new PageParameterPaginator(), limits: new PagingLimits { MaxPages = 4 });
        var source = Source(server.BaseAddress, stream, budget: new RateBudget { PerSecond = 1, MaxWait = TimeSpan.FromSeconds(10) });

        var pages = await harness.FetchAllAsync(source, stream, new PageRequest(HttpMethod.Get, server.Url("items?page=1")), cancellationToken: Token);

        Assert.Equal(4, pages.Count);
        Assert.All(pages, p => Assert.True(p.Outcome.IsSuccess));
        var times = arrivals.ToArray();
        for (var i = 1; i < times.Length; i++)
        {
            Assert.True(times[i] - times[i - 1] >= TimeSpan.FromSeconds(1) - TimeSpan.FromMilliseconds(1), $"request {i + 1} came {times[i] - times[i - 1]} after the previous one");
        }
    }

    [Fact]
    public async Task The_budget_learns_a_spent_window_from_headers_and_shares_it_across_streams()
    {
        await using var harness = new FetcherHarness();
        var resetAt = harness.Time.GetUtcNow() + TimeSpan.FromMinutes(5);
        await using var server = await EndlessPages(headers: _ => [("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", resetAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture))]);
        var stream = Stream(paginator: new PageParameterPaginator());
        var other = Stream(path: "items?other=1");
        var source = Source(server.BaseAddress, stream, budget: new RateBudget { PerHour = 1000, MaxWait = TimeSpan.FromSeconds(30) });

        var pages = await harness.FetchAllAsync(source, stream, new PageRequest(HttpMethod.Get, server.Url("items?page=1")), cancellationToken: Token);
        var otherStream = Assert.Single(await harness.FetchAllAsync(source, other, cancellationToken: Token));

        Assert.Equal(2, pages.Count);
        Assert.Equal(FetchStatus.BudgetExhausted, pages[1].Outcome.Status);
        Assert.Equal(FetchStatus.BudgetExhausted, otherStream.Outcome.Status);
        Assert.Equal(1, server.RequestCount);
    }
}
