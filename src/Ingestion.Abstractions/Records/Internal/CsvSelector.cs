using System.Globalization;
using System.Text.Json;
using CsvHelper;

namespace Ingestion.Records.Internal;

/// <summary>
/// Reads a CSV body with a header row into one JSON object of strings per row, keyed by header, written
/// into a single buffer owned by the selection. Blank cells of carry-down columns take the value from the
/// row above, which is how grouped reports leave repeated group cells. Fields are read as UTF-8 spans:
/// no string per cell.
/// </summary>
internal sealed class CsvSelector : RecordSelector
{

    private readonly CsvSelectorOptions _options;
    private readonly CsvReaderOptions _readerOptions;

    public CsvSelector(CsvSelectorOptions options)
    {
        _options = options;
        _readerOptions = new CsvReaderOptions
        {
            Separator = options.Delimiter[0],
            HasHeader = true,
            SkipEmptyLines = true,
            MalformedData = CsvMalformedDataHandling.Throw,
            IncludeValuesInExceptions = false,
        };
    }

    public override RecordSelection Select(ReadOnlyMemory<byte> body)
    {
        if (BodyText.IsBlank(body.Span))
        {
            return RecordSelection.Of([]);
        }

        try
        {
            using var reader = CsvReader.Create(body, _readerOptions);
            var headers = reader.Headers;
            if (headers.Count == 0)
            {
                return RecordSelection.Of([]);
            }

            var names = UniqueNames(headers);
            var carry = new bool[names.Length];
            if (!MarkCarryDown(headers, carry, out var unknown))
            {
                return RecordSelection.Malformed($"The carry-down column '{unknown}' is not in the CSV header.");
            }

            // The last value of each carry-down column, kept as UTF-8 bytes.
            var carried = new byte[names.Length][];
            using var records = new JsonRecordWriter(body.Length * 2);
            var writer = records.Json;
            while (reader.Read())
            {
                if (reader.FieldCount > names.Length)
                {
                    return RecordSelection.Malformed(
                        $"CSV row {reader.RowNumber.ToString(CultureInfo.InvariantCulture)} has {reader.FieldCount} fields but the header has {names.Length} columns.");
                }

                writer.WriteStartObject();
                for (var i = 0; i < names.Length; i++)
                {
                    var value = i < reader.FieldCount ? reader.GetSpan(i) : default;
                    if (carry[i])
                    {
                        if (value.Trim(" \t"u8).IsEmpty)
                        {
                            value = carried[i] ?? default;
                        }
                        else
                        {
                            carried[i] = value.ToArray();
                        }
                    }

                    writer.WriteString(names[i], value);
                }

                writer.WriteEndObject();
                records.EndRecord();
            }

            return records.ToSelection();
        }
        catch (CsvFormatException ex)
        {
            // Report the position only: cell values may be personal data.
            return RecordSelection.Malformed(
                $"The CSV body is malformed at record {ex.RecordNumber.ToString(CultureInfo.InvariantCulture)} (byte {ex.ByteOffset.ToString(CultureInfo.InvariantCulture)}).");
        }
    }

    private bool MarkCarryDown(IReadOnlyList<string> headers, bool[] carry, out string? unknown)
    {
        unknown = null;
        if (_options.CarryDownAllColumns)
        {
            Array.Fill(carry, true);
            return true;
        }

        foreach (var column in _options.CarryDownColumns)
        {
            var found = false;
            for (var i = 0; i < headers.Count; i++)
            {
                if (string.Equals(headers[i], column, StringComparison.Ordinal))
                {
                    carry[i] = true;
                    found = true;
                }
            }

            if (!found)
            {
                unknown = column;
                return false;
            }
        }

        return true;
    }

    // Duplicate header labels would produce duplicate JSON keys; later ones get a numeric suffix.
    private static JsonEncodedText[] UniqueNames(IReadOnlyList<string> headers)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var names = new JsonEncodedText[headers.Count];
        for (var i = 0; i < headers.Count; i++)
        {
            var name = headers[i];
            for (var suffix = 2; !seen.Add(name); suffix++)
            {
                name = string.Create(CultureInfo.InvariantCulture, $"{headers[i]}_{suffix}");
            }

            names[i] = JsonEncodedText.Encode(name);
        }

        return names;
    }
}
