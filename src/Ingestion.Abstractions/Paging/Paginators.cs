namespace Ingestion;

/// <summary>Creates the standard paginators.</summary>
public static partial class Paginators
{
    /// <summary>A single request; no paging.</summary>
    /// <returns>The paginator.</returns>
    public static IPaginator None() => NonePaginator.Instance;

    private sealed class NonePaginator : IPaginator
    {
        public static readonly NonePaginator Instance = new();

        public PageRequest PrepareFirst(PageRequest request) => request;

        public PageDecision Next(PageRequest request, PageResponse response) => PageDecision.Stop(PageStopReason.SinglePage);
    }
}
