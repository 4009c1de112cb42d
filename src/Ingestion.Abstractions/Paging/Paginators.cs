namespace Ingestion;

/// <summary>
/// Creates the standard paginators. Each is stateless and thread-safe; whatever must travel from page to page
/// travels in the request (its query, body or <see cref="PageRequest.PagingState"/>). Anything else is one
/// <see cref="IPaginator"/> implementation away.
/// </summary>
public static partial class Paginators
{
    /// <summary>A single request; no paging.</summary>
    /// <returns>The paginator.</returns>
    public static IPaginator None() => NonePaginator.Instance;

    /// <summary>Offset/limit paging; see <see cref="OffsetLimitPaginator"/>.</summary>
    /// <param name="offsetParameter">The query parameter of the offset (for example <c>offset</c> or <c>$skip</c>).</param>
    /// <param name="limitParameter">The query parameter of the page size (for example <c>limit</c> or <c>$top</c>).</param>
    /// <param name="pageSize">The page size; greater than zero.</param>
    /// <param name="totalPath">A <see cref="JsonPath"/> to the total record count in the body, or <see langword="null"/>.</param>
    /// <returns>The paginator.</returns>
    public static OffsetLimitPaginator OffsetLimit(string offsetParameter, string limitParameter, int pageSize, string? totalPath = null) =>
        new(offsetParameter, limitParameter, pageSize, totalPath);

    /// <summary>Page-number paging, 0- or 1-based; see <see cref="PageNumberPaginator"/>.</summary>
    /// <param name="pageParameter">The query parameter of the page number (for example <c>page</c>).</param>
    /// <param name="sizeParameter">The query parameter of the page size (for example <c>per_page</c>), or <see langword="null"/> when the API takes none.</param>
    /// <param name="pageSize">The page size; greater than zero.</param>
    /// <param name="firstPage">The number of the first page: 0 or 1. Defaults to 1.</param>
    /// <param name="totalPagesPath">A <see cref="JsonPath"/> to the total number of pages in the body, or <see langword="null"/>.</param>
    /// <param name="totalCountPath">A <see cref="JsonPath"/> to the total number of records in the body, or <see langword="null"/>.</param>
    /// <returns>The paginator.</returns>
    public static PageNumberPaginator PageNumber(string pageParameter, string? sizeParameter, int pageSize, int firstPage = 1, string? totalPagesPath = null, string? totalCountPath = null) =>
        new(pageParameter, sizeParameter, pageSize, firstPage, totalPagesPath, totalCountPath);

    /// <summary>A cursor token read from the body into a query parameter; see <see cref="CursorPaginator"/>.</summary>
    /// <param name="tokenPath">A <see cref="JsonPath"/> to the next token (for example <c>$.next_cursor</c>).</param>
    /// <param name="parameter">The query parameter the token is sent in.</param>
    /// <param name="hasMorePath">A <see cref="JsonPath"/> to a <c>has_more</c>-style boolean, or <see langword="null"/>.</param>
    /// <param name="stopOnEmptyPage">Whether a page without records ends paging. Defaults to <see langword="true"/>.</param>
    /// <returns>The paginator.</returns>
    public static CursorPaginator Cursor(string tokenPath, string parameter, string? hasMorePath = null, bool stopOnEmptyPage = true) =>
        new(tokenPath, parameter, hasMorePath, stopOnEmptyPage);

    /// <summary>A next-page URL read from the body (OData <c>$['@odata.nextLink']</c>, HAL <c>$._links.next.href</c>); see <see cref="NextUrlPaginator"/>.</summary>
    /// <param name="urlPath">A <see cref="JsonPath"/> to the next URL; relative URLs are resolved against the request URI.</param>
    /// <param name="stopOnEmptyPage">Whether a page without records ends paging. Defaults to <see langword="true"/>.</param>
    /// <returns>The paginator.</returns>
    public static NextUrlPaginator NextUrl(string urlPath, bool stopOnEmptyPage = true) => new(urlPath, stopOnEmptyPage);

    /// <summary>The RFC 8288 <c>Link</c> header's <c>rel="next"</c> target; see <see cref="LinkHeaderPaginator"/>.</summary>
    /// <param name="stopOnEmptyPage">Whether a page without records ends paging. Defaults to <see langword="true"/>.</param>
    /// <returns>The paginator.</returns>
    public static LinkHeaderPaginator LinkHeader(bool stopOnEmptyPage = true) => new(stopOnEmptyPage);

    /// <summary>GraphQL Relay paging: <c>pageInfo.endCursor</c> into a variable of the POST body; see <see cref="GraphQLRelayPaginator"/>.</summary>
    /// <param name="pageInfoPath">A <see cref="JsonPath"/> to the connection's <c>pageInfo</c> object (for example <c>$.data.orders.pageInfo</c>).</param>
    /// <param name="variable">The variable that receives the cursor. Defaults to <c>after</c>.</param>
    /// <param name="stopOnEmptyPage">Whether a page without records ends paging. Defaults to <see langword="true"/>.</param>
    /// <returns>The paginator.</returns>
    public static GraphQLRelayPaginator GraphQLRelay(string pageInfoPath, string variable = "after", bool stopOnEmptyPage = true) =>
        new(pageInfoPath, variable, stopOnEmptyPage);

    /// <summary>
    /// Follows a next-page URL when the body carries one (for example OData <c>$['@odata.nextLink']</c>), and otherwise lets
    /// <paramref name="otherwise"/> decide: for APIs that may or may not send a next link, so paging neither ignores one
    /// that appears nor relies on one that does not. The first request is prepared by <paramref name="otherwise"/>.
    /// </summary>
    /// <param name="urlPath">A <see cref="JsonPath"/> to the next URL; relative URLs are resolved against the request URI.</param>
    /// <param name="otherwise">The paginator used when a page has no next URL (for example <see cref="OffsetLimit"/>).</param>
    /// <returns>The paginator.</returns>
    public static IPaginator NextUrlOr(string urlPath, IPaginator otherwise)
    {
        ArgumentNullException.ThrowIfNull(otherwise);
        return new NextUrlOrPaginator(new NextUrlPaginator(urlPath), otherwise);
    }

    private sealed class NextUrlOrPaginator(NextUrlPaginator nextUrl, IPaginator otherwise) : IPaginator
    {
        public PageRequest PrepareFirst(PageRequest request) => otherwise.PrepareFirst(request);

        public PageDecision Next(PageRequest request, PageResponse response)
        {
            var decision = nextUrl.Next(request, response);
            return decision.IsStop && decision.StopReason == PageStopReason.NoNextPage
                ? otherwise.Next(request, response)
                : decision;
        }
    }

    private sealed class NonePaginator : IPaginator
    {
        public static readonly NonePaginator Instance = new();

        public PageRequest PrepareFirst(PageRequest request) => request;

        public PageDecision Next(PageRequest request, PageResponse response) => PageDecision.Stop(PageStopReason.SinglePage);
    }
}
