using System.Text;
using System.Text.Json;
using static Ingestion.Tests.Paging.PagingTestData;

namespace Ingestion.Tests.Paging;

public sealed class TokenPaginatorTests
{
    [Fact]
    public void Cursor_puts_the_token_into_the_query_parameter()
    {
        var paginator = Paginators.Cursor("$.meta.next_cursor", "cursor", hasMorePath: "$.meta.has_more");
        var first = paginator.PrepareFirst(Get("https://api.test/v1/products?limit=2"));
        var next = Continue(paginator.Next(first, Response("{\"meta\":{\"has_more\":true,\"next_cursor\":\"a b/c=\"}}", 2)));
        Assert.Equal("a b/c=", next.GetQueryParameter("cursor"));
        Assert.Equal("2", next.GetQueryParameter("limit"));
        var after = Continue(paginator.Next(next, Response("{\"meta\":{\"next_cursor\":\"d\"}}", 2)));
        Assert.Equal("d", after.GetQueryParameter("cursor"));
    }

    [Fact]
    public void Cursor_stops_when_the_has_more_flag_is_false() =>
        Stopped(PageStopReason.NoMoreFlag, Paginators.Cursor("$.next", "cursor", "$.has_more").Next(Get("https://api.test/x"), Response("{\"has_more\":false,\"next\":\"t\"}", 5)));

    [Theory]
    [InlineData("{\"next\":null}")]
    [InlineData("{\"next\":\"\"}")]
    [InlineData("{}")]
    public void Cursor_stops_without_a_token(string body) =>
        Stopped(PageStopReason.NoNextPage, Paginators.Cursor("$.next", "cursor").Next(Get("https://api.test/x"), Response(body, 5)));

    [Fact]
    public void Cursor_stops_on_an_empty_page_unless_told_otherwise()
    {
        Stopped(PageStopReason.EmptyPage, Paginators.Cursor("$.next", "cursor").Next(Get("https://api.test/x"), Response("{\"next\":\"t\"}", 0)));
        Continue(Paginators.Cursor("$.next", "cursor", stopOnEmptyPage: false).Next(Get("https://api.test/x"), Response("{\"next\":\"t\"}", 0)));
    }

    [Fact]
    public void Next_url_follows_an_absolute_odata_next_link()
    {
        var paginator = Paginators.NextUrl("$['@odata.nextLink']");
        var next = Continue(paginator.Next(
            Get("https://api.test/v1/People?$top=2"),
            Response("{\"@odata.nextLink\":\"https://other.test/v1/People?$skiptoken=abc\",\"value\":[1,2]}", 2)));
        Assert.Equal("https://other.test/v1/People?$skiptoken=abc", next.Uri.AbsoluteUri);
        Assert.Equal(HttpMethod.Get, next.Method);
    }

    [Theory]
    [InlineData("/v2/items?page=2", "https://api.test/v2/items?page=2")]
    [InlineData("items?page=2", "https://api.test/v1/items?page=2")]
    [InlineData("?page=2", "https://api.test/v1/list?page=2")]
    public void Next_url_resolves_relative_urls_against_the_request(string link, string expected)
    {
        var next = Continue(Paginators.NextUrl("$._links.next.href").Next(
            Get("https://api.test/v1/list?page=1"),
            Response($"{{\"_links\":{{\"next\":{{\"href\":\"{link}\"}}}}}}", 3)));
        Assert.Equal(expected, next.Uri.AbsoluteUri);
    }

    [Theory]
    [InlineData("{\"next\":null}")]
    [InlineData("{\"next\":\"  \"}")]
    [InlineData("{}")]
    [InlineData("{\"next\":\"mailto:someone@example.com\"}")]
    [InlineData("{\"next\":\"http://[bad\"}")]
    public void Next_url_stops_without_a_usable_url(string body) =>
        Stopped(PageStopReason.NoNextPage, Paginators.NextUrl("$.next").Next(Get("https://api.test/x"), Response(body, 3)));

    [Fact]
    public void Next_url_stops_on_an_empty_page() =>
        Stopped(PageStopReason.EmptyPage, Paginators.NextUrl("$.next").Next(Get("https://api.test/x"), Response("{\"next\":\"/p2\"}", 0)));

    [Fact]
    public void GraphQL_relay_rewrites_the_after_variable_and_keeps_the_rest()
    {
        var paginator = Paginators.GraphQLRelay("$.data.orderViewConnection.pageInfo");
        const string body = """{"query":"query($first:Int,$after:String){ orderViewConnection(first:$first, after:$after){ edges { node { orderId } } pageInfo { hasNextPage endCursor } } }","variables":{"first":50,"after":null,"filter":{"status":["A","B"]}},"operationName":"Orders"}""";
        var first = paginator.PrepareFirst(new PageRequest(HttpMethod.Post, new Uri("https://api.test/graphql"), Encoding.UTF8.GetBytes(body), "application/json"));
        var next = Continue(paginator.Next(first, Response(
            """{"data":{"orderViewConnection":{"edges":[{"node":{"orderId":"1"}}],"pageInfo":{"hasNextPage":true,"endCursor":"eyJpZHgiOjEwfQ=="}}}}""", 1)));

        using var document = JsonDocument.Parse(next.Body);
        var root = document.RootElement;
        Assert.Equal(JsonDocument.Parse(body).RootElement.GetProperty("query").GetString(), root.GetProperty("query").GetString());
        Assert.Equal("Orders", root.GetProperty("operationName").GetString());
        var variables = root.GetProperty("variables");
        Assert.Equal(50, variables.GetProperty("first").GetInt32());
        Assert.Equal("eyJpZHgiOjEwfQ==", variables.GetProperty("after").GetString());
        Assert.Equal(["A", "B"], variables.GetProperty("filter").GetProperty("status").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(3, variables.EnumerateObject().Count());
        Assert.Equal(HttpMethod.Post, next.Method);
        Assert.Equal("application/json", next.ContentType);
        Assert.Equal(first.Uri, next.Uri);

        // The cursor of the following page replaces the previous one.
        var third = Continue(paginator.Next(next, Response("""{"data":{"orderViewConnection":{"pageInfo":{"hasNextPage":true,"endCursor":"c2"}}}}""", 1)));
        using var thirdDocument = JsonDocument.Parse(third.Body);
        Assert.Equal("c2", thirdDocument.RootElement.GetProperty("variables").GetProperty("after").GetString());
        Assert.Single(thirdDocument.RootElement.GetProperty("variables").EnumerateObject(), p => p.Name == "after");
    }

    [Theory]
    [InlineData("""{"query":"q"}""")]
    [InlineData("""{"query":"q","variables":null}""")]
    public void GraphQL_relay_adds_variables_when_the_body_has_none(string body)
    {
        var paginator = Paginators.GraphQLRelay("$.data.c.pageInfo", variable: "cursor");
        var request = new PageRequest(HttpMethod.Post, new Uri("https://api.test/graphql"), Encoding.UTF8.GetBytes(body));
        var next = Continue(paginator.Next(paginator.PrepareFirst(request), Response("""{"data":{"c":{"pageInfo":{"hasNextPage":true,"endCursor":"x"}}}}""", 3)));
        using var document = JsonDocument.Parse(next.Body);
        Assert.Equal("q", document.RootElement.GetProperty("query").GetString());
        Assert.Equal("x", document.RootElement.GetProperty("variables").GetProperty("cursor").GetString());
    }

    [Fact]
    public void GraphQL_relay_stops_when_there_is_no_next_page()
    {
        var paginator = Paginators.GraphQLRelay("$.data.c.pageInfo");
        var request = new PageRequest(HttpMethod.Post, new Uri("https://api.test/graphql"), Encoding.UTF8.GetBytes("{\"query\":\"q\"}"));
        Stopped(PageStopReason.NoMoreFlag, paginator.Next(request, Response("""{"data":{"c":{"pageInfo":{"hasNextPage":false,"endCursor":"x"}}}}""", 3)));
        Stopped(PageStopReason.NoNextPage, paginator.Next(request, Response("""{"data":{"c":{"pageInfo":{"hasNextPage":true,"endCursor":null}}}}""", 3)));
        Stopped(PageStopReason.NoNextPage, paginator.Next(request, Response("""{"errors":[{"message":"boom"}]}""", 0)));
        Stopped(PageStopReason.EmptyPage, paginator.Next(request, Response("""{"data":{"c":{"pageInfo":{"hasNextPage":true,"endCursor":"x"}}}}""", 0)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("query { x }")]
    [InlineData("[1]")]
    public void GraphQL_relay_needs_a_json_object_body(string body)
    {
        var paginator = Paginators.GraphQLRelay("$.data.c.pageInfo");
        var request = new PageRequest(HttpMethod.Post, new Uri("https://api.test/graphql?key=secret"), Encoding.UTF8.GetBytes(body));
        var error = Assert.Throws<InvalidOperationException>(() => paginator.PrepareFirst(request));
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }
}
