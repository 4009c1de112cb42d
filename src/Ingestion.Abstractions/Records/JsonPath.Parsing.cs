using System.Globalization;
using System.Text;

namespace Ingestion;

public sealed partial class JsonPath
{
    private readonly JsonPathSegment[] _segments;

    private JsonPath(string expression, JsonPathSegment[] segments)
    {
        Expression = expression;
        _segments = segments;
    }

    /// <summary>The segments after the root, in order; empty for <c>$</c>.</summary>
    internal ReadOnlySpan<JsonPathSegment> Segments => _segments;

    /// <summary>Whether this is the root path <c>$</c>.</summary>
    internal bool IsRoot => _segments.Length == 0;

    /// <summary>Returns this path extended by one property name (for example <c>pageInfo</c> + <c>endCursor</c>).</summary>
    internal JsonPath Child(string name)
    {
        var segments = new JsonPathSegment[_segments.Length + 1];
        _segments.CopyTo(segments, 0);
        segments[^1] = JsonPathSegment.ForName(name);
        var escaped = name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal);
        return new JsonPath($"{Expression}['{escaped}']", segments);
    }

    private static JsonPath ParseCore(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var text = expression.AsSpan().Trim();
        if (text.IsEmpty)
        {
            throw Error(expression, "it is empty", 0);
        }

        var segments = new List<JsonPathSegment>();
        var position = 0;
        if (text[0] == '$')
        {
            position = 1;
        }
        else if (text[0] != '[')
        {
            // A leading name without '$.' (for example "data.items").
            position = ReadDottedName(expression, text, 0, segments);
        }

        while (position < text.Length)
        {
            switch (text[position])
            {
                case '.':
                    if (position + 1 < text.Length && text[position + 1] == '.')
                    {
                        throw Error(expression, "recursive descent ('..') is not supported", position);
                    }

                    position = ReadDottedName(expression, text, position + 1, segments);
                    break;
                case '[':
                    position = ReadBracket(expression, text, position, segments);
                    break;
                default:
                    throw Error(expression, $"expected '.' or '[' but found '{text[position]}'", position);
            }
        }

        return new JsonPath(expression, [.. segments]);
    }

    private static int ReadDottedName(string expression, ReadOnlySpan<char> text, int start, List<JsonPathSegment> segments)
    {
        var end = start;
        while (end < text.Length && text[end] is not ('.' or '['))
        {
            if (text[end] is ']' or '\'' or '"' or '*' || char.IsWhiteSpace(text[end]))
            {
                throw Error(expression, $"'{text[end]}' is not allowed in a dotted name (quote the name as ['...'])", end);
            }

            end++;
        }

        if (end == start)
        {
            throw Error(expression, "a name is missing", start);
        }

        segments.Add(JsonPathSegment.ForName(text[start..end].ToString()));
        return end;
    }

    private static int ReadBracket(string expression, ReadOnlySpan<char> text, int open, List<JsonPathSegment> segments)
    {
        var position = open + 1;
        if (position >= text.Length)
        {
            throw Error(expression, "'[' is not closed", open);
        }

        var first = text[position];
        if (first is '\'' or '"')
        {
            var name = new StringBuilder();
            position++;
            while (true)
            {
                if (position >= text.Length)
                {
                    throw Error(expression, "a quoted name is not closed", open);
                }

                var c = text[position];
                if (c == first)
                {
                    break;
                }

                if (c == '\\')
                {
                    if (position + 1 >= text.Length)
                    {
                        throw Error(expression, "a quoted name ends in an escape", position);
                    }

                    position++;
                    c = text[position];
                }

                name.Append(c);
                position++;
            }

            position++;
            if (position >= text.Length || text[position] != ']')
            {
                throw Error(expression, "expected ']' after a quoted name", position);
            }

            segments.Add(JsonPathSegment.ForName(name.ToString()));
            return position + 1;
        }

        var close = text[position..].IndexOf(']');
        if (close < 0)
        {
            throw Error(expression, "'[' is not closed", open);
        }

        var inner = text.Slice(position, close);

        // [-1] is the last element (Stripe-style cursors take the id of a page's last record), [-2] the one before.
        var fromEnd = inner.StartsWith("-");
        var digits = fromEnd ? inner[1..] : inner;
        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c))
            {
                throw Error(expression, $"'[{inner}]' is not supported; use a quoted name ['name'] or an array index [0] or [-1]", open);
            }
        }

        if (digits.IsEmpty || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || (fromEnd && index == 0))
        {
            throw Error(expression, $"'[{inner}]' is not a valid array index", open);
        }

        segments.Add(JsonPathSegment.ForIndex(fromEnd ? -index : index));
        return position + close + 1;
    }

    private static FormatException Error(string expression, string reason, int position) =>
        new($"The JSON path '{expression}' is not valid: {reason} (at position {position}). Supported: $, $.a.b, a.b, $['quoted name'], $.items[0], $.items[-1].");
}

/// <summary>One step of a <see cref="JsonPath"/>: a property name or an array index.</summary>
internal readonly struct JsonPathSegment
{
    private JsonPathSegment(string? name, byte[]? utf8Name, int index)
    {
        Name = name;
        Utf8Name = utf8Name;
        Index = index;
    }

    /// <summary>The property name, or <see langword="null"/> for an index.</summary>
    public string? Name { get; }

    /// <summary>The property name as UTF-8 (unescaped), or <see langword="null"/> for an index.</summary>
    public byte[]? Utf8Name { get; }

    /// <summary>The array index (negative counts from the end: -1 is the last element); unused for a name.</summary>
    public int Index { get; }

    /// <summary>Whether this is a property name.</summary>
    public bool IsName => Utf8Name is not null;

    public static JsonPathSegment ForName(string name) => new(name, Encoding.UTF8.GetBytes(name), 0);

    public static JsonPathSegment ForIndex(int index) => new(null, null, index);
}
