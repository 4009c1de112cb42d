using System.Buffers;
using System.Text.Json;

namespace Ingestion.Records.Internal;

/// <summary>
/// Transposes a column-major collection (an object of equally long arrays) into one JSON object per row.
/// Rows are written with one <see cref="Utf8JsonWriter"/> into a single buffer owned by the selection, so
/// a page costs one buffer, not one per record. Values are copied as raw JSON, exactly as sent.
/// </summary>
internal sealed class ColumnMajorSelector(JsonPath path) : RecordSelector
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    public override RecordSelection Select(ReadOnlyMemory<byte> body)
    {
        if (BodyText.IsBlank(body.Span))
        {
            return RecordSelection.Of([]);
        }

        var reader = new Utf8JsonReader(body.Span, JsonPath.ReaderOptions);
        var columns = new List<Column>();
        var cells = new List<Range>();
        try
        {
            if (!path.TryNavigate(ref reader) || reader.TokenType == JsonTokenType.Null)
            {
                ReadToEnd(ref reader);
                return RecordSelection.Of([]);
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return RecordSelection.Malformed(
                    $"The column-major collection at '{path.Expression}' is {BodyText.Describe(reader.TokenType)}, not an object of arrays.");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    return RecordSelection.Malformed(
                        $"The column '{name}' of the column-major collection at '{path.Expression}' is {BodyText.Describe(reader.TokenType)}, not an array.");
                }

                var first = cells.Count;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var start = (int)reader.TokenStartIndex;
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    {
                        reader.Skip();
                    }

                    cells.Add(new Range(start, (int)reader.BytesConsumed));
                }

                columns.Add(new Column(JsonEncodedText.Encode(name), name, first, cells.Count - first));
            }

            ReadToEnd(ref reader);
        }
        catch (JsonException ex)
        {
            return RecordSelection.Malformed(BodyText.InvalidJson(path, ex, reader.CurrentDepth, JsonPath.ReaderOptions.MaxDepth));
        }

        if (columns.Count == 0)
        {
            return RecordSelection.Of([]);
        }

        var rows = columns[0].Count;
        foreach (var column in columns)
        {
            if (column.Count != rows)
            {
                return RecordSelection.Malformed(
                    $"The column-major collection at '{path.Expression}' has columns of different lengths: '{columns[0].Name}' has {rows} values, '{column.Name}' has {column.Count}.");
            }
        }

        return RecordSelection.Of(Transpose(body.Span, columns, cells, rows));
    }

    private static ReadOnlyMemory<byte>[] Transpose(ReadOnlySpan<byte> body, List<Column> columns, List<Range> cells, int rows)
    {
        if (rows == 0)
        {
            return [];
        }

        var nameBytes = 0;
        foreach (var column in columns)
        {
            nameBytes += column.Encoded.EncodedUtf8Bytes.Length + 4;
        }

        var output = new ArrayBufferWriter<byte>(body.Length + (rows * (nameBytes + 2)));
        var ends = new int[rows];
        using (var writer = new Utf8JsonWriter(output, WriterOptions))
        {
            for (var row = 0; row < rows; row++)
            {
                writer.WriteStartObject();
                foreach (var column in columns)
                {
                    writer.WritePropertyName(column.Encoded);
                    writer.WriteRawValue(body[cells[column.First + row]], skipInputValidation: true);
                }

                writer.WriteEndObject();
                writer.Flush();
                ends[row] = output.WrittenCount;

                // Each row is its own JSON document: reset so no separator is written between rows.
                writer.Reset();
            }
        }

        var memory = output.WrittenMemory;
        var records = new ReadOnlyMemory<byte>[rows];
        var previous = 0;
        for (var row = 0; row < rows; row++)
        {
            records[row] = memory[previous..ends[row]];
            previous = ends[row];
        }

        return records;
    }

    private static void ReadToEnd(ref Utf8JsonReader reader)
    {
        while (reader.Read())
        {
        }
    }

    private readonly record struct Column(JsonEncodedText Encoded, string Name, int First, int Count);
}
