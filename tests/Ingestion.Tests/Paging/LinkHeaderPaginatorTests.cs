using static Ingestion.Tests.Paging.PagingTestData;

namespace Ingestion.Tests.Paging;

public sealed class LinkHeaderPaginatorTests
{
    private static readonly PageRequest Request = Get("https://api.test/repos/o/r/issues?per_page=2&page=1");

    private static PageDecision Next(params string[] linkHeaders) =>
        Paginators.LinkHeader().Next(Request, Response("[1,2]", 2, [.. linkHeaders.Select(h => ("Link", h))]));

    [Fact]
    public void Follows_rel_next_among_several_links_in_one_header()
    {
        var next = Continue(Next("<https://api.test/repos/o/r/issues?page=1>; rel=\"prev\", <https://api.test/repos/o/r/issues?per_page=2&page=2>; rel=\"next\", <https://api.test/repos/o/r/issues?page=9>; rel=\"last\""));
        Assert.Equal("https://api.test/repos/o/r/issues?per_page=2&page=2", next.Uri.AbsoluteUri);
    }

    [Fact]
    public void Follows_rel_next_across_several_headers()
    {
        var next = Continue(Next("<https://api.test/a?page=1>; rel=first", "<https://api.test/a?page=3>; rel=next"));
        Assert.Equal("https://api.test/a?page=3", next.Uri.AbsoluteUri);
    }

    [Theory]
    [InlineData("<https://api.test/n>; rel=next", "https://api.test/n")]
    [InlineData("<https://api.test/n>;rel=\"next last\"", "https://api.test/n")]
    [InlineData("<https://api.test/n>; title=\"a, b; rel=next\"; REL=\"Next\"", "https://api.test/n")]
    [InlineData("<https://api.test/n?a=1,2>; rel=\"last next\"; type=\"text/html\"", "https://api.test/n?a=1,2")]
    [InlineData("<https://api.test/p>; rel=prev, , <https://api.test/n>; rel=next;", "https://api.test/n")]
    [InlineData("<https://api.test/n>; rel=\"next\", <https://api.test/later>; rel=\"next\"", "https://api.test/n")]
    [InlineData("<https://api.test/n>; title*=UTF-8'de'n%c3%a4chstes; rel=next", "https://api.test/n")]
    public void Reads_quoted_unquoted_and_listed_relations(string header, string expected) =>
        Assert.Equal(expected, Continue(Next(header)).Uri.AbsoluteUri);

    [Theory]
    [InlineData("</repos/o/r/issues?page=2>; rel=\"next\"", "https://api.test/repos/o/r/issues?page=2")]
    [InlineData("<issues?page=2>; rel=\"next\"", "https://api.test/repos/o/r/issues?page=2")]
    [InlineData("<?page=2>; rel=\"next\"", "https://api.test/repos/o/r/issues?page=2")]
    public void Resolves_relative_targets_against_the_request(string header, string expected) =>
        Assert.Equal(expected, Continue(Next(header)).Uri.AbsoluteUri);

    [Theory]
    [InlineData("<https://api.test/p>; rel=\"prev\", <https://api.test/l>; rel=\"last\"")]
    [InlineData("<https://api.test/n>; rel=\"nextpage\"")]
    [InlineData("<https://api.test/n>; rel=prev; rel=next")]
    public void Stops_when_no_link_is_rel_next(string header) => Stopped(PageStopReason.NoNextPage, Next(header));

    [Fact]
    public void Stops_without_a_link_header() => Stopped(PageStopReason.NoNextPage, Next());

    [Theory]
    [InlineData("https://api.test/n; rel=next")]
    [InlineData("<https://api.test/n; rel=next")]
    [InlineData("<https://api.test/n>; rel=\"next")]
    [InlineData("<https://api.test/n> rel=next")]
    [InlineData("<https://api.test/n>; rel=")]
    [InlineData("<https://api.test/n>; =next")]
    [InlineData("<https://api.test/n>; rel=next, garbage")]
    [InlineData("<mailto:x@y.z>; rel=next")]
    [InlineData("<http://[::1>; rel=next")]
    public void Stops_on_a_malformed_link_header_without_throwing(string header) => Stopped(PageStopReason.NoNextPage, Next(header));

    [Fact]
    public void A_malformed_header_among_several_stops_paging() =>
        Stopped(PageStopReason.NoNextPage, Next("<https://api.test/n>; rel=next", "<broken"));

    [Fact]
    public void Stops_on_an_empty_page() =>
        Stopped(PageStopReason.EmptyPage, Paginators.LinkHeader().Next(Request, Response("[]", 0, ("Link", "<https://api.test/n>; rel=next"))));

    [Fact]
    public void Keeps_the_method_and_body_of_the_request()
    {
        var post = new PageRequest(HttpMethod.Post, new Uri("https://api.test/search"), "{\"q\":1}"u8.ToArray(), "application/json");
        var next = Continue(Paginators.LinkHeader().Next(post, Response("[1]", 1, ("Link", "</search?page=2>; rel=next"))));
        Assert.Equal(HttpMethod.Post, next.Method);
        Assert.Equal("{\"q\":1}"u8.ToArray(), next.Body.ToArray());
    }
}
