namespace Ingestion.Tests.Paging;

public sealed class PageRequestQueryTests
{
    [Theory]
    [InlineData("http://example.com/items")]
    [InlineData("http://example.com:80/items?x=1")]
    [InlineData("https://example.com:443/a/b/?page=3&size=10#frag")]
    [InlineData("http://[::1]:8080/p?q=a+b&page=1")]
    [InlineData("http://user:pw@host.example/x%20y?k=%C3%A9")]
    [InlineData("https://münchen.example/straße?a=1")]
    [InlineData("http://example.com/?")]
    [InlineData("http://example.com/a/../b/./c?page=2&&page=3")]
    [InlineData("https://api.example.com/v1/items?filter[name]=x&p%61ge=2#top")]
    public void Setting_a_query_parameter_gives_the_uri_UriBuilder_gives_page_after_page(string start)
    {
        var request = new PageRequest(HttpMethod.Get, new Uri(start));
        for (var page = 1; page <= 4; page++)
        {
            var next = page == 3 ? request.WithQueryParameter("x", null) : request.WithPagingState("s").WithQueryParameter("page", page.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var query = next.Uri.Query.Length > 0 ? next.Uri.Query[1..] : string.Empty;
            var expected = new UriBuilder(request.Uri) { Query = query }.Uri;
            Assert.Equal(expected.OriginalString, next.Uri.OriginalString);
            Assert.Equal(expected.AbsoluteUri, next.Uri.AbsoluteUri);
            request = next;
        }

        Assert.Equal("4", request.GetQueryParameter("page"));
        Assert.Equal("s", request.PagingState);
    }

    [Fact]
    public void Existing_parameters_are_unescaped_matched_and_escaped_again()
    {
        var request = new PageRequest(HttpMethod.Get, new Uri("https://api.test/x?q=a+b&p%61ge=7&&flag&name=%C3%A9t%C3%A9"));
        Assert.Equal("a b", request.GetQueryParameter("q"));
        Assert.Equal("7", request.GetQueryParameter("page"));
        Assert.Equal(string.Empty, request.GetQueryParameter("flag"));
        Assert.Equal("été", request.GetQueryParameter("name"));
        Assert.Null(request.GetQueryParameter("missing"));

        // The escaped name is the same parameter: it is replaced, and the others are written back escaped.
        var next = request.WithQueryParameter("page", "8");
        Assert.Equal("?q=a%20b&flag=&name=%C3%A9t%C3%A9&page=8", next.Uri.Query);
        Assert.Equal(["q", "flag", "name", "page"], next.QueryParameters().Select(p => p.Key));
    }
}
