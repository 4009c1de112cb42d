using System.Text.Json;

namespace Ingestion.Running.Internal;

/// <summary>
/// Reads one scalar field of a JSON record as text (cursor values, placeholder values): strings unescaped,
/// numbers and booleans as written; objects, arrays, null and missing fields read as <see langword="null"/>.
/// Accepts the dotted and quoted-name subset of <see cref="JsonPath"/> (<c>$.a.b</c>, <c>a.b</c>, <c>$['@x']</c>).
/// </summary>
internal sealed class RecordField
{
    private readonly string[] _segments;

    private RecordField(string expression, string[] segments)
    {
        Expression = expression;
        _segments = segments;
    }

    public string Expression { get; }

    public static RecordField Parse(string expression)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(expression);
        var segments = new List<string>();
        var span = expression.AsSpan().Trim();
        var position = 0;
        if (span.Length > 0 && span[0] == '$')
        {
            position = 1;
        }
        else
        {
            position = -1; // a leading name without '.'
        }

        while (position < span.Length)
        {
            if (position == -1 || span[position] == '.')
            {
                var start = position + 1;
                var end = start;
                while (end < span.Length && span[end] != '.' && span[end] != '[')
                {
                    end++;
                }

                if (end == start)
                {
                    throw new FormatException($"The path '{expression}' has an empty name at position {start}.");
                }

                segments.Add(span[start..end].ToString());
                position = end;
            }
            else if (span[position] == '[' && position + 1 < span.Length && span[position + 1] is '\'' or '"')
            {
                var quote = span[position + 1];
                var close = span[(position + 2)..].IndexOf(quote);
                if (close < 0 || position + 2 + close + 1 >= span.Length || span[position + 2 + close + 1] != ']')
                {
                    throw new FormatException($"The path '{expression}' has an unterminated quoted name at position {position}.");
                }

                segments.Add(span.Slice(position + 2, close).ToString());
                position += close + 4;
            }
            else
            {
                throw new FormatException($"The path '{expression}' is not supported here: use dotted or quoted names (for example '$.updated_at' or \"$['@odata.id']\").");
            }
        }

        return new RecordField(expression, [.. segments]);
    }

    public string? Read(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        try
        {
            if (!reader.Read())
            {
                return null;
            }

            foreach (var segment in _segments)
            {
                if (reader.TokenType != JsonTokenType.StartObject || !MoveToProperty(ref reader, segment))
                {
                    return null;
                }
            }

            return reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString(),
                JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan),
                JsonTokenType.True => "true",
                JsonTokenType.False => "false",
                _ => null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // Positions the reader on the value of the named property of the object it is on.
    private static bool MoveToProperty(ref Utf8JsonReader reader, string name)
    {
        var depth = reader.CurrentDepth;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth)
            {
                return false;
            }

            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1)
            {
                var match = reader.ValueTextEquals(name);
                reader.Read();
                if (match)
                {
                    return true;
                }

                reader.Skip();
            }
        }

        return false;
    }
}
