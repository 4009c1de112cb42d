using Ingestion.Records.Internal;

namespace Ingestion;

/// <summary>
/// Cursor paging: a token read from the body (for example <c>$.next_cursor</c>) goes into a query parameter of
/// the next request. Stops when a <c>has_more</c>-style flag is false, when there is no token (missing, null or
/// empty), or on an empty page.
/// </summary>
public sealed class CursorPaginator : IPaginator
{
    private readonly JsonPath _token;
    private readonly JsonPath? _hasMore;

    /// <summary>Creates the paginator.</summary>
    /// <param name="tokenPath">A <see cref="JsonPath"/> to the next token in the body.</param>
    /// <param name="parameter">The query parameter the token is sent in.</param>
    /// <param name="hasMorePath">A <see cref="JsonPath"/> to a boolean that is false on the last page, or <see langword="null"/>.</param>
    /// <param name="stopOnEmptyPage">Whether a page without records ends paging even when it carries a token. Defaults to <see langword="true"/>.</param>
    public CursorPaginator(string tokenPath, string parameter, string? hasMorePath = null, bool stopOnEmptyPage = true)
    {
        _token = JsonPathArgument.Parse(tokenPath, nameof(tokenPath));
        ArgumentException.ThrowIfNullOrWhiteSpace(parameter);
        Parameter = parameter;
        _hasMore = JsonPathArgument.ParseOptional(hasMorePath, nameof(hasMorePath));
        StopOnEmptyPage = stopOnEmptyPage;
    }

    /// <summary>The path to the next token.</summary>
    public string TokenPath => _token.Expression;

    /// <summary>The query parameter the token is sent in.</summary>
    public string Parameter { get; }

    /// <summary>The path to the has-more flag, or <see langword="null"/>.</summary>
    public string? HasMorePath => _hasMore?.Expression;

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
        var body = response.Body.Span;
        if (_hasMore is not null && _hasMore.TryGetBoolean(body, out var hasMore) && !hasMore)
        {
            return PageDecision.Stop(PageStopReason.NoMoreFlag);
        }

        if (!_token.TryGetString(body, out var token) || string.IsNullOrEmpty(token))
        {
            return PageDecision.Stop(PageStopReason.NoNextPage);
        }

        if (StopOnEmptyPage && response.RecordCount == 0)
        {
            return PageDecision.Stop(PageStopReason.EmptyPage);
        }

        return PageDecision.Next(request.WithQueryParameter(Parameter, token));
    }
}
