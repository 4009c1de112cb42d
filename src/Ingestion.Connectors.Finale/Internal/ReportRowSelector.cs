using System.Globalization;
using System.Text.Json;

namespace Ingestion.Connectors.Finale.Internal;

/// <summary>
/// Reads a Finale CSV report with the standard CSV selector (blank group cells carried down, always the order column of a
/// purchase-order line report), skips summary rows such as
/// <c>Total</c>, and gives each row a key made of its key columns, written first into the row as
/// <see cref="FinaleStreams.ReportKeyField"/>. A key that repeats within the report gets <c>#2</c>, <c>#3</c>… in row order,
/// so repeated lines stay distinct and keep the same keys from run to run.
/// </summary>
internal sealed class ReportRowSelector : RecordSelector
{
    private readonly RecordSelector _csv;
    private readonly string[] _keyColumns;
    private readonly string _totalLabel;

    public ReportRowSelector(FinaleReportOptions report)
    {
        _keyColumns = [.. report.KeyColumns];
        _totalLabel = report.TotalRowLabel;
        // The order column of a purchase-order line report is carried down whatever is configured: a grouped report leaves it
        // blank under an order's first line, and a line without its order would be attributed to none.
        var carry = report.CarryDownColumns.ToList();
        if (report.PurchaseOrderColumns?.OrderId is { Length: > 0 } orderColumn && !carry.Contains(orderColumn, StringComparer.Ordinal))
        {
            carry.Add(orderColumn);
        }

        _csv = Csv(new CsvSelectorOptions { CarryDownColumns = carry });
    }

    public override RecordSelection Select(ReadOnlyMemory<byte> body)
    {
        var selection = _csv.Select(body);
        if (!selection.Succeeded || selection.Records.Count == 0)
        {
            return selection;
        }

        using var rows = new JsonRecordWriter(body.Length * 2);
        var writer = rows.Json;
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var parts = new string[_keyColumns.Length];
        foreach (var record in selection.Records)
        {
            using var row = JsonDocument.Parse(record);
            if (IsSummaryRow(row.RootElement))
            {
                continue;
            }

            for (var i = 0; i < _keyColumns.Length; i++)
            {
                if (!row.RootElement.TryGetProperty(_keyColumns[i], out var value))
                {
                    return RecordSelection.Malformed($"The key column '{_keyColumns[i]}' is not in the report's header.");
                }

                parts[i] = value.GetString()?.Trim() ?? string.Empty;
            }

            var key = string.Join('|', parts);
            var occurrence = seen.TryGetValue(key, out var count) ? count + 1 : 1;
            seen[key] = occurrence;
            if (occurrence > 1)
            {
                key += "#" + occurrence.ToString(CultureInfo.InvariantCulture);
            }

            writer.WriteStartObject();
            writer.WriteString(FinaleStreams.ReportKeyField, key);
            foreach (var cell in row.RootElement.EnumerateObject())
            {
                cell.WriteTo(writer);
            }

            writer.WriteEndObject();
            rows.EndRecord();
        }

        return rows.ToSelection();
    }

    // A summary row (such as "Total") names itself in its first cell.
    private bool IsSummaryRow(JsonElement row)
    {
        if (_totalLabel.Length == 0)
        {
            return false;
        }

        using var cells = row.EnumerateObject();
        return cells.MoveNext() && string.Equals(cells.Current.Value.GetString()?.Trim(), _totalLabel, StringComparison.OrdinalIgnoreCase);
    }
}
