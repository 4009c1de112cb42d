using Ingestion.Records.Internal;

namespace Ingestion;

/// <summary>
/// Follows a next-page URL read from the body: OData <c>$['@odata.nextLink']</c>, HAL <c>$._links.next.href</c>,
/// <c>$.next</c>. A relative URL is resolved against the request URI; method and body are kept. Stops when
/// the URL is missing, null, empty or not a URL, or on an empty page.
/// </summary>
public sealed class NextUrlPaginator : IPaginator
{
    private readonly JsonPath _url;

    /// <summary>Creates the paginator.</summary>
    /// <param name="urlPath">A <see cref="JsonPath"/> to the next URL in the body.</param>
    /// <param name="stopOnEmptyPage">Whether a page without records ends paging even when it carries a next URL. Defaults to <see langword="true"/>.</param>
    public NextUrlPaginator(string urlPath, bool stopOnEmptyPage = true)
    {
        _url = JsonPathArgument.Parse(urlPath, nameof(urlPath));
        StopOnEmptyPage = stopOnEmptyPage;
    }

    /// <summary>The path to the next URL.</summary>
    public string UrlPath => _url.Expression;

    /// <summary>Whether a page without records ends paging.</summary>
    public bool StopOnEmptyPage { get; }

    /// <inheritdoc />
    public PageRequest PrepareFirst(PageRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request;
    }

    /// <inheritdoc />
    public PageDecision Next(PageRequest request, PageResponse response)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        if (!_url.TryGetString(response.Body.Span, out var url)
            || string.IsNullOrWhiteSpace(url)
            || !Uri.TryCreate(request.Uri, url.Trim(), out var next)
            || next.Scheme is not ("http" or "https"))
        {
            return PageDecision.Stop(PageStopReason.NoNextPage);
        }

        if (StopOnEmptyPage && response.RecordCount == 0)
        {
            return PageDecision.Stop(PageStopReason.EmptyPage);
        }

        return PageDecision.Next(request.WithUri(next));
    }
}
