using Ingestion.Paging.Internal;
using Ingestion.Records.Internal;

namespace Ingestion;

/// <summary>
/// Page-number paging (<c>?page=1&amp;per_page=100</c>), 0- or 1-based. Stops on an empty page, on the total
/// pages or total count when the body reports them, and otherwise on a short page. The count of records seen
/// so far travels in <see cref="PageRequest.PagingState"/>.
/// </summary>
public sealed class PageNumberPaginator : ISkippingPaginator
{
    private readonly JsonPath? _totalPages;
    private readonly JsonPath? _totalCount;

    /// <summary>Creates the paginator.</summary>
    /// <param name="pageParameter">The query parameter of the page number (for example <c>page</c>).</param>
    /// <param name="sizeParameter">The query parameter of the page size (for example <c>per_page</c>), or <see langword="null"/> when the API takes none.</param>
    /// <param name="pageSize">The page size; greater than zero. Sent in <paramref name="sizeParameter"/> and used to detect a short page.</param>
    /// <param name="firstPage">The number of the first page: 0 or 1.</param>
    /// <param name="totalPagesPath">A <see cref="JsonPath"/> to the total number of pages in the body (for example <c>$.pages</c>), or <see langword="null"/>.</param>
    /// <param name="totalCountPath">A <see cref="JsonPath"/> to the total number of records in the body (for example <c>$.total</c>), or <see langword="null"/>.</param>
    public PageNumberPaginator(string pageParameter, string? sizeParameter, int pageSize, int firstPage = 1, string? totalPagesPath = null, string? totalCountPath = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pageParameter);
        if (sizeParameter is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(sizeParameter);
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pageSize);
        if (firstPage is not (0 or 1))
        {
            throw new ArgumentOutOfRangeException(nameof(firstPage), firstPage, "The first page number must be 0 or 1.");
        }

        PageParameter = pageParameter;
        SizeParameter = sizeParameter;
        PageSize = pageSize;
        FirstPage = firstPage;
        _totalPages = JsonPathArgument.ParseOptional(totalPagesPath, nameof(totalPagesPath));
        _totalCount = JsonPathArgument.ParseOptional(totalCountPath, nameof(totalCountPath));
    }

    /// <summary>The query parameter of the page number.</summary>
    public string PageParameter { get; }

    /// <summary>The query parameter of the page size, or <see langword="null"/>.</summary>
    public string? SizeParameter { get; }

    /// <summary>The page size.</summary>
    public int PageSize { get; }

    /// <summary>The number of the first page: 0 or 1.</summary>
    public int FirstPage { get; }

    /// <summary>The path to the total number of pages, or <see langword="null"/>.</summary>
    public string? TotalPagesPath => _totalPages?.Expression;

    /// <summary>The path to the total number of records, or <see langword="null"/>.</summary>
    public string? TotalCountPath => _totalCount?.Expression;

    /// <inheritdoc />
    public PageRequest PrepareFirst(PageRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var page = QueryValues.GetInt64(request, PageParameter, FirstPage);
        request = request.WithQueryParameter(PageParameter, QueryValues.Format(page));
        return SizeParameter is null ? request : request.WithQueryParameter(SizeParameter, QueryValues.Format(PageSize));
    }

    /// <inheritdoc />
    public PageDecision Next(PageRequest request, PageResponse response)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        if (response.RecordCount == 0)
        {
            return PageDecision.Stop(PageStopReason.EmptyPage);
        }

        var page = QueryValues.GetInt64(request, PageParameter, FirstPage);
        var pagesDone = page - FirstPage + 1;

        // The records seen so far travel in the paging state, so an API that caps pages below the page size
        // does not make the total count look reached too early.
        var seen = (QueryValues.ParseInt64(request.PagingState) ?? ((pagesDone - 1) * PageSize)) + response.RecordCount;
        var knowsTotal = false;
        if (_totalPages is not null && _totalPages.TryGetInt64(response.Body.Span, out var totalPages))
        {
            knowsTotal = true;
            if (pagesDone >= totalPages)
            {
                return PageDecision.Stop(PageStopReason.TotalReached);
            }
        }

        if (_totalCount is not null && _totalCount.TryGetInt64(response.Body.Span, out var totalCount))
        {
            knowsTotal = true;
            if (seen >= totalCount)
            {
                return PageDecision.Stop(PageStopReason.TotalReached);
            }
        }

        if (!knowsTotal && response.RecordCount < PageSize)
        {
            return PageDecision.Stop(PageStopReason.ShortPage);
        }

        return PageDecision.Next(request
            .WithQueryParameter(PageParameter, QueryValues.Format(page + 1))
            .WithPagingState(QueryValues.Format(seen)));
    }

    /// <inheritdoc />
    /// <remarks>The next page number; the skipped page counts as a full page towards a total count.</remarks>
    public PageRequest? NextAfterFailure(PageRequest failed)
    {
        ArgumentNullException.ThrowIfNull(failed);
        var page = QueryValues.GetInt64(failed, PageParameter, FirstPage);
        var seen = (QueryValues.ParseInt64(failed.PagingState) ?? ((page - FirstPage) * PageSize)) + PageSize;
        return failed
            .WithQueryParameter(PageParameter, QueryValues.Format(page + 1))
            .WithPagingState(QueryValues.Format(seen));
    }
}
