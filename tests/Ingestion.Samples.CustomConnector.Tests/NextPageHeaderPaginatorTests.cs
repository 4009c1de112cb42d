using Acme.Books.Ingestion.Internal;
using Ingestion;

namespace Acme.Books.Ingestion.Tests;

public sealed class NextPageHeaderPaginatorTests
{
    private static readonly PageRequest First = new(HttpMethod.Get, new Uri("http://127.0.0.1/v1/books/b-1/reviews"));

    [Fact]
    public void A_token_in_the_header_becomes_the_page_token_of_the_next_request()
    {
        using var response = new HttpResponseMessage();
        response.Headers.Add("Acme-Next-Page", "abc=1");

        var decision = NextPageHeaderPaginator.Instance.Next(First, new PageResponse(200, response.Headers, default, recordCount: 2));

        Assert.False(decision.IsStop);
        Assert.Equal("abc=1", decision.NextRequest!.GetQueryParameter("page_token"));
    }

    [Fact]
    public void No_header_ends_paging()
    {
        using var response = new HttpResponseMessage();

        var decision = NextPageHeaderPaginator.Instance.Next(First, new PageResponse(200, response.Headers, default, recordCount: 2));

        Assert.Equal(PageStopReason.NoNextPage, decision.StopReason);
    }

    [Fact]
    public void An_empty_page_ends_paging_even_with_a_token()
    {
        using var response = new HttpResponseMessage();
        response.Headers.Add("Acme-Next-Page", "2");

        var decision = NextPageHeaderPaginator.Instance.Next(First, new PageResponse(200, response.Headers, default, recordCount: 0));

        Assert.Equal(PageStopReason.EmptyPage, decision.StopReason);
    }

    [Fact]
    public void The_first_request_carries_no_token()
    {
        var prepared = NextPageHeaderPaginator.Instance.PrepareFirst(First.WithQueryParameter("page_token", "stale"));

        Assert.Null(prepared.GetQueryParameter("page_token"));
    }
}
