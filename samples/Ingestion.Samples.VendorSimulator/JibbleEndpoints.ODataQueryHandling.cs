using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Ingestion.Samples.VendorSimulator;

// OData query handling shared by every Jibble collection: the query options, paging with its next link and the response body.
internal static partial class JibbleEndpoints
{
    private static SimResponse Collection<T>(
        SimContext context,
        string hostPrefix,
        string setName,
        string entityType,
        IReadOnlyList<T> items,
        IReadOnlyDictionary<string, ODataField<T>> fields,
        bool requireDateFilter,
        Action<Utf8JsonWriter, T>? annotations)
    {
        var target = (context.Http.Request.Path.Value ?? string.Empty) + (context.Http.Request.QueryString.Value ?? string.Empty);
        if (context.Options.JibbleMaxRequestTargetLength > 0 && target.Length > context.Options.JibbleMaxRequestTargetLength)
        {
            return SimResponse.Text(414, "URI Too Long");
        }

        IEnumerable<T> query = items;
        int top;
        int skip;
        bool count;
        ODataField<T>[] selected;
        try
        {
            top = ParseCount(context.Query("$top"), "$top") ?? context.Options.JibbleMaxPageSize;
            skip = ParseCount(context.Query("$skip"), "$skip") ?? 0;
            count = context.Query("$count") is { } c && (c.Equals("true", StringComparison.OrdinalIgnoreCase)
                ? true
                : c.Equals("false", StringComparison.OrdinalIgnoreCase) ? false : throw new ODataException($"'{c}' is not a valid count option."));

            var filter = context.Query("$filter");
            var dateFiltered = false;
            if (!string.IsNullOrWhiteSpace(filter))
            {
                if (context.Options.JibbleMaxFilterNodes > 0 && ODataFilter.NodeCount(filter) is var nodes && nodes > context.Options.JibbleMaxFilterNodes)
                {
                    throw new ODataException($"The node count limit of '{context.Options.JibbleMaxFilterNodes}' has been exceeded. To increase the limit, set the 'MaxNodeCount' property on EnableQueryAttribute or ODataValidationSettings. ({nodes} nodes)");
                }

                var predicate = ODataFilter.Parse(filter, fields, entityType, out var referenced);
                dateFiltered = referenced.Contains("belongsToDate");
                query = query.Where(predicate);
            }

            if (requireDateFilter && !dateFiltered)
            {
                query = [];
            }

            var orderBy = context.Query("$orderby");
            if (!string.IsNullOrWhiteSpace(orderBy))
            {
                var comparison = ODataFilter.ParseOrderBy(orderBy, fields, entityType);
                var list = query.ToList();
                var indexed = list.Select((item, index) => (item, index)).ToList();
                indexed.Sort((a, b) => comparison(a.item, b.item) is var r && r != 0 ? r : a.index.CompareTo(b.index));
                query = indexed.Select(x => x.item);
            }

            var select = context.Query("$select");
            if (string.IsNullOrWhiteSpace(select))
            {
                selected = [.. fields.Values.DistinctBy(f => f.Name)];
            }
            else
            {
                var names = select.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                selected = [.. names.Select(n => fields.TryGetValue(n, out var f) ? f : throw new ODataException($"Could not find a property named '{n}' on type '{entityType}'."))];
            }
        }
        catch (ODataException ex)
        {
            return VendorErrors.ODataError(400, string.Empty, "The query specified in the URI is not valid. " + ex.Message);
        }

        var all = query.ToList();
        var pageSize = Math.Min(top, context.Options.JibbleMaxPageSize);
        if (context.TakeFault(FaultKind.SilentTruncation) is { } truncation)
        {
            pageSize = Math.Min(pageSize, truncation.Cap);
        }

        var page = all.Skip(skip).Take(pageSize).ToList();
        var request = context.Http.Request;
        var origin = $"{request.Scheme}://{request.Host}{request.PathBase}";
        var contextName = string.IsNullOrWhiteSpace(context.Query("$select")) ? setName : $"{setName}({string.Join(',', selected.Select(f => f.Name))})";
        string? nextLink = null;
        if (context.Options.JibbleEmitNextLink && skip + page.Count < all.Count && page.Count > 0)
        {
            var parameters = request.Query
                .Where(kv => kv.Key != "$skip")
                .Select(kv => $"{Uri.EscapeDataString(kv.Key)}={Uri.EscapeDataString(kv.Value.ToString())}")
                .Append($"$skip={(skip + page.Count).ToString(CultureInfo.InvariantCulture)}");
            nextLink = $"{origin}{request.Path}?{string.Join('&', parameters)}";
        }

        return SimResponse.Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteString("@odata.context", $"{origin}{hostPrefix}/v1/$metadata#{contextName}");
            if (count)
            {
                w.WriteNumber("@odata.count", all.Count);
            }

            w.WriteStartArray("value");
            foreach (var item in page)
            {
                w.WriteStartObject();
                annotations?.Invoke(w, item);
                foreach (var field in selected)
                {
                    w.WritePropertyName(field.Name);
                    if (field.Write is not null)
                    {
                        field.Write(w, item);
                    }
                    else
                    {
                        WriteValue(w, field.Get(item));
                    }
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (nextLink is not null)
            {
                w.WriteString("@odata.nextLink", nextLink);
            }

            w.WriteEndObject();
        });
    }

    private static int? ParseCount(string? value, string name)
    {
        if (value is null)
        {
            return null;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw new ODataException($"Invalid value '{value}' for {name} query option found. The {name} query option requires a non-negative integer value.");
    }

    private static void WriteValue(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null:
                w.WriteNullValue();
                break;
            case string s:
                w.WriteStringValue(s);
                break;
            case Guid g:
                w.WriteStringValue(g);
                break;
            case DateOnly d:
                w.WriteStringValue(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                break;
            case DateTimeOffset t:
                w.WriteStringValue(FormatInstant(t.ToUniversalTime(), 7));
                break;
            case bool b:
                w.WriteBooleanValue(b);
                break;
            case int i:
                w.WriteNumberValue(i);
                break;
            default:
                w.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
