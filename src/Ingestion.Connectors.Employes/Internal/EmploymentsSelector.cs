using System.Text.Json;

namespace Ingestion.Connectors.Employes.Internal;

/// <summary>
/// Reads an <c>/employments</c> body, which may be a bare array or <c>{"data":[...]}</c>, into one record: the array of the
/// employee's employment periods, exactly as sent (keyed by the employee). <c>{"data":null}</c> or an object without
/// <c>data</c> is no employments; anything else, or JSON that does not parse to the end, is malformed.
/// </summary>
internal sealed class EmploymentsSelector : RecordSelector
{
    private static readonly ReadOnlyMemory<byte> EmptyArray = "[]"u8.ToArray();

    public static EmploymentsSelector Instance { get; } = new();

    public override RecordSelection Select(ReadOnlyMemory<byte> body)
    {
        var reader = new Utf8JsonReader(body.Span, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        ReadOnlyMemory<byte>? records = null;
        try
        {
            if (!reader.Read())
            {
                return RecordSelection.Malformed("the employments body is empty");
            }

            switch (reader.TokenType)
            {
                case JsonTokenType.StartArray:
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    records = body[start..(int)reader.BytesConsumed];
                    break;

                case JsonTokenType.StartObject:
                    records = ReadData(ref reader, body);
                    break;

                default:
                    return RecordSelection.Malformed($"the employments body is a {reader.TokenType}, not an array or an object with 'data'");
            }

            // The rest must be whitespace only: a truncated or doubled body is malformed, not partly read.
            if (reader.Read())
            {
                return RecordSelection.Malformed("the employments body has content after its JSON value");
            }
        }
        catch (JsonException exception)
        {
            return RecordSelection.Malformed($"the employments body is not valid JSON: {exception.Message}");
        }

        return records is { } found
            ? RecordSelection.Of([found])
            : RecordSelection.Malformed("the employments body's 'data' is neither an array nor null");
    }

    // Reads the whole object (so truncation is caught) and returns the 'data' array, "[]" for null or missing, or null when 'data' has another type.
    private static ReadOnlyMemory<byte>? ReadData(ref Utf8JsonReader reader, ReadOnlyMemory<byte> body)
    {
        ReadOnlyMemory<byte>? data = EmptyArray;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isData = reader.ValueTextEquals("data"u8);
            reader.Read();
            if (!isData)
            {
                reader.Skip();
                continue;
            }

            switch (reader.TokenType)
            {
                case JsonTokenType.StartArray:
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    data = body[start..(int)reader.BytesConsumed];
                    break;
                case JsonTokenType.Null:
                    data = EmptyArray;
                    break;
                default:
                    reader.Skip();
                    data = null;
                    break;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            throw new JsonException("the object does not end");
        }

        return data;
    }
}
