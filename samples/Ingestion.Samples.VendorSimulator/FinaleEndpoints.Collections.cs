using System.Globalization;
using System.Text.Json;

namespace Ingestion.Samples.VendorSimulator;

// What every Finale collection shares: the base64 JSON filter and limit, and the column-major response with its cell writers.
internal static partial class FinaleEndpoints
{
    /// <summary>Applies <c>filter</c> (base64 JSON of field → [lower, upper], closed) and <c>limit</c>. Plain query parameters and <c>offset</c> are ignored.</summary>
    private static (List<T>? Rows, SimResponse? Error) Select<T>(SimContext context, IReadOnlyList<T> items, IReadOnlyList<Column<T>> columns)
    {
        IEnumerable<T> rows = items;
        var filterText = context.Query("filter");
        if (!string.IsNullOrEmpty(filterText))
        {
            JsonDocument document;
            try
            {
                var normalized = filterText.Replace('-', '+').Replace('_', '/');
                normalized = normalized.PadRight(normalized.Length + ((4 - (normalized.Length % 4)) % 4), '=');
                document = JsonDocument.Parse(Convert.FromBase64String(normalized));
            }
            catch (Exception ex) when (ex is FormatException or JsonException)
            {
                return (null, SimResponse.Text(400, "Bad Request: filter must be base64-encoded JSON"));
            }

            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    return (null, SimResponse.Text(400, "Bad Request: filter must be a JSON object"));
                }

                foreach (var property in document.RootElement.EnumerateObject())
                {
                    var column = columns.FirstOrDefault(c => c.Name == property.Name && c.Filter is not null);
                    if (column is null)
                    {
                        return (null, SimResponse.Text(400, $"Bad Request: cannot filter on '{property.Name}' (only top-level scalar fields)"));
                    }

                    if (property.Value.ValueKind != JsonValueKind.Array || property.Value.GetArrayLength() != 2)
                    {
                        return (null, SimResponse.Text(400, $"Bad Request: filter for '{property.Name}' must be [lower, upper]"));
                    }

                    var lower = property.Value[0];
                    var upper = property.Value[1];
                    var get = column.Filter!;
                    var isDate = property.Name.EndsWith("Date", StringComparison.Ordinal);
                    if (isDate)
                    {
                        if (!TryDate(lower, out var from) || !TryDate(upper, out var to))
                        {
                            return (null, SimResponse.Text(400, $"Bad Request: invalid date in filter for '{property.Name}'"));
                        }

                        if (property.Name == "lastUpdatedDate")
                        {
                            if (from is null)
                            {
                                return (null, SimResponse.Text(400, "Bad Request: lastUpdatedDate filter requires a lower bound"));
                            }

                            if (to is null && context.Options.FinaleRequireUpperBound)
                            {
                                return (null, SimResponse.Text(400, "Bad Request: lastUpdatedDate filter requires an upper bound"));
                            }

                            var end = to ?? context.Data.Now();
                            if (end - from.Value > context.Options.FinaleMaxFilterWindow)
                            {
                                return (null, SimResponse.Text(400, $"Bad Request: lastUpdatedDate range may not exceed {context.Options.FinaleMaxFilterWindow.TotalDays.ToString(CultureInfo.InvariantCulture)} days"));
                            }
                        }

                        rows = rows.Where(r => get(r) is DateTime v && (from is null || v >= from) && (to is null || v <= to));
                    }
                    else
                    {
                        var lo = lower.ValueKind == JsonValueKind.Null ? null : lower.ToString();
                        var hi = upper.ValueKind == JsonValueKind.Null ? null : upper.ToString();
                        rows = rows.Where(r => get(r)?.ToString() is { } v
                            && (lo is null || string.CompareOrdinal(v, lo) >= 0)
                            && (hi is null || string.CompareOrdinal(v, hi) <= 0));
                    }
                }
            }
        }

        var limit = int.TryParse(context.Query("limit"), NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? l : int.MaxValue;
        limit = Math.Min(limit, context.Options.FinaleMaxCollectionSize);
        if (context.TakeFault(FaultKind.SilentTruncation) is { } truncation)
        {
            limit = Math.Min(limit, truncation.Cap);
        }

        return (rows.Take(limit).ToList(), null);
    }

    private static bool TryDate(JsonElement element, out DateTime? value)
    {
        value = null;
        if (element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(element.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            value = parsed.UtcDateTime;
            return true;
        }

        return false;
    }

    private static SimResponse ColumnMajor<T>(IReadOnlyList<T> rows, IReadOnlyList<Column<T>> columns) => SimResponse.Json(200, w =>
    {
        w.WriteStartObject();
        foreach (var column in columns)
        {
            w.WriteStartArray(column.Name);
            foreach (var row in rows)
            {
                column.Write(w, row);
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
    });

    private static void WriteObject<T>(Utf8JsonWriter w, T row, IEnumerable<Column<T>> columns)
    {
        foreach (var column in columns)
        {
            w.WritePropertyName(column.Name);
            column.Write(w, row);
        }
    }

    private static void Str(Utf8JsonWriter w, string? value) => w.WriteStringOrNullValue(value);

    private static void Date(Utf8JsonWriter w, DateTime? value) => w.WriteStringOrNullValue(value is { } v ? JsonBody.Plain(v) : null);
}
