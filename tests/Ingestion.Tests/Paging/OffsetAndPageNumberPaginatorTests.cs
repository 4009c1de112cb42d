using static Ingestion.Tests.Paging.PagingTestData;

namespace Ingestion.Tests.Paging;

public sealed class OffsetAndPageNumberPaginatorTests
{
    [Fact]
    public void Offset_limit_adds_the_first_page_and_advances_by_the_records_received()
    {
        var paginator = Paginators.OffsetLimit("$skip", "$top", 3);
        var first = paginator.PrepareFirst(Get("https://api.test/v1/TimeEntries?$filter=x"));
        Assert.Equal("0", first.GetQueryParameter("$skip"));
        Assert.Equal("3", first.GetQueryParameter("$top"));
        Assert.Equal("x", first.GetQueryParameter("$filter"));

        var second = Continue(paginator.Next(first, Response("[1,2,3]", 3)));
        Assert.Equal("3", second.GetQueryParameter("$skip"));
        Assert.Equal("3", second.GetQueryParameter("$top"));
        var third = Continue(paginator.Next(second, Response("[4,5,6]", 3)));
        Assert.Equal("6", third.GetQueryParameter("$skip"));
    }

    [Fact]
    public void Offset_limit_keeps_a_starting_offset_already_in_the_request() =>
        Assert.Equal("40", Paginators.OffsetLimit("offset", "limit", 10).PrepareFirst(Get("https://api.test/x?offset=40")).GetQueryParameter("offset"));

    [Fact]
    public void Offset_limit_stops_on_a_short_page() =>
        Stopped(PageStopReason.ShortPage, Paginators.OffsetLimit("offset", "limit", 3).Next(Get("https://api.test/x?offset=3&limit=3"), Response("[1,2]", 2)));

    [Fact]
    public void Offset_limit_stops_on_an_empty_page() =>
        Stopped(PageStopReason.EmptyPage, Paginators.OffsetLimit("offset", "limit", 3).Next(Get("https://api.test/x?offset=3&limit=3"), Response("[]", 0)));

    [Fact]
    public void Offset_limit_stops_when_the_total_is_reached()
    {
        var paginator = Paginators.OffsetLimit("offset", "limit", 2, totalPath: "$['@odata.count']");
        var request = Continue(paginator.Next(Get("https://api.test/x?offset=0&limit=2"), Response("{\"@odata.count\":4}", 2)));
        Stopped(PageStopReason.TotalReached, paginator.Next(request, Response("{\"@odata.count\":4}", 2)));
    }

    [Fact]
    public void Offset_limit_follows_the_total_past_a_page_the_api_capped()
    {
        // The API returned 2 of the 5 asked for; the total says more remain, so paging goes on from offset 2.
        var paginator = Paginators.OffsetLimit("offset", "limit", 5, totalPath: "$.total");
        var next = Continue(paginator.Next(Get("https://api.test/x?offset=0&limit=5"), Response("{\"total\":6}", 2)));
        Assert.Equal("2", next.GetQueryParameter("offset"));
    }

    [Fact]
    public void Offset_limit_falls_back_to_the_short_page_rule_when_the_total_is_missing() =>
        Stopped(PageStopReason.ShortPage, Paginators.OffsetLimit("offset", "limit", 5, totalPath: "$.total").Next(Get("https://api.test/x?offset=0"), Response("{}", 2)));

    [Fact]
    public void Page_number_counts_pages_from_one_and_stops_at_the_total_pages()
    {
        var paginator = Paginators.PageNumber("page", "per_page", 2, firstPage: 1, totalPagesPath: "$.pages");
        var first = paginator.PrepareFirst(Get("https://api.test/v4/1/employees"));
        Assert.Equal("1", first.GetQueryParameter("page"));
        Assert.Equal("2", first.GetQueryParameter("per_page"));
        var second = Continue(paginator.Next(first, Response("{\"pages\":2}", 2)));
        Assert.Equal("2", second.GetQueryParameter("page"));
        Stopped(PageStopReason.TotalReached, paginator.Next(second, Response("{\"pages\":2}", 2)));
    }

    [Fact]
    public void Page_number_counts_pages_from_zero()
    {
        var paginator = Paginators.PageNumber("page", "size", 2, firstPage: 0, totalPagesPath: "$.totalPages");
        var first = paginator.PrepareFirst(Get("https://api.test/x"));
        Assert.Equal("0", first.GetQueryParameter("page"));
        var second = Continue(paginator.Next(first, Response("{\"totalPages\":2}", 2)));
        Assert.Equal("1", second.GetQueryParameter("page"));
        Stopped(PageStopReason.TotalReached, paginator.Next(second, Response("{\"totalPages\":2}", 2)));
    }

    [Fact]
    public void Page_number_stops_when_the_total_count_is_reached()
    {
        var paginator = Paginators.PageNumber("page", "per_page", 2, totalCountPath: "$.total");
        var second = Continue(paginator.Next(paginator.PrepareFirst(Get("https://api.test/x")), Response("{\"total\":3}", 2)));
        Stopped(PageStopReason.TotalReached, paginator.Next(second, Response("{\"total\":3}", 1)));
    }

    [Fact]
    public void Page_number_counts_the_records_received_when_the_api_caps_pages()
    {
        // Asked for 5 per page, the API sends 2: the total of 6 is reached after three pages, not two.
        var paginator = Paginators.PageNumber("page", "per_page", 5, totalCountPath: "$.total");
        var request = paginator.PrepareFirst(Get("https://api.test/x"));
        request = Continue(paginator.Next(request, Response("{\"total\":6}", 2)));
        request = Continue(paginator.Next(request, Response("{\"total\":6}", 2)));
        Assert.Equal("3", request.GetQueryParameter("page"));
        Stopped(PageStopReason.TotalReached, paginator.Next(request, Response("{\"total\":6}", 2)));
    }

    [Fact]
    public void Page_number_stops_on_a_short_page_without_totals() =>
        Stopped(PageStopReason.ShortPage, Paginators.PageNumber("page", null, 10).Next(Get("https://api.test/x?page=4"), Response("[]", 9)));

    [Fact]
    public void Page_number_stops_on_an_empty_page() =>
        Stopped(PageStopReason.EmptyPage, Paginators.PageNumber("page", "per_page", 10, totalPagesPath: "$.pages").Next(Get("https://api.test/x?page=2"), Response("{\"pages\":9}", 0)));

    [Fact]
    public void Page_number_without_a_size_parameter_sends_only_the_page()
    {
        var first = Paginators.PageNumber("page", null, 10).PrepareFirst(Get("https://api.test/x"));
        Assert.Equal("https://api.test/x?page=1", first.Uri.AbsoluteUri);
    }

    [Fact]
    public void Factories_reject_bad_arguments_naming_them()
    {
        Assert.Equal("pageSize", Assert.Throws<ArgumentOutOfRangeException>(() => Paginators.OffsetLimit("o", "l", 0)).ParamName);
        Assert.Equal("offsetParameter", Assert.Throws<ArgumentException>(() => Paginators.OffsetLimit(" ", "l", 1)).ParamName);
        Assert.Equal("limitParameter", Assert.Throws<ArgumentException>(() => Paginators.OffsetLimit("o", "", 1)).ParamName);
        Assert.Equal("totalPath", Assert.Throws<ArgumentException>(() => Paginators.OffsetLimit("o", "l", 1, "$..x")).ParamName);
        Assert.Equal("pageSize", Assert.Throws<ArgumentOutOfRangeException>(() => Paginators.PageNumber("p", "s", -1)).ParamName);
        Assert.Equal("firstPage", Assert.Throws<ArgumentOutOfRangeException>(() => Paginators.PageNumber("p", "s", 10, firstPage: 2)).ParamName);
        Assert.Equal("sizeParameter", Assert.Throws<ArgumentException>(() => Paginators.PageNumber("p", "", 10)).ParamName);
        Assert.Equal("totalCountPath", Assert.Throws<ArgumentException>(() => Paginators.PageNumber("p", "s", 10, totalCountPath: "$[")).ParamName);
        Assert.Equal("tokenPath", Assert.Throws<ArgumentException>(() => Paginators.Cursor("", "cursor")).ParamName);
        Assert.Equal("parameter", Assert.Throws<ArgumentException>(() => Paginators.Cursor("$.next", "")).ParamName);
        Assert.Equal("urlPath", Assert.Throws<ArgumentException>(() => Paginators.NextUrl("$.a[*]")).ParamName);
        Assert.Equal("pageInfoPath", Assert.Throws<ArgumentException>(() => Paginators.GraphQLRelay(" ")).ParamName);
        Assert.Equal("variable", Assert.Throws<ArgumentException>(() => Paginators.GraphQLRelay("$.data.x.pageInfo", "")).ParamName);
    }

    [Fact]
    public void None_stops_after_one_page() =>
        Stopped(PageStopReason.SinglePage, Paginators.None().Next(Get("https://api.test/x"), Response("[1]", 1)));
}
