using System.Globalization;
using System.Text;

namespace Ingestion.Samples.VendorSimulator;

// Finale pivot-table reports: the progress page of the stream endpoint and the purchase-order and stock reports as CSV or TSV.
internal static partial class FinaleEndpoints
{
    private static ValueTask<SimResponse> ReportStream(SimContext context)
    {
        if (Authenticate(context) is { } denied)
        {
            return ValueTask.FromResult(denied);
        }

        return ValueTask.FromResult(SimResponse.Text(
            200,
            "<!DOCTYPE html><html><head><title>Generating report</title><meta http-equiv=\"refresh\" content=\"2\"></head>"
            + "<body><div class=\"progress\">Generating report, please wait&hellip;</div></body></html>",
            "text/html; charset=utf-8"));
    }

    private static ValueTask<SimResponse> Report(SimContext context)
    {
        if (Authenticate(context) is { } denied)
        {
            return ValueTask.FromResult(denied);
        }

        var format = context.Query("format") ?? "csv";
        if (format is not ("csv" or "tsv"))
        {
            return ValueTask.FromResult(SimResponse.Text(400, $"Bad Request: the simulator serves format=csv or format=tsv, not '{format}'"));
        }

        var separator = format == "tsv" ? "\t" : ",";
        var dataset = context.Query("data") ?? "order";
        var builder = new StringBuilder(64 * 1024);
        lock (context.Data.Sync)
        {
            if (dataset == "product" || dataset == "stock")
            {
                StockReport(context.Data, builder, separator);
            }
            else
            {
                OrderReport(context.Data, builder, separator);
            }
        }

        var contentType = format == "tsv" ? "text/tab-separated-values; charset=utf-8" : "text/csv; charset=utf-8";
        return ValueTask.FromResult(new SimResponse(200, contentType, Encoding.UTF8.GetBytes(builder.ToString()))
            .With("Content-Disposition", $"attachment; filename=\"{context.Route("fileName")}\""));
    }

    private static void Row(StringBuilder builder, string separator, params string[] cells)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                builder.Append(separator);
            }

            builder.Append('"').Append(cells[i].Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
        }

        builder.Append("\r\n");
    }

    private static string StatusLabel(string statusId) => statusId switch
    {
        "ORDER_CREATED" => "Editable",
        "ORDER_LOCKED" => "Committed",
        "ORDER_COMPLETED" => "Completed",
        "ORDER_CANCELLED" => "Canceled",
        _ => statusId,
    };

    /// <summary>Purchase orders grouped by order: the order cells are blank on each order's continuation rows.</summary>
    private static void OrderReport(SimulatorData data, StringBuilder builder, string separator)
    {
        var suppliers = data.Parties.ToDictionary(p => p.PartyId, p => p.GroupName, StringComparer.Ordinal);
        Row(builder, separator, "Order ID", "Status", "Supplier", "Order date", "Product ID", "Quantity", "Unit price");
        decimal totalQuantity = 0;
        foreach (var order in data.Orders.Where(o => o.OrderTypeId == "PURCHASE_ORDER"))
        {
            var first = true;
            foreach (var item in order.Items)
            {
                totalQuantity += item.Quantity;
                var quantity = item.Quantity.ToString("#,0.##", CultureInfo.InvariantCulture);
                var price = item.UnitPrice.ToString("0.00", CultureInfo.InvariantCulture);
                if (first)
                {
                    Row(builder, separator, order.OrderId, StatusLabel(order.StatusId), suppliers.GetValueOrDefault(order.PartyId, order.PartyId),
                        order.OrderDate.ToString("MMM d yyyy", CultureInfo.InvariantCulture), item.ProductId, quantity, price);
                    first = false;
                }
                else
                {
                    Row(builder, separator, "", "", "", "", item.ProductId, quantity, price);
                }
            }
        }

        Row(builder, separator, "Total", "", "", "", "", totalQuantity.ToString("#,0.##", CultureInfo.InvariantCulture), "");
    }

    /// <summary>Stock by category: the category cell is blank on the category's continuation rows.</summary>
    private static void StockReport(SimulatorData data, StringBuilder builder, string separator)
    {
        Row(builder, separator, "Category", "Product ID", "Description", "Units in stock", "Unit cost");
        long total = 0;
        foreach (var group in data.Products.GroupBy(p => p.Category).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var first = true;
            foreach (var product in group.OrderBy(p => p.ProductId, StringComparer.Ordinal))
            {
                total += product.UnitsInStock;
                Row(builder, separator, first ? group.Key : "", product.ProductId, product.InternalName,
                    product.UnitsInStock.ToString("#,0", CultureInfo.InvariantCulture), product.Cost.ToString("0.00", CultureInfo.InvariantCulture));
                first = false;
            }
        }

        Row(builder, separator, "Total", "", "", total.ToString("#,0", CultureInfo.InvariantCulture), "");
    }
}
