namespace Ingestion;

/// <summary>
/// Turns a stream's first request and each response into the next request, or stops.
/// Paginators are stateless and shared by concurrent runs; state that must travel from page to page
/// goes in the request itself (its query, body or <see cref="PageRequest.PagingState"/>).
/// Cycle detection, page and record bounds, delays and truncation flags are applied by the engine
/// around every paginator, so a custom paginator only decides what comes next.
/// </summary>
public interface IPaginator
{
    /// <summary>Adds the first page's parameters (for example <c>limit</c> and <c>offset=0</c>).</summary>
    /// <param name="request">The stream's first request.</param>
    /// <returns>The request to send first.</returns>
    PageRequest PrepareFirst(PageRequest request);

    /// <summary>Decides what follows a successful response.</summary>
    /// <param name="request">The request that produced <paramref name="response"/>.</param>
    /// <param name="response">The response.</param>
    /// <returns>The next request, or a stop with its reason.</returns>
    PageDecision Next(PageRequest request, PageResponse response);
}

/// <summary>
/// A paginator that can compute the request after a page without that page's response (page numbers, offsets). When a
/// page fails for good, the engine keeps it as a partial record and goes on with the following pages instead of
/// ending the stream; the run ends <see cref="RunStatus.Partial"/> with a <see cref="IssueKind.PageSkipped"/> issue, and
/// nothing is soft-deleted. Cursor, <c>Link</c>-header and next-URL paginators cannot skip: their next request comes
/// from the failed response.
/// </summary>
public interface ISkippingPaginator : IPaginator
{
    /// <summary>The request that follows <paramref name="failed"/>, computed without its response.</summary>
    /// <param name="failed">The request whose page failed.</param>
    /// <returns>The next request, or <see langword="null"/> when paging cannot go on without the failed page.</returns>
    PageRequest? NextAfterFailure(PageRequest failed);
}
