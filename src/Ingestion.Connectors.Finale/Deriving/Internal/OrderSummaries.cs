using System.Globalization;
using System.Text.Json;

namespace Ingestion.Connectors.Finale.Deriving.Internal;

/// <summary>One purchase order's summary.</summary>
internal sealed record OrderSummary
{
    public required string OrderId { get; init; }

    public string? OrderUrl { get; init; }

    public string? Status { get; init; }

    /// <summary>The supplier's party id: from the order's <c>SUPPLIER</c> role, or resolved from a report's supplier name.</summary>
    public string? SupplierId { get; init; }

    /// <summary>The supplier's name: a report's supplier cell, or resolved from the party id through the synced suppliers.</summary>
    public string? SupplierName { get; init; }

    public DateTimeOffset? OrderDate { get; init; }

    public DateTimeOffset? ReceiveDate { get; init; }

    public int? LineCount { get; init; }

    /// <summary>Distinct products over the lines (one product can be on several lines); null without lines.</summary>
    public int? ProductCount { get; init; }

    public decimal? TotalQuantity { get; init; }

    public decimal? TotalAmount { get; init; }

    public bool Received { get; init; }

    public required string Basis { get; init; }

    public byte[] ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("orderId", OrderId);
            WriteOptional(writer, "orderUrl", OrderUrl);
            WriteOptional(writer, "status", Status);
            WriteOptional(writer, "supplierId", SupplierId);
            WriteOptional(writer, "supplierName", SupplierName);
            WriteOptional(writer, "orderDate", OrderDate?.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
            WriteOptional(writer, "receiveDate", ReceiveDate?.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
            if (LineCount is { } lines)
            {
                writer.WriteNumber("lineCount", lines);
            }
            else
            {
                writer.WriteNull("lineCount");
            }

            if (ProductCount is { } products)
            {
                writer.WriteNumber("productCount", products);
            }
            else
            {
                writer.WriteNull("productCount");
            }

            WriteNumber(writer, "totalQuantity", TotalQuantity);
            WriteNumber(writer, "totalAmount", TotalAmount);
            writer.WriteBoolean("received", Received);
            writer.WriteString("basis", Basis);
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteNumber(Utf8JsonWriter writer, string name, decimal? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}

/// <summary>Reads purchase orders (single-order records, collection rows, report rows) into summaries. Pure functions.</summary>
internal static class OrderSummaries
{
    public const string BasisOrder = "order";
    public const string BasisReport = "report";
    public const string BasisCollection = "collection";
    public const string Completed = "ORDER_COMPLETED";

    private static readonly string[] ReportDateFormats = ["MMM d yyyy", "MMM dd yyyy", "yyyy-MM-dd", "M/d/yyyy", "d MMM yyyy"];

    /// <summary>The <c>orderId</c> of a purchase order record, or <see langword="null"/> for other order types and unreadable records.</summary>
    public static string? PurchaseOrderId(ReadOnlySpan<byte> payload)
    {
        try
        {
            var reader = new Utf8JsonReader(payload);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            if (root.TryGetProperty("orderTypeId", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() != "PURCHASE_ORDER")
            {
                return null;
            }

            return root.TryGetProperty("orderId", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } value ? value : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The order id of a report row, or <see langword="null"/> when blank.</summary>
    public static string? ReportOrderId(ReadOnlySpan<byte> payload, FinalePurchaseOrderReportColumns columns)
    {
        try
        {
            var reader = new Utf8JsonReader(payload);
            using var document = JsonDocument.ParseValue(ref reader);
            return Text(document.RootElement, columns.OrderId) is { Length: > 0 } id ? id : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The order's <c>lastUpdatedDate</c>, to tell which of two reads of it is newer.</summary>
    public static DateTimeOffset? LastUpdated(ReadOnlySpan<byte> payload)
    {
        var reader = new Utf8JsonReader(payload);
        using var document = JsonDocument.ParseValue(ref reader);
        return Date(Text(document.RootElement, "lastUpdatedDate"));
    }

    /// <summary>Summarizes a single-order record (lines from <c>orderItemList</c>) or a collection row (total only).</summary>
    public static OrderSummary? FromOrder(ReadOnlySpan<byte> payload, string basis)
    {
        var reader = new Utf8JsonReader(payload);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (Text(root, "orderId") is not { Length: > 0 } orderId)
        {
            return null;
        }

        int? lines = null;
        HashSet<string>? products = null;
        decimal? quantity = null;
        decimal? amount = null;
        if (root.TryGetProperty("orderItemList", out var items) && items.ValueKind == JsonValueKind.Array)
        {
            lines = 0;
            products = new HashSet<string>(StringComparer.Ordinal);
            quantity = 0;
            amount = 0;
            foreach (var item in items.EnumerateArray())
            {
                lines++;
                if (Text(item, "productId") is { Length: > 0 } product)
                {
                    products.Add(product);
                }

                var q = Number(item, "quantity") ?? 0;
                var p = Number(item, "unitPrice") ?? 0;
                quantity += q;
                amount += q * p;
            }
        }
        else
        {
            amount = Number(root, "orderItemListTotal");
        }

        // Discounts, freight and fees change what the order costs: the total includes them.
        if (amount is not null && root.TryGetProperty("orderAdjustmentList", out var adjustments) && adjustments.ValueKind == JsonValueKind.Array)
        {
            foreach (var adjustment in adjustments.EnumerateArray())
            {
                amount += Number(adjustment, "amount") ?? 0;
            }
        }

        string? supplier = null;
        if (root.TryGetProperty("orderRoleList", out var roles) && roles.ValueKind == JsonValueKind.Array)
        {
            foreach (var role in roles.EnumerateArray())
            {
                if (Text(role, "roleTypeId") == "SUPPLIER")
                {
                    supplier = Text(role, "partyId");
                    break;
                }
            }
        }

        var status = Text(root, "statusId");
        return new OrderSummary
        {
            OrderId = orderId,
            OrderUrl = Text(root, "orderUrl"),
            Status = status,
            SupplierId = supplier,
            OrderDate = Date(Text(root, "orderDate")),
            ReceiveDate = Date(Text(root, "receiveDate")),
            LineCount = lines,
            ProductCount = products?.Count,
            TotalQuantity = quantity,
            TotalAmount = amount,
            Received = status == Completed,
            Basis = basis,
        };
    }

    /// <summary>Summarizes the rows of one order in a purchase-order line report; <see langword="null"/> when there are none.</summary>
    public static OrderSummary? FromReportRows(string orderId, IReadOnlyList<ReadOnlyMemory<byte>> rows, FinalePurchaseOrderReportColumns columns, CultureInfo? culture = null)
    {
        culture ??= CultureInfo.InvariantCulture;
        if (rows.Count == 0)
        {
            return null;
        }

        string? status = null;
        string? supplier = null;
        DateTimeOffset? orderDate = null;
        var products = new HashSet<string>(StringComparer.Ordinal);
        decimal quantity = 0;
        decimal amount = 0;
        foreach (var row in rows)
        {
            using var document = JsonDocument.Parse(row);
            var root = document.RootElement;
            if (Text(root, columns.ProductId) is { } product && !string.IsNullOrWhiteSpace(product))
            {
                products.Add(product.Trim());
            }

            status ??= StatusFromLabel(Text(root, columns.Status));
            supplier ??= Text(root, columns.Supplier) is { Length: > 0 } s ? s : null;
            orderDate ??= ReportDate(Text(root, columns.OrderDate));
            var q = ReportNumber(Text(root, columns.Quantity), culture) ?? 0;
            var p = ReportNumber(Text(root, columns.UnitPrice), culture) ?? 0;
            quantity += q;
            amount += q * p;
        }

        return new OrderSummary
        {
            OrderId = orderId,
            Status = status,
            SupplierName = supplier,
            OrderDate = orderDate,
            LineCount = rows.Count,
            ProductCount = products.Count,
            TotalQuantity = quantity,
            TotalAmount = amount,
            Received = status == Completed,
            Basis = BasisReport,
        };
    }

    /// <summary>Maps Finale's status labels (as shown in reports) to status ids; unknown labels are kept.</summary>
    public static string? StatusFromLabel(string? label) => label?.Trim() switch
    {
        null or "" => null,
        var l when l.Equals("Editable", StringComparison.OrdinalIgnoreCase) || l.Equals("Draft", StringComparison.OrdinalIgnoreCase) => "ORDER_CREATED",
        var l when l.Equals("Committed", StringComparison.OrdinalIgnoreCase) || l.Equals("Locked", StringComparison.OrdinalIgnoreCase) => "ORDER_LOCKED",
        var l when l.Equals("Completed", StringComparison.OrdinalIgnoreCase) => Completed,
        var l when l.Equals("Canceled", StringComparison.OrdinalIgnoreCase) || l.Equals("Cancelled", StringComparison.OrdinalIgnoreCase) => "ORDER_CANCELLED",
        var l => l,
    };

    /// <summary>
    /// Reads a formatted report number in the report's culture (<c>1,234.50</c> invariant, <c>1.234,50</c> in nl-NL, <c>$4.25</c>);
    /// currency symbols and spaces are dropped. <see langword="null"/> when blank or unreadable.
    /// </summary>
    public static decimal? ReportNumber(string? text, CultureInfo? culture = null)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var format = (culture ?? CultureInfo.InvariantCulture).NumberFormat;
        var group = format.NumberGroupSeparator;
        var spaceGroup = group.Length > 0 && group.All(c => char.IsWhiteSpace(c) || c == '\u202F');
        var cleaned = new System.Text.StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsAsciiDigit(c) || c == '-')
            {
                cleaned.Append(c);
            }
            else if (string.CompareOrdinal(text, i, format.NumberDecimalSeparator, 0, format.NumberDecimalSeparator.Length) == 0)
            {
                cleaned.Append(format.NumberDecimalSeparator);
                i += format.NumberDecimalSeparator.Length - 1;
            }
            else if (!spaceGroup && group.Length > 0 && string.CompareOrdinal(text, i, group, 0, group.Length) == 0)
            {
                cleaned.Append(group);
                i += group.Length - 1;
            }
        }

        return decimal.TryParse(cleaned.ToString(), NumberStyles.Number, format, out var value) ? value : null;
    }

    private static DateTimeOffset? ReportDate(string? text) =>
        !string.IsNullOrWhiteSpace(text) && DateTime.TryParseExact(text.Trim(), ReportDateFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date)
            ? new DateTimeOffset(DateTime.SpecifyKind(date, DateTimeKind.Utc))
            : null;

    // Finale's date-times have no offset; they are read as UTC.
    private static DateTimeOffset? Date(string? text) =>
        !string.IsNullOrWhiteSpace(text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : null;

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static decimal? Number(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var number) ? number : null;
}
