using Ingestion;

namespace Acme.Books.Ingestion.Internal;

/// <summary>
/// Acme's review endpoints put the next page's token in the <c>Acme-Next-Page</c> response header rather than in the body,
/// and expect it back in the <c>page_token</c> query parameter. No standard paginator reads a token from a header, so the
/// connector brings its own. It is stateless: everything it needs is in the request and the response.
/// </summary>
internal sealed class NextPageHeaderPaginator : IPaginator
{
    public const string HeaderName = "Acme-Next-Page";
    public const string Parameter = "page_token";

    public static readonly NextPageHeaderPaginator Instance = new();

    // The first page carries no token.
    public PageRequest PrepareFirst(PageRequest request) => request.WithQueryParameter(Parameter, null);

    public PageDecision Next(PageRequest request, PageResponse response)
    {
        if (response.RecordCount == 0)
        {
            return PageDecision.Stop(PageStopReason.EmptyPage);
        }

        if (!response.Headers.TryGetValues(HeaderName, out var values)
            || values.FirstOrDefault() is not { Length: > 0 } token)
        {
            return PageDecision.Stop(PageStopReason.NoNextPage);
        }

        // The engine stops a token that repeats (a cycle) and records an issue; the paginator only says what comes next.
        return PageDecision.Next(request.WithQueryParameter(Parameter, token));
    }
}
