using System.Text;
using System.Text.Json;

namespace Ingestion;

/// <summary>
/// One page request: method, absolute URI, optional body and an opaque paging state that a paginator
/// can carry from page to page. Immutable; the <c>With*</c> methods return changed copies.
/// </summary>
public sealed class PageRequest : IEquatable<PageRequest>
{
    // The URI up to its query, as UriBuilder writes it: shared by the copies that change only the query or the state, so that
    // paging through a thousand pages builds it once instead of once a page.
    private string? _uriBeforeQuery;

    /// <summary>Creates a request.</summary>
    /// <param name="method">The HTTP method.</param>
    /// <param name="uri">The absolute request URI.</param>
    /// <param name="body">The request body, or empty.</param>
    /// <param name="contentType">The content type of <paramref name="body"/>.</param>
    /// <param name="pagingState">Opaque state owned by the paginator.</param>
    public PageRequest(HttpMethod method, Uri uri, ReadOnlyMemory<byte> body = default, string? contentType = null, string? pagingState = null)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri)
        {
            throw new ArgumentException($"The page request URI '{uri}' must be absolute.", nameof(uri));
        }

        Method = method;
        Uri = uri;
        Body = body;
        ContentType = contentType;
        PagingState = pagingState;
    }

    /// <summary>The HTTP method.</summary>
    public HttpMethod Method { get; }

    /// <summary>The absolute request URI.</summary>
    public Uri Uri { get; }

    /// <summary>The request body, or empty.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>The content type of <see cref="Body"/>, or <see langword="null"/>.</summary>
    public string? ContentType { get; }

    /// <summary>Opaque state owned by the paginator (for example remaining date windows).</summary>
    public string? PagingState { get; }

    /// <summary>Returns a copy with another URI.</summary>
    /// <param name="uri">The new URI; a relative one is resolved against the current URI.</param>
    /// <returns>The changed copy.</returns>
    public PageRequest WithUri(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return new PageRequest(Method, uri.IsAbsoluteUri ? uri : new Uri(Uri, uri), Body, ContentType, PagingState);
    }

    /// <summary>Returns a copy with another body.</summary>
    /// <param name="body">The new body.</param>
    /// <param name="contentType">Its content type; keeps the current one when <see langword="null"/>.</param>
    /// <returns>The changed copy.</returns>
    public PageRequest WithBody(ReadOnlyMemory<byte> body, string? contentType = null) =>
        new(Method, Uri, body, contentType ?? ContentType, PagingState) { _uriBeforeQuery = _uriBeforeQuery };

    /// <summary>Returns a copy with another paging state.</summary>
    /// <param name="pagingState">The new state.</param>
    /// <returns>The changed copy.</returns>
    public PageRequest WithPagingState(string? pagingState) => new(Method, Uri, Body, ContentType, pagingState) { _uriBeforeQuery = _uriBeforeQuery };

    /// <summary>Returns a copy whose query has <paramref name="name"/> set to <paramref name="value"/>, replacing any existing values.</summary>
    /// <param name="name">The parameter name (unescaped).</param>
    /// <param name="value">The value (unescaped); <see langword="null"/> removes the parameter.</param>
    /// <returns>The changed copy.</returns>
    public PageRequest WithQueryParameter(string name, string? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var rest = QueryText();
        var builder = new StringBuilder(rest.Length + name.Length + (value?.Length ?? 0) + 2);
        while (NextParameter(ref rest, out var key, out var existing))
        {
            if (KeyIs(key, name))
            {
                continue;
            }

            if (builder.Length > 0)
            {
                builder.Append('&');
            }

            // Written back unescaped and escaped again (so "a+b" becomes "a%20b"); a part with nothing to escape is that already.
            AppendEscaped(builder, key);
            builder.Append('=');
            AppendEscaped(builder, existing);
        }

        if (value is not null)
        {
            if (builder.Length > 0)
            {
                builder.Append('&');
            }

            builder.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }

        // What new UriBuilder(Uri) { Query = query }.Uri gives: the URI up to its query, the query after a '?' unless it is
        // empty, then the fragment.
        var before = _uriBeforeQuery ??= new UriBuilder(Uri) { Query = string.Empty, Fragment = string.Empty }.ToString();
        var uri = new Uri(builder.Length == 0 ? before + Uri.Fragment : string.Concat(before, "?", builder.ToString(), Uri.Fragment));
        return new PageRequest(Method, uri, Body, ContentType, PagingState) { _uriBeforeQuery = before };

        static void AppendEscaped(StringBuilder builder, ReadOnlySpan<char> part)
        {
            if (part.ContainsAnyExcept(Unreserved))
            {
                builder.Append(Uri.EscapeDataString(Unescape(part)));
            }
            else
            {
                builder.Append(part);
            }
        }
    }

    /// <summary>Returns the first value of a query parameter, unescaped, or <see langword="null"/>.</summary>
    /// <param name="name">The parameter name.</param>
    /// <returns>The value, or <see langword="null"/>.</returns>
    public string? GetQueryParameter(string name)
    {
        var rest = QueryText();
        while (NextParameter(ref rest, out var key, out var value))
        {
            if (KeyIs(key, name))
            {
                return Unescape(value);
            }
        }

        return null;
    }

    /// <summary>Enumerates the query parameters, unescaped, in order.</summary>
    /// <returns>Name and value pairs.</returns>
    public IEnumerable<KeyValuePair<string, string>> QueryParameters()
    {
        var parameters = new List<KeyValuePair<string, string>>();
        var rest = QueryText();
        while (NextParameter(ref rest, out var key, out var value))
        {
            parameters.Add(new(Unescape(key), Unescape(value)));
        }

        return parameters;
    }

    // The characters Uri.EscapeDataString leaves as they are (RFC 3986 unreserved): a part made of these alone reads the same
    // unescaped and escaped, so the paging parameters of most requests are compared and copied without a string of their own.
    private static readonly System.Buffers.SearchValues<char> Unreserved =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~");

    // The query without its '?'.
    private ReadOnlySpan<char> QueryText() => Uri.Query is { Length: > 1 } query ? query.AsSpan(1) : [];

    // The next non-empty name=value part of a query (without its '?'), as written; false after the last.
    private static bool NextParameter(ref ReadOnlySpan<char> rest, out ReadOnlySpan<char> key, out ReadOnlySpan<char> value)
    {
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf('&');
            var part = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 1)..];
            if (part.IsEmpty)
            {
                continue;
            }

            var equals = part.IndexOf('=');
            key = equals < 0 ? part : part[..equals];
            value = equals < 0 ? [] : part[(equals + 1)..];
            return true;
        }

        key = default;
        value = default;
        return false;
    }

    // Whether a name as written in the query is name once unescaped ('+' read as a space, as everywhere in this class).
    private static bool KeyIs(ReadOnlySpan<char> key, string name) =>
        key.ContainsAny('%', '+') ? string.Equals(Unescape(key), name, StringComparison.Ordinal) : key.SequenceEqual(name);

    private static string Unescape(ReadOnlySpan<char> part) => Uri.UnescapeDataString(part.ToString().Replace('+', ' '));

    /// <summary>Serializes this request so that a later run can resume from it (a page checkpoint).</summary>
    /// <returns>A JSON string.</returns>
    public string ToCheckpoint()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("method", Method.Method);
            writer.WriteString("uri", Uri.AbsoluteUri);
            if (!Body.IsEmpty)
            {
                writer.WriteBase64String("body", Body.Span);
            }

            if (ContentType is not null)
            {
                writer.WriteString("contentType", ContentType);
            }

            if (PagingState is not null)
            {
                writer.WriteString("state", PagingState);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    /// <summary>Reads a request written by <see cref="ToCheckpoint"/>.</summary>
    /// <param name="checkpoint">The checkpoint.</param>
    /// <returns>The request.</returns>
    /// <exception cref="FormatException">The checkpoint is not one this type wrote.</exception>
    public static PageRequest FromCheckpoint(string checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        try
        {
            using var document = JsonDocument.Parse(checkpoint);
            var root = document.RootElement;
            var body = root.TryGetProperty("body", out var b) ? b.GetBytesFromBase64() : [];
            return new PageRequest(
                new HttpMethod(root.GetProperty("method").GetString()!),
                new Uri(root.GetProperty("uri").GetString()!, UriKind.Absolute),
                body,
                root.TryGetProperty("contentType", out var ct) ? ct.GetString() : null,
                root.TryGetProperty("state", out var st) ? st.GetString() : null);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or UriFormatException)
        {
            throw new FormatException("The page checkpoint is not valid.", ex);
        }
    }

    /// <inheritdoc />
    public bool Equals(PageRequest? other) =>
        other is not null
        && Method == other.Method
        && Uri.Equals(other.Uri)
        && string.Equals(Uri.OriginalString, other.Uri.OriginalString, StringComparison.Ordinal)
        && Body.Span.SequenceEqual(other.Body.Span)
        && string.Equals(PagingState, other.PagingState, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as PageRequest);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Method, Uri.OriginalString, Body.Length, PagingState);

    /// <summary>Returns the method and URI.</summary>
    public override string ToString() => $"{Method} {Uri}";
}
