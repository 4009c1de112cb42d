using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Ingestion;

/// <summary>
/// A compiled JSON path of the subset the library supports: <c>$</c> (the root), dotted names
/// (<c>$.data.items</c>, or <c>data.items</c> without the <c>$</c>), quoted names (<c>$['@odata.count']</c>)
/// and array indexes (<c>$.items[0]</c>, or <c>$.items[-1]</c> for the last element). Evaluation reads UTF-8 bytes with <c>Utf8JsonReader</c>
/// and returns slices of the input, without building a DOM. It reads only as far as the value it looks for,
/// so it does not validate the rest of the document. Instances are immutable and thread-safe.
/// </summary>
public sealed partial class JsonPath
{
    /// <summary>The deepest nesting a response body may have unless a selector sets another limit.</summary>
    internal const int DefaultMaxDepth = 256;

    /// <summary>Reader options shared by everything that reads records: no comments, deep nesting allowed.</summary>
    internal static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = DefaultMaxDepth };

    /// <summary>The root path <c>$</c>.</summary>
    public static JsonPath Root { get; } = new("$", []);

    /// <summary>The expression this path was parsed from.</summary>
    public string Expression { get; }

    /// <summary>Parses an expression.</summary>
    /// <param name="expression">The expression.</param>
    /// <returns>The compiled path.</returns>
    /// <exception cref="FormatException">The expression is not in the supported subset; the message quotes it.</exception>
    public static JsonPath Parse(string expression) => ParseCore(expression);

    /// <summary>Finds the value at this path.</summary>
    /// <param name="json">A UTF-8 JSON document.</param>
    /// <param name="value">The raw JSON text of the value, a slice of <paramref name="json"/> (strings keep their quotes).</param>
    /// <returns>Whether the path exists (a JSON <c>null</c> exists); <see langword="false"/> also for malformed JSON.</returns>
    public bool TrySelect(ReadOnlyMemory<byte> json, out ReadOnlyMemory<byte> value)
    {
        var reader = new Utf8JsonReader(json.Span, ReaderOptions);
        try
        {
            if (TryNavigate(ref reader))
            {
                var start = (int)reader.TokenStartIndex;
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }

                value = json[start..(int)reader.BytesConsumed];
                return true;
            }
        }
        catch (JsonException)
        {
        }

        value = default;
        return false;
    }

    /// <summary>Reads the value at this path as text: strings unescaped, numbers and booleans as written.</summary>
    /// <param name="json">A UTF-8 JSON document.</param>
    /// <param name="value">The text, or <see langword="null"/>.</param>
    /// <returns><see langword="false"/> when the path is missing, the value is <c>null</c>, an object or an array, or the JSON is malformed.</returns>
    public bool TryGetString(ReadOnlySpan<byte> json, out string? value)
    {
        var reader = new Utf8JsonReader(json, ReaderOptions);
        try
        {
            if (TryNavigate(ref reader))
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.String:
                        value = reader.GetString();
                        return true;
                    case JsonTokenType.Number:
                        value = Encoding.UTF8.GetString(reader.ValueSpan);
                        return true;
                    case JsonTokenType.True:
                        value = "true";
                        return true;
                    case JsonTokenType.False:
                        value = "false";
                        return true;
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
        }

        value = null;
        return false;
    }

    /// <inheritdoc cref="TryGetString(ReadOnlySpan{byte}, out string?)"/>
    public bool TryGetString(ReadOnlyMemory<byte> json, out string? value) => TryGetString(json.Span, out value);

    /// <summary>Reads the value at this path as a 64-bit integer: a JSON integer, or a string holding one (<c>"117"</c>).</summary>
    /// <param name="json">A UTF-8 JSON document.</param>
    /// <param name="value">The integer, or 0.</param>
    /// <returns>Whether an integer was found.</returns>
    public bool TryGetInt64(ReadOnlySpan<byte> json, out long value)
    {
        var reader = new Utf8JsonReader(json, ReaderOptions);
        try
        {
            if (TryNavigate(ref reader))
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.Number:
                        return reader.TryGetInt64(out value);
                    case JsonTokenType.String when !reader.ValueIsEscaped:
                        return Utf8Parser.TryParse(reader.ValueSpan, out value, out var consumed) && consumed == reader.ValueSpan.Length;
                    case JsonTokenType.String:
                        return long.TryParse(reader.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
        }

        value = 0;
        return false;
    }

    /// <inheritdoc cref="TryGetInt64(ReadOnlySpan{byte}, out long)"/>
    public bool TryGetInt64(ReadOnlyMemory<byte> json, out long value) => TryGetInt64(json.Span, out value);

    /// <summary>Reads the value at this path as a boolean: <c>true</c>/<c>false</c>, or a string holding one (any case).</summary>
    /// <param name="json">A UTF-8 JSON document.</param>
    /// <param name="value">The boolean, or <see langword="false"/>.</param>
    /// <returns>Whether a boolean was found.</returns>
    public bool TryGetBoolean(ReadOnlySpan<byte> json, out bool value)
    {
        var reader = new Utf8JsonReader(json, ReaderOptions);
        try
        {
            if (TryNavigate(ref reader))
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.True:
                        value = true;
                        return true;
                    case JsonTokenType.False:
                        value = false;
                        return true;
                    case JsonTokenType.String:
                        return bool.TryParse(reader.GetString(), out value);
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
        }

        value = false;
        return false;
    }

    /// <inheritdoc cref="TryGetBoolean(ReadOnlySpan{byte}, out bool)"/>
    public bool TryGetBoolean(ReadOnlyMemory<byte> json, out bool value) => TryGetBoolean(json.Span, out value);

    /// <summary>Returns the expression.</summary>
    public override string ToString() => Expression;

    /// <summary>
    /// Moves a fresh reader to the first token of the value at this path. Returns <see langword="false"/> when
    /// the path does not exist (a name on a non-object, an index on a non-array, a missing name or index); the
    /// reader is then somewhere inside the document. Throws <see cref="JsonException"/> on malformed JSON.
    /// </summary>
    internal bool TryNavigate(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            return false;
        }

        foreach (var segment in _segments)
        {
            if (segment.Utf8Name is { } name)
            {
                if (reader.TokenType != JsonTokenType.StartObject || !TryFindProperty(ref reader, name))
                {
                    return false;
                }
            }
            else if (reader.TokenType != JsonTokenType.StartArray || !TryFindElement(ref reader, segment.Index))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryFindProperty(ref Utf8JsonReader reader, byte[] name)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var matches = reader.ValueTextEquals(name);
            reader.Read();
            if (matches)
            {
                return true;
            }

            reader.Skip();
        }

        return false;
    }

    private static bool TryFindElement(ref Utf8JsonReader reader, int index)
    {
        if (index < 0)
        {
            // Counted from the end: a copy of the reader counts the elements, then the reader goes to the one wanted.
            var counter = reader;
            var count = 0;
            while (counter.Read() && counter.TokenType != JsonTokenType.EndArray)
            {
                counter.Skip();
                count++;
            }

            index += count;
            if (index < 0)
            {
                return false;
            }
        }

        var current = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (current == index)
            {
                return true;
            }

            reader.Skip();
            current++;
        }

        return false;
    }
}
