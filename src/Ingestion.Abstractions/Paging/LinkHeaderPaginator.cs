using Ingestion.Paging.Internal;

namespace Ingestion;

/// <summary>
/// Follows the RFC 8288 <c>Link</c> header's <c>rel="next"</c> target (GitHub, Shopify and others): several links
/// in one header or across several headers, quoted or unquoted parameters, relation lists such as
/// <c>rel="next last"</c>, relative targets resolved against the request URI. Stops when no link has
/// <c>rel="next"</c>, on an empty page, and when a <c>Link</c> header is malformed (never throws).
/// </summary>
public sealed class LinkHeaderPaginator : IPaginator
{
    /// <summary>Creates the paginator.</summary>
    /// <param name="stopOnEmptyPage">Whether a page without records ends paging even when it carries a next link. Defaults to <see langword="true"/>.</param>
    public LinkHeaderPaginator(bool stopOnEmptyPage = true)
    {
        StopOnEmptyPage = stopOnEmptyPage;
    }

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
        if (!TryFindNext(response, out var target)
            || target is null
            || !Uri.TryCreate(request.Uri, target, out var next)
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

    private static bool TryFindNext(PageResponse response, out string? target)
    {
        target = null;
        if (!response.Headers.NonValidated.TryGetValues("Link", out var values))
        {
            return true;
        }

        foreach (var value in values)
        {
            if (!LinkHeaderParser.TryFind(value, "next", out var found))
            {
                target = null;
                return false;
            }

            target ??= found;
        }

        return true;
    }
}
