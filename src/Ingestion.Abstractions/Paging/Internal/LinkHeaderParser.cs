namespace Ingestion.Paging.Internal;

/// <summary>
/// Reads RFC 8288 <c>Link</c> header values: <c>&lt;uri&gt;; rel="next last"; title="x", &lt;uri2&gt;; rel=prev</c>.
/// Strict on structure (a value it cannot read is reported as malformed, never thrown), lenient on content
/// (any parameter, quoted or not, relation types compared without case).
/// </summary>
internal static class LinkHeaderParser
{
    /// <summary>Finds the first target whose <c>rel</c> includes <paramref name="relation"/>.</summary>
    /// <returns><see langword="false"/> when the value is malformed; otherwise <see langword="true"/>, with <paramref name="target"/> null when no link has the relation.</returns>
    public static bool TryFind(ReadOnlySpan<char> header, ReadOnlySpan<char> relation, out string? target)
    {
        target = null;
        var position = 0;
        while (true)
        {
            // Empty list elements (", ,") are allowed by the list syntax.
            while (position < header.Length && (IsWhitespace(header[position]) || header[position] == ','))
            {
                position++;
            }

            if (position >= header.Length)
            {
                return true;
            }

            if (header[position] != '<')
            {
                return false;
            }

            var close = header[(position + 1)..].IndexOf('>');
            if (close < 0)
            {
                return false;
            }

            var uri = header.Slice(position + 1, close);
            position += close + 2;
            var sawRel = false;
            var matches = false;
            while (true)
            {
                SkipWhitespace(header, ref position);
                if (position >= header.Length || header[position] == ',')
                {
                    break;
                }

                if (header[position] != ';')
                {
                    return false;
                }

                position++;
                SkipWhitespace(header, ref position);
                var nameStart = position;
                while (position < header.Length && IsTokenChar(header[position]))
                {
                    position++;
                }

                var name = header[nameStart..position];
                if (name.IsEmpty)
                {
                    // A trailing ';' before the next link or the end.
                    if (position >= header.Length || header[position] == ',')
                    {
                        break;
                    }

                    return false;
                }

                SkipWhitespace(header, ref position);
                ReadOnlySpan<char> value = default;
                string? unescaped = null;
                if (position < header.Length && header[position] == '=')
                {
                    position++;
                    SkipWhitespace(header, ref position);
                    if (position < header.Length && header[position] == '"')
                    {
                        if (!TryReadQuoted(header, ref position, out unescaped))
                        {
                            return false;
                        }

                        value = unescaped;
                    }
                    else
                    {
                        var valueStart = position;
                        while (position < header.Length && header[position] is not (';' or ',' or '"') && !IsWhitespace(header[position]))
                        {
                            position++;
                        }

                        value = header[valueStart..position];
                        if (value.IsEmpty)
                        {
                            return false;
                        }
                    }
                }

                // Only the first rel parameter of a link counts (RFC 8288 §3.3).
                if (!sawRel && name.Equals("rel", StringComparison.OrdinalIgnoreCase))
                {
                    sawRel = true;
                    matches = HasRelation(value, relation);
                }
            }

            if (matches && target is null)
            {
                target = uri.Trim().ToString();
            }
        }
    }

    private static bool HasRelation(ReadOnlySpan<char> relations, ReadOnlySpan<char> relation)
    {
        foreach (var range in relations.SplitAny(" \t"))
        {
            if (relations[range].Equals(relation, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryReadQuoted(ReadOnlySpan<char> header, ref int position, out string? value)
    {
        var builder = new System.Text.StringBuilder();
        position++;
        while (position < header.Length)
        {
            var c = header[position++];
            if (c == '"')
            {
                value = builder.ToString();
                return true;
            }

            if (c == '\\')
            {
                if (position >= header.Length)
                {
                    break;
                }

                c = header[position++];
            }

            builder.Append(c);
        }

        value = null;
        return false;
    }

    private static void SkipWhitespace(ReadOnlySpan<char> header, ref int position)
    {
        while (position < header.Length && IsWhitespace(header[position]))
        {
            position++;
        }
    }

    private static bool IsWhitespace(char c) => c is ' ' or '\t';

    private static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
}
