namespace Ingestion;

/// <summary>A paginator's decision after a page: the next request, or a stop with its reason.</summary>
public readonly struct PageDecision
{
    private PageDecision(PageRequest? next, PageStopReason reason, bool replacesPage = false)
    {
        NextRequest = next;
        StopReason = reason;
        ReplacesPage = replacesPage;
    }

    /// <summary>The next request, or <see langword="null"/> when paging stops.</summary>
    public PageRequest? NextRequest { get; }

    /// <summary>Why paging stopped; <see cref="PageStopReason.None"/> while it continues.</summary>
    public PageStopReason StopReason { get; }

    /// <summary>Whether paging stops.</summary>
    public bool IsStop => NextRequest is null;

    /// <summary>
    /// Whether the page just read is incomplete and its records must not be kept: they are dropped and
    /// <see cref="NextRequest"/> (a narrower request that covers the same data) is fetched instead.
    /// </summary>
    public bool ReplacesPage { get; }

    /// <summary>Continues with <paramref name="request"/>.</summary>
    /// <param name="request">The next request.</param>
    /// <returns>The decision.</returns>
    public static PageDecision Next(PageRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new(request, PageStopReason.None);
    }

    /// <summary>
    /// Drops the page just read as incomplete (for example a result cut off silently at the API's row limit) and fetches
    /// <paramref name="request"/> instead, typically the same query over a narrower range. The records of the dropped
    /// page are not written, so neither they nor the watermark get ahead of the data that was missed.
    /// </summary>
    /// <param name="request">The narrower request that replaces the page.</param>
    /// <returns>The decision.</returns>
    public static PageDecision Replace(PageRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new(request, PageStopReason.None, replacesPage: true);
    }

    /// <summary>Stops paging.</summary>
    /// <param name="reason">Why.</param>
    /// <returns>The decision.</returns>
    public static PageDecision Stop(PageStopReason reason) => new(null, reason);
}

/// <summary>Why paging stopped.</summary>
public enum PageStopReason
{
    /// <summary>Paging has not stopped.</summary>
    None,

    /// <summary>The stream has a single page.</summary>
    SinglePage,

    /// <summary>The response carried no next token, link or URL.</summary>
    NoNextPage,

    /// <summary>A <c>has_more</c>-style flag said there is nothing more.</summary>
    NoMoreFlag,

    /// <summary>The page had no records.</summary>
    EmptyPage,

    /// <summary>The page had fewer records than the page size.</summary>
    ShortPage,

    /// <summary>The total count or total pages reported by the API was reached.</summary>
    TotalReached,

    /// <summary>The engine's page bound was reached (an issue on the run).</summary>
    MaxPages,

    /// <summary>The engine's record bound was reached (an issue on the run).</summary>
    MaxRecords,

    /// <summary>A request repeated an earlier one, or a page repeated the previous page (an issue on the run).</summary>
    Cycle,

    /// <summary>A request failed after its retries.</summary>
    Failed,

    /// <summary>The source's rate budget ran out; the run keeps its checkpoint.</summary>
    BudgetExhausted,

    /// <summary>The run was cancelled.</summary>
    Cancelled,

    /// <summary>The next request pointed to a host the source does not trust (an issue on the run).</summary>
    UntrustedHost,
}
