using System.Text;
using System.Text.Json;
using Ingestion.Connectors.Finale;
using Ingestion.Connectors.Finale.Deriving.Internal;
using Ingestion.Connectors.Finale.Internal;
using Ingestion.Connectors.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Ingestion.Connectors.Tests.Finale;

public sealed class PurchaseOrderSummaryDeriverTests(ConnectorTestFixture postgres)
{
    private const string GroupedReport =
        "\"Order ID\",\"Status\",\"Supplier\",\"Order date\",\"Product ID\",\"Quantity\",\"Unit price\"\r\n" +
        "\"PO-10041\",\"Committed\",\"Acme Soil Co\",\"Jun 2 2026\",\"BC101\",\"120\",\"4.25\"\r\n" +
        "\"\",\"\",\"\",\"\",\"BC105\",\"10\",\"12.00\"\r\n" +
        "\"\",\"\",\"\",\"\",\"BC105\",\"1,000\",\"0.50\"\r\n" +
        "\"PO-10042\",\"Completed\",\"Green Sack Ltd\",\"Jun 3 2026\",\"BC102\",\"40\",\"7.90\"\r\n" +
        "\"Total\",\"\",\"\",\"\",\"\",\"1,170\",\"\"\r\n";

    [Fact]
    public void A_grouped_report_carries_order_cells_down_skips_the_total_and_summarizes_each_order()
    {
        var report = FinaleHarness.Report("order-lines", "doc/report/pivotTable/8/Report.csv", ["Order ID", "Product ID"], ["Order ID", "Status", "Supplier", "Order date"], new FinalePurchaseOrderReportColumns());
        var selection = new ReportRowSelector(report).Select(Encoding.UTF8.GetBytes(GroupedReport));

        Assert.True(selection.Succeeded, selection.Error);
        var rows = selection.Records.Select(r => JsonDocument.Parse(r).RootElement).ToList();
        Assert.Equal(["PO-10041|BC101", "PO-10041|BC105", "PO-10041|BC105#2", "PO-10042|BC102"], rows.Select(r => r.GetProperty("_key").GetString()));
        Assert.All(rows.Take(3), r => Assert.Equal("Acme Soil Co", r.GetProperty("Supplier").GetString()));

        var columns = new FinalePurchaseOrderReportColumns();
        var first = OrderSummaries.FromReportRows("PO-10041", [.. selection.Records.Take(3)], columns)!;
        Assert.Equal("ORDER_LOCKED", first.Status);
        Assert.Equal("Acme Soil Co", first.SupplierName);
        Assert.Equal(3, first.LineCount);
        Assert.Equal(2, first.ProductCount); // BC105 is on two lines
        Assert.Equal(1130m, first.TotalQuantity);
        Assert.Equal((120 * 4.25m) + (10 * 12m) + (1000 * 0.5m), first.TotalAmount);
        Assert.False(first.Received);
        Assert.Equal(new DateTimeOffset(2026, 6, 2, 0, 0, 0, TimeSpan.Zero), first.OrderDate);

        var second = OrderSummaries.FromReportRows("PO-10042", [selection.Records[3]], columns)!;
        Assert.Equal("ORDER_COMPLETED", second.Status);
        Assert.True(second.Received);
        Assert.Equal(316m, second.TotalAmount);
        Assert.Equal((1, 1), (second.LineCount, second.ProductCount));
    }

    [Fact]
    public void Distinct_products_are_read_from_the_configured_product_column()
    {
        const string report =
            "\"Order ID\",\"Item\",\"Quantity\",\"Unit price\"\r\n" +
            "\"PO-7\",\"BC101\",\"1\",\"1.00\"\r\n" +
            "\"PO-7\",\" BC101 \",\"2\",\"1.00\"\r\n" +
            "\"PO-7\",\"BC102\",\"3\",\"1.00\"\r\n" +
            "\"PO-7\",\"\",\"4\",\"1.00\"\r\n";
        var columns = new FinalePurchaseOrderReportColumns { ProductId = "Item" };
        var options = FinaleHarness.Report("lines", "doc/report/pivotTable/9/Report.csv", ["Order ID", "Item"], [], columns);
        var rows = new ReportRowSelector(options).Select(Encoding.UTF8.GetBytes(report)).Records;

        var summary = OrderSummaries.FromReportRows("PO-7", rows, columns)!;
        var withTheDefaultLabel = OrderSummaries.FromReportRows("PO-7", rows, new FinalePurchaseOrderReportColumns())!;

        Assert.Equal((4, 2), (summary.LineCount, summary.ProductCount)); // a blank product cell is a line without a product
        Assert.Equal(0, withTheDefaultLabel.ProductCount); // this report has no "Product ID" column
        using var json = JsonDocument.Parse(summary.ToJson());
        Assert.Equal(2, json.RootElement.GetProperty("productCount").GetInt32());
    }

    [Fact]
    public void A_single_order_is_summarized_from_its_lines_and_a_collection_row_from_its_total()
    {
        const string order = """
            {"orderId":"PO-1","orderUrl":"/acme/api/order/PO-1","orderTypeId":"PURCHASE_ORDER","statusId":"ORDER_COMPLETED",
             "orderDate":"2026-06-03T07:00:00","receiveDate":"2026-06-20T16:00:00",
             "orderRoleList":[{"roleTypeId":"SUPPLIER","partyId":"100029"}],
             "orderItemList":[{"productId":"A","unitPrice":7.9,"quantity":40},{"productId":"B","unitPrice":2,"quantity":3}],
             "orderItemListTotal":322.0}
            """;
        var summary = OrderSummaries.FromOrder(Encoding.UTF8.GetBytes(order), OrderSummaries.BasisOrder)!;
        Assert.Equal("100029", summary.SupplierId);
        Assert.Equal(2, summary.LineCount);
        Assert.Equal(2, summary.ProductCount);
        Assert.Equal(43m, summary.TotalQuantity);
        Assert.Equal(322m, summary.TotalAmount);
        Assert.True(summary.Received);
        Assert.Equal(new DateTimeOffset(2026, 6, 20, 16, 0, 0, TimeSpan.Zero), summary.ReceiveDate);

        const string row = """{"orderId":"PO-2","orderTypeId":"PURCHASE_ORDER","statusId":"ORDER_LOCKED","orderItemListTotal":510.0,"orderRoleList":[]}""";
        var fromRow = OrderSummaries.FromOrder(Encoding.UTF8.GetBytes(row), OrderSummaries.BasisCollection)!;
        Assert.Null(fromRow.LineCount);
        Assert.Null(fromRow.ProductCount);
        Assert.Equal(510m, fromRow.TotalAmount);
        Assert.False(fromRow.Received);
        Assert.Null(fromRow.SupplierId);

        Assert.Null(OrderSummaries.PurchaseOrderId("""{"orderId":"SO-1","orderTypeId":"SALES_ORDER"}"""u8));
    }

    [Fact]
    public async Task Derives_every_synced_purchase_order_from_the_store_and_rederiving_gives_the_same_output()
    {
        await using var harness = await FinaleHarness.StartAsync(postgres, "finale_deriver");
        var reports = await harness.SyncAsync();
        Assert.All(reports, r => Assert.True(r.Status == RunStatus.Succeeded, reports.Describe()));
        var deriver = harness.Services.GetServices<IDeriver>().OfType<PurchaseOrderSummaryDeriver>().Single();
        var context = new DerivationContext { RawStore = harness.RawStore, TimeProvider = TimeProvider.System };
        var ids = harness.Simulator.Data.PurchaseOrderIds;

        foreach (var id in ids.Take(10))
        {
            var output = await deriver.DeriveAsync(id, context, TestContext.Current.CancellationToken);
            var record = Assert.Single(output);
            Assert.Equal($"finale:purchase-order:{id}", record.Key);
            using var summary = JsonDocument.Parse(record.Payload);
            Assert.Equal("order", summary.RootElement.GetProperty("basis").GetString());
            Assert.Equal(harness.Simulator.Data.GetOrderLineCount(id), summary.RootElement.GetProperty("lineCount").GetInt32());
            var again = await deriver.DeriveAsync(id, context, TestContext.Current.CancellationToken);
            Assert.Equal(record.Payload.ToArray(), Assert.Single(again).Payload.ToArray());
        }

        Assert.Contains(new StreamId("finale", "order-lines"), deriver.Inputs);
        Assert.Empty(await deriver.DeriveAsync("PO-DOES-NOT-EXIST", context, TestContext.Current.CancellationToken));
    }
}
