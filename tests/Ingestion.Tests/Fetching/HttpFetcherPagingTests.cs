using System.Collections.Concurrent;
using System.Globalization;
using Ingestion.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using static Ingestion.Tests.Fetching.FetcherHarness;

namespace Ingestion.Tests.Fetching;

public sealed class HttpFetcherPagingTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static Task<TestHttpServer> NumberedPages(int lastPage, int perPage, Func<int, string?>? next = null) =>
        TestHttpServer.StartAsync(app => app.MapGet("/items", context =>
        {
            var page = int.Parse(context.Request.Query["page"].FirstOrDefault() ?? "1", CultureInfo.InvariantCulture);
            return TestHttp.WriteJsonAsync(context, Page(page, page > lastPage ? 0 : perPage, next?.Invoke(page)));
        }));

    [Fact]
    public async Task Pages_are_followed_until_the_paginator_stops_with_keys_from_the_key_path()
    {
        await using var harness = new FetcherHarness();
        await using var server = await NumberedPages(lastPage: 3, perPage: 2, next: page => page < 3 ? $"items?page={page + 1}" : null);
        var stream = Stream(paginator: new NextLinkPaginator());

        var pages = await harness.FetchAllAsync(Source(server.BaseAddress, stream), stream, cancellationToken: Token);

        Assert.Equal([1, 2, 3], pages.Select(p => p.Page.PageNumber));
        Assert.Equal(["p1-0", "p1-1", "p2-0", "p2-1", "p3-0", "p3-1"], pages.SelectMany(p => p.Records).Select(r => r.Key));
        Assert.Equal("{\"id\":\"p2-1\",\"name\":\"record 1\"}", pages[1].Records[1].Json);
        Assert.Equal(server.Url("items?page=2"), pages[0].Page.NextRequest!.Uri);
        Assert.Equal(pages[0].Page.NextRequest, pages[1].Page.Request);
        Assert.Equal(PageStopReason.None, pages[1].Page.StopReason);
        Assert.Equal(PageStopReason.NoNextPage, pages[2].Page.StopReason);
        Assert.Null(pages[2].Page.NextRequest);
        Assert.All(pages, p => Assert.Empty(p.Page.Issues));
    }

    [Fact]
    public async Task A_next_link_that_repeats_an_earlier_request_stops_paging_as_a_cycle()
    {
        await using var harness = new FetcherHarness();
        await using var server = await NumberedPages(lastPage: 100, perPage: 2, next: page => "items?page=2");
        var stream = Stream(paginator: new NextLinkPaginator());

        var pages = await harness.FetchAllAsync(Source(server.BaseAddress, stream), stream, cancellationToken: Token);

        Assert.Equal(2, pages.Count);
        Assert.Equal(2, server.RequestCount);
        Assert.Equal(PageStopReason.Cycle, pages[1].Page.StopReason);
        Assert.Null(pages[1].Page.NextRequest);
        var issue = Assert.Single(pages[1].Page.Issues);
        Assert.Equal(IssueKind.PagingCycle, issue.Kind);
        Assert.Contains("repeats an earlier request", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_page_identical_to_the_previous_one_stops_paging_as_a_cycle()
    {
        await using var harness = new FetcherHarness();

        // The API ignores the page parameter and returns the first page again and again.
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", context => TestHttp.WriteJsonAsync(context, Page(1, 3))));
        var stream = Stream(paginator: new PageParameterPaginator());

        var pages = await harness.FetchAllAsync(Source(server.BaseAddress, stream), stream, new PageRequest(HttpMethod.Get, server.Url("items?page=1")), cancellationToken: Token);

        Assert.Equal(2, pages.Count);
        Assert.Equal(2, server.RequestCount);
        Assert.Equal(PageStopReason.Cycle, pages[1].Page.StopReason);
        Assert.Contains(pages[1].Page.Issues, i => i.Kind == IssueKind.PagingCycle && i.Message.Contains("identical", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MaxPages_bounds_endless_paging_with_an_issue()
    {
        await using var harness = new FetcherHarness();
        await using var server = await NumberedPages(lastPage: int.MaxValue, perPage: 1);
        var stream = Stream(paginator: new PageParameterPaginator(), limits: new PagingLimits { MaxPages = 3 });

        var pages = await harness.FetchAllAsync(Source(server.BaseAddress, stream), stream, new PageRequest(HttpMethod.Get, server.Url("items?page=1")), cancellationToken: Token);

        Assert.Equal(3, pages.Count);
        Assert.Equal(3, server.RequestCount);
        Assert.Equal(PageStopReason.MaxPages, pages[2].Page.StopReason);
        Assert.Contains(pages[2].Page.Issues, i => i.Kind == IssueKind.MaxPagesReached);
    }

    [Fact]
    public async Task MaxRecords_keeps_what_fits_and_stops_with_an_issue()
    {
        await using var harness = new FetcherHarness();
        await using var server = await NumberedPages(lastPage: 10, perPage: 4);
        var stream = Stream(paginator: new PageParameterPaginator(), limits: new PagingLimits { MaxRecords = 10 });

        var pages = await harness.FetchAllAsync(Source(server.BaseAddress, stream), stream, new PageRequest(HttpMethod.Get, server.Url("items?page=1")), cancellationToken: Token);

        Assert.Equal([4, 4, 2], pages.Select(p => p.Records.Count));
        Assert.Equal(PageStopReason.MaxRecords, pages[2].Page.StopReason);
        Assert.Contains(pages[2].Page.Issues, i => i.Kind == IssueKind.MaxRecordsReached);
        Assert.Equal(3, server.RequestCount);
    }

    [Fact]
    public async Task A_last_page_with_exactly_the_silent_truncation_cap_is_flagged()
    {
        await using var harness = new FetcherHarness();
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", context => TestHttp.WriteJsonAsync(context, Page(1, 50))));
        var capped = Stream(limits: new PagingLimits { SilentTruncationCap = 50 });
        var roomy = Stream(limits: new PagingLimits { SilentTruncationCap = 51 });

        var flagged = Assert.Single(await harness.FetchAllAsync(Source(server.BaseAddress, capped), capped, cancellationToken: Token));
        var clean = Assert.Single(await harness.FetchAllAsync(Source(server.BaseAddress, roomy), roomy, cancellationToken: Token));

        Assert.Contains(flagged.Page.Issues, i => i.Kind == IssueKind.SuspiciousTruncation);
        Assert.Equal(50, flagged.Records.Count);
        Assert.DoesNotContain(clean.Page.Issues, i => i.Kind == IssueKind.SuspiciousTruncation);
    }

    [Fact]
    public async Task A_record_without_a_key_is_skipped_and_reported()
    {
        await using var harness = new FetcherHarness();
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", context =>
            TestHttp.WriteJsonAsync(context, "{\"data\":[{\"id\":\"a\"},{\"name\":\"no key\"},{\"id\":7}]}")));

        var page = Assert.Single(await harness.FetchAllAsync(Source(server.BaseAddress, Stream()), Stream(), cancellationToken: Token));

        Assert.Equal(["a", "7"], page.Records.Select(r => r.Key));
        var issue = Assert.Single(page.Page.Issues);
        Assert.Equal(IssueKind.MissingKey, issue.Kind);
        Assert.Contains("Record 2 of page 1", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_key_path_records_take_the_parent_key()
    {
        await using var harness = new FetcherHarness();
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", context => TestHttp.WriteJsonAsync(context, "{\"data\":[{\"salary\":100}]}")));
        var stream = Stream(keyPath: null);

        var page = Assert.Single(await harness.FetchAllAsync(Source(server.BaseAddress, stream), stream, parentKey: "employee-9", cancellationToken: Token));

        Assert.Equal("employee-9", Assert.Single(page.Records).Key);
    }

    [Fact]
    public async Task The_delay_between_requests_runs_on_the_clock()
    {
        await using var harness = new FetcherHarness();
        var arrivals = new ConcurrentQueue<DateTimeOffset>();
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", context =>
        {
            arrivals.Enqueue(harness.Time.GetUtcNow());
            var page = int.Parse(context.Request.Query["page"].FirstOrDefault() ?? "1", CultureInfo.InvariantCulture);
            return TestHttp.WriteJsonAsync(context, Page(page, page > 2 ? 0 : 1));
        }));
        var stream = Stream(paginator: new PageParameterPaginator(), limits: new PagingLimits { DelayBetweenRequests = TimeSpan.FromSeconds(3) });

        var pages = await harness.FetchAllAsync(Source(server.BaseAddress, stream), stream, new PageRequest(HttpMethod.Get, server.Url("items?page=1")), cancellationToken: Token);

        Assert.Equal(3, pages.Count);
        var times = arrivals.ToArray();
        Assert.True(times[1] - times[0] >= TimeSpan.FromSeconds(3));
        Assert.True(times[2] - times[1] >= TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task A_failed_page_ends_the_sequence_with_its_request_for_a_retry()
    {
        await using var harness = new FetcherHarness();
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/items", context =>
        {
            var page = int.Parse(context.Request.Query["page"].FirstOrDefault() ?? "1", CultureInfo.InvariantCulture);
            return page == 2 ? TestHttp.WriteJsonAsync(context, "{}", 404) : TestHttp.WriteJsonAsync(context, Page(page, 1));
        }));
        var stream = Stream(paginator: new PageParameterPaginator());

        var pages = await harness.FetchAllAsync(Source(server.BaseAddress, stream), stream, new PageRequest(HttpMethod.Get, server.Url("items?page=1")), cancellationToken: Token);

        Assert.Equal(2, pages.Count);
        Assert.Equal(FetchStatus.NotFound, pages[1].Outcome.Status);
        Assert.Equal(PageStopReason.Failed, pages[1].Page.StopReason);
        Assert.Equal("2", pages[1].Page.Request.GetQueryParameter("page"));
        Assert.Empty(pages[1].Records);
    }
}
