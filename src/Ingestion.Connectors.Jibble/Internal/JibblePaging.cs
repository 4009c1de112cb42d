using System.Globalization;
using System.Text.Json;

namespace Ingestion.Connectors.Jibble.Internal;

/// <summary>
/// Jibble's OData paging, made safe against what the real API may do:
/// <list type="bullet">
/// <item>every page asks <c>$count=true</c>, and paging goes on with <c>$skip</c> until the count is reached, so a server that caps
/// <c>$top</c> below the page size (a page shorter than asked that is not the last) never ends a run early; without a count, a
/// short page is taken as the server's cap and the next page is asked with it, ending only on a page shorter than that;</item>
/// <item>an <c>@odata.nextLink</c> is followed when one appears, never required;</item>
/// <item>a filter on a list of ids is sent in chunks (<see cref="JibbleOptions.MaxFilterIds"/> ids, at most
/// <see cref="MaxFilterLength"/> characters), each paged to its end before the next, because OData servers cap a
/// <c>$filter</c>'s node count and the request line's length.</item>
/// </list>
/// The chunk travels in <see cref="PageRequest.PagingState"/> as <c>chunk:{index}:{groups}</c>; the ids are computed again from
/// the groups, so a checkpoint resumes in the right chunk.
/// </summary>
internal sealed class JibblePaging(int pageSize, int maxFilterIds, string field, Func<IReadOnlyList<string>, IReadOnlyList<string>> idsOf) : IPaginator
{
    /// <summary>The longest id list sent in one <c>$filter</c>, in characters.</summary>
    public const int MaxFilterLength = 2000;

    private const string StatePrefix = "chunk:";

    public PageRequest PrepareFirst(PageRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request
            .WithQueryParameter("$top", pageSize.ToString(CultureInfo.InvariantCulture))
            .WithQueryParameter("$skip", "0")
            .WithQueryParameter("$count", "true");
    }

    /// <summary>Limits the request to the first chunk of the ids of <paramref name="groups"/>, after <paramref name="baseFilter"/> (if any).</summary>
    public PageRequest FirstChunk(PageRequest request, string? baseFilter, IReadOnlyList<string> groups)
    {
        var chunks = Chunks(idsOf(groups));
        return chunks.Count == 0
            ? request
            : request.WithQueryParameter("$filter", Combine(baseFilter, chunks[0])).WithPagingState(StateOf(0, groups));
    }

    public PageDecision Next(PageRequest request, PageResponse response)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        var (nextLink, total) = Read(response.Body.Span);
        if (nextLink is not null && Uri.TryCreate(request.Uri, nextLink, out var next))
        {
            return PageDecision.Next(request.WithUri(next));
        }

        var top = Number(request.GetQueryParameter("$top")) ?? pageSize;
        var skip = Number(request.GetQueryParameter("$skip")) ?? 0;
        var count = response.RecordCount;
        // Without a count, a page shorter than asked is taken as the server's cap once (the next page is asked with it); a page
        // shorter than the cap itself is the last.
        var more = count > 0 && (total is { } all ? skip + count < all : count >= top || top >= pageSize);
        if (more)
        {
            // A page shorter than asked that is not the last is the server's cap: go on from where it ended, asking for no more.
            var nextPage = request.WithQueryParameter("$skip", (skip + count).ToString(CultureInfo.InvariantCulture));
            if (count < top)
            {
                nextPage = nextPage.WithQueryParameter("$top", count.ToString(CultureInfo.InvariantCulture));
            }

            return PageDecision.Next(nextPage);
        }

        return NextChunk(request) is { } chunk ? PageDecision.Next(chunk) : PageDecision.Stop(PageStopReason.NoNextPage);
    }

    private PageRequest? NextChunk(PageRequest request)
    {
        if (request.PagingState is not { } state || !TryParseState(state, out var index, out var groups))
        {
            return null;
        }

        var chunks = Chunks(idsOf(groups));
        if (index + 1 >= chunks.Count)
        {
            return null;
        }

        var filter = request.GetQueryParameter("$filter") ?? string.Empty;
        var cut = filter.LastIndexOf(" and (", StringComparison.Ordinal);
        var baseFilter = cut > 0 ? filter[..cut] : null;
        return PrepareFirst(request)
            .WithQueryParameter("$filter", Combine(baseFilter, chunks[index + 1]))
            .WithPagingState(StateOf(index + 1, groups));
    }

    /// <summary>The ids as <c>field eq id or ...</c> texts of at most <c>maxFilterIds</c> ids and <see cref="MaxFilterLength"/> characters.</summary>
    internal List<string> Chunks(IReadOnlyList<string> ids)
    {
        var chunks = new List<string>();
        var current = new List<string>();
        var length = 0;
        foreach (var id in ids)
        {
            var term = $"{field} eq {id}";
            if (current.Count > 0 && (current.Count >= maxFilterIds || length + 4 + term.Length > MaxFilterLength))
            {
                chunks.Add(string.Join(" or ", current));
                current.Clear();
                length = 0;
            }

            length += (current.Count > 0 ? 4 : 0) + term.Length;
            current.Add(term);
        }

        if (current.Count > 0)
        {
            chunks.Add(string.Join(" or ", current));
        }

        return chunks;
    }

    private static string Combine(string? baseFilter, string chunk) =>
        string.IsNullOrEmpty(baseFilter) ? chunk : $"{baseFilter} and ({chunk})";

    private static string StateOf(int index, IReadOnlyList<string> groups) =>
        string.Concat(StatePrefix, index.ToString(CultureInfo.InvariantCulture), ":", string.Join(',', groups));

    private static bool TryParseState(string state, out int index, out IReadOnlyList<string> groups)
    {
        index = 0;
        groups = [];
        if (!state.StartsWith(StatePrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = state[StatePrefix.Length..].Split(':', 2);
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out index))
        {
            return false;
        }

        groups = parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries);
        return true;
    }

    private static int? Number(string? text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    // The top-level @odata.nextLink and @odata.count of a page.
    private static (string? NextLink, long? Count) Read(ReadOnlySpan<byte> body)
    {
        string? nextLink = null;
        long? count = null;
        var reader = new Utf8JsonReader(body);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return (null, null);
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("@odata.nextLink"u8))
            {
                reader.Read();
                nextLink = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.ValueTextEquals("@odata.count"u8))
            {
                reader.Read();
                count = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? value : null;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return (nextLink, count);
    }
}
