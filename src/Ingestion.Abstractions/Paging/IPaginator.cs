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
