using System.Text.Json;

namespace Ingestion.Records.Internal;

/// <summary>
/// Selects the array (or single object) at a path and hands on each element as a slice of the body.
/// The whole body is read, so malformed JSON anywhere in it is reported.
/// </summary>
internal sealed class JsonArraySelector(JsonPath path, int maxDepth = JsonPath.DefaultMaxDepth) : RecordSelector
{
    private readonly JsonReaderOptions _options = new() { MaxDepth = maxDepth };

    public override RecordSelection Select(ReadOnlyMemory<byte> body) => Select(body, []);

    internal override RecordSelection Select(ReadOnlyMemory<byte> body, List<ReadOnlyMemory<byte>> records)
    {
        records.Clear();
        if (BodyText.IsBlank(body.Span))
        {
            return RecordSelection.Of(records);
        }

        var reader = new Utf8JsonReader(body.Span, _options);
        try
        {
            if (!path.TryNavigate(ref reader))
            {
                return ReadToEnd(ref reader, records);
            }

            switch (reader.TokenType)
            {
                case JsonTokenType.Null:
                    return ReadToEnd(ref reader, records);
                case JsonTokenType.StartObject:
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    records.Add(body[start..(int)reader.BytesConsumed]);
                    return ReadToEnd(ref reader, records);
                }

                case JsonTokenType.StartArray:
                {
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        var start = (int)reader.TokenStartIndex;
                        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                        {
                            reader.Skip();
                        }

                        records.Add(body[start..(int)reader.BytesConsumed]);
                    }

                    return ReadToEnd(ref reader, records);
                }

                default:
                    return RecordSelection.Malformed(
                        $"The value at '{path.Expression}' is {BodyText.Describe(reader.TokenType)}, not an array or object of records.");
            }
        }
        catch (JsonException ex)
        {
            return RecordSelection.Malformed(BodyText.InvalidJson(path, ex, reader.CurrentDepth, maxDepth));
        }
    }

    private static RecordSelection ReadToEnd(ref Utf8JsonReader reader, List<ReadOnlyMemory<byte>> records)
    {
        while (reader.Read())
        {
        }

        return RecordSelection.Of(records);
    }
}
