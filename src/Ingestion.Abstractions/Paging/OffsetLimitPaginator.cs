using Ingestion.Paging.Internal;
using Ingestion.Records.Internal;

namespace Ingestion;

/// <summary>
/// Offset/limit paging (<c>?offset=0&amp;limit=100</c>, OData <c>$skip</c>/<c>$top</c>). The next offset is the
/// current one plus the records actually received, so an API that caps the page below the limit loses nothing.
/// Stops on an empty page, on the total count when the body reports one, and otherwise on a short page.
/// </summary>
public sealed class OffsetLimitPaginator : ISkippingPaginator
{
    private readonly JsonPath? _total;

    /// <summary>Creates the paginator.</summary>
    /// <param name="offsetParameter">The query parameter of the offset (for example <c>offset</c> or <c>$skip</c>).</param>
    /// <param name="limitParameter">The query parameter of the page size (for example <c>limit</c> or <c>$top</c>).</param>
    /// <param name="pageSize">The page size sent in <paramref name="limitParameter"/>; greater than zero.</param>
    /// <param name="totalPath">A <see cref="JsonPath"/> to the total record count in the body (for example <c>$['@odata.count']</c>), or <see langword="null"/>.</param>
    public OffsetLimitPaginator(string offsetParameter, string limitParameter, int pageSize, string? totalPath = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(offsetParameter);
        ArgumentException.ThrowIfNullOrWhiteSpace(limitParameter);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pageSize);
        OffsetParameter = offsetParameter;
        LimitParameter = limitParameter;
        PageSize = pageSize;
        _total = JsonPathArgument.ParseOptional(totalPath, nameof(totalPath));
    }

    /// <summary>The query parameter of the offset.</summary>
    public string OffsetParameter { get; }

    /// <summary>The query parameter of the page size.</summary>
    public string LimitParameter { get; }

    /// <summary>The page size.</summary>
    public int PageSize { get; }

    /// <summary>The path to the total record count, or <see langword="null"/>.</summary>
    public string? TotalPath => _total?.Expression;

    /// <inheritdoc />
    public PageRequest PrepareFirst(PageRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var offset = QueryValues.GetInt64(request, OffsetParameter, 0);
        return request
            .WithQueryParameter(OffsetParameter, QueryValues.Format(offset))
            .WithQueryParameter(LimitParameter, QueryValues.Format(PageSize));
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

        var next = QueryValues.GetInt64(request, OffsetParameter, 0) + response.RecordCount;
        if (_total is not null && _total.TryGetInt64(response.Body.Span, out var total))
        {
            if (next >= total)
            {
                return PageDecision.Stop(PageStopReason.TotalReached);
            }
        }
        else if (response.RecordCount < PageSize)
        {
            return PageDecision.Stop(PageStopReason.ShortPage);
        }

        return PageDecision.Next(request.WithQueryParameter(OffsetParameter, QueryValues.Format(next)));
    }

    /// <inheritdoc />
    /// <remarks>The offset after a full page.</remarks>
    public PageRequest? NextAfterFailure(PageRequest failed)
    {
        ArgumentNullException.ThrowIfNull(failed);
        return failed.WithQueryParameter(OffsetParameter, QueryValues.Format(QueryValues.GetInt64(failed, OffsetParameter, 0) + PageSize));
    }
}
