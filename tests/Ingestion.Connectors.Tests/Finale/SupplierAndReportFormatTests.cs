using System.Globalization;
using System.Text;
using System.Text.Json;
using Ingestion.Connectors.Finale;
using Ingestion.Connectors.Finale.Deriving.Internal;
using Ingestion.Connectors.Finale.Internal;
using Ingestion.Connectors.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Ingestion.Connectors.Tests.Finale;

/// <summary>
/// Summaries name suppliers the same way from order records and from report rows, grouped reports keep line rows with
/// their order, and report numbers are read in the report's culture.
/// </summary>
public sealed class SupplierAndReportFormatTests(ConnectorTestFixture postgres)
{
    private const string Report = "order-lines";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_order_record_and_a_report_row_both_give_the_suppliers_id_and_name()
    {
        await using var provider = InMemory();
        var raw = provider.GetRequiredService<IRawStore>();
        await WriteAsync(raw, FinaleStreams.Suppliers, "/acme/api/partygroup/100021", """{"partyId":"100021","partyUrl":"/acme/api/partygroup/100021","groupName":"Acme Soil Co","roleTypeIdList":["SUPPLIER"]}""");
        await WriteAsync(raw, FinaleStreams.Suppliers, "/acme/api/partygroup/100029", """{"partyId":"100029","partyUrl":"/acme/api/partygroup/100029","groupName":"Green Sack Ltd","roleTypeIdList":["SUPPLIER"]}""");
        await WriteAsync(raw, FinaleStreams.PurchaseOrders, "/acme/api/order/PO-1", """
            {"orderId":"PO-1","orderTypeId":"PURCHASE_ORDER","statusId":"ORDER_LOCKED","orderItemListTotal":10,
             "orderRoleList":[{"roleTypeId":"SUPPLIER","partyId":"100029"}]}
            """);
        await WriteAsync(raw, Report, "PO-2|BC1", """{"_key":"PO-2|BC1","Order ID":"PO-2","Status":"Committed","Supplier":"Acme Soil Co","Product ID":"BC1","Quantity":"2","Unit price":"3.00"}""");
        var deriver = new PurchaseOrderSummaryDeriver(FinaleOptions.DefaultName, [new PurchaseOrderReport(Report, new FinalePurchaseOrderReportColumns())]);
        var context = new DerivationContext { RawStore = raw, TimeProvider = TimeProvider.System };

        var fromOrder = Payload(Assert.Single(await deriver.DeriveAsync("PO-1", context, Cancel)));
        var fromReport = Payload(Assert.Single(await deriver.DeriveAsync("PO-2", context, Cancel)));

        Assert.Equal(("100029", "Green Sack Ltd"), (fromOrder.GetProperty("supplierId").GetString(), fromOrder.GetProperty("supplierName").GetString()));
        Assert.Equal(("100021", "Acme Soil Co"), (fromReport.GetProperty("supplierId").GetString(), fromReport.GetProperty("supplierName").GetString()));
        Assert.False(fromOrder.TryGetProperty("supplier", out _));
        Assert.Contains(new StreamId(FinaleOptions.DefaultName, FinaleStreams.Suppliers), deriver.Inputs);

        // A renamed supplier reaches the orders that name it, by party id and by its old and new name.
        var renamed = await raw.WriteBatchAsync(Batch(FinaleStreams.Suppliers, "/acme/api/partygroup/100021", """{"partyId":"100021","groupName":"Acme Soil BV"}"""), Cancel);
        var versions = new List<RawRecord>();
        await foreach (var version in raw.GetHistoryAsync(new StreamId(FinaleOptions.DefaultName, FinaleStreams.Suppliers), renamed.ChangedKeys[0], Cancel))
        {
            versions.Insert(0, version);
        }

        Assert.Equal(["PO-2"], await deriver.GetInputKeysAsync(new StreamId(FinaleOptions.DefaultName, FinaleStreams.Suppliers), renamed.ChangedKeys[0], versions, context, Cancel));
    }

    [Fact]
    public void A_grouped_order_report_keeps_each_line_with_its_order_without_carry_down_settings()
    {
        const string grouped =
            "\"Order ID\",\"Product ID\",\"Quantity\",\"Unit price\"\r\n" +
            "\"PO-10041\",\"BC101\",\"120\",\"4.25\"\r\n" +
            "\"\",\"BC105\",\"10\",\"12.00\"\r\n" +
            "\"PO-10042\",\"BC102\",\"40\",\"7.90\"\r\n";
        var columns = new FinalePurchaseOrderReportColumns();
        var options = FinaleHarness.Report(Report, "doc/report/pivotTable/8/Report.csv", ["Order ID", "Product ID"], [], columns);

        var rows = new ReportRowSelector(options).Select(Encoding.UTF8.GetBytes(grouped)).Records;

        Assert.Equal(["PO-10041", "PO-10041", "PO-10042"], rows.Select(r => OrderSummaries.ReportOrderId(r.Span, columns)));
        Assert.Equal("PO-10041|BC105", JsonDocument.Parse(rows[1]).RootElement.GetProperty(FinaleStreams.ReportKeyField).GetString());

        // A report that lists no orders is read as configured.
        var stock = FinaleHarness.Report("stock", "doc/report/pivotTable/7/Report.csv", ["Product ID"], [], null);
        var plain = new ReportRowSelector(stock).Select(Encoding.UTF8.GetBytes("\"Product ID\",\"Order ID\"\r\n\"BC1\",\"PO-1\"\r\n\"BC2\",\"\"\r\n")).Records;
        Assert.Equal(string.Empty, JsonDocument.Parse(plain[1]).RootElement.GetProperty("Order ID").GetString());
    }

    [Fact]
    public void Report_numbers_are_read_in_the_reports_culture()
    {
        var dutch = CultureInfo.GetCultureInfo("nl-NL");
        Assert.Equal(1234.50m, OrderSummaries.ReportNumber("1.234,50", dutch));
        Assert.Equal(-4.25m, OrderSummaries.ReportNumber("€ -4,25", dutch));
        Assert.Equal(1234.50m, OrderSummaries.ReportNumber("1,234.50"));
        Assert.Equal(1234.50m, OrderSummaries.ReportNumber("1\u202F234,50", CultureInfo.GetCultureInfo("fr-FR")));

        var rows = new ReadOnlyMemory<byte>[] { Encoding.UTF8.GetBytes("""{"Order ID":"PO-1","Quantity":"1.000","Unit price":"2,50"}""") };
        var summary = OrderSummaries.FromReportRows("PO-1", rows, new FinalePurchaseOrderReportColumns(), dutch)!;
        Assert.Equal((1000m, 2500m), (summary.TotalQuantity, summary.TotalAmount));

        var options = new FinaleOptions { AccountPath = "acme", ApiKey = "k", ApiSecret = "s" };
        options.Reports.Add(new FinaleReportOptions { Name = Report, Url = "doc/report/pivotTable/8/Report.csv", KeyColumns = { "Order ID" }, Culture = "xx-NOT-A-CULTURE" });
        var failure = Assert.Single(new FinaleOptionsValidator(FinaleOptions.DefaultName, string.Empty).Check(options), f => f.Contains("Culture", StringComparison.Ordinal));
        Assert.Contains("Reports:0:Culture", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_synced_account_has_its_suppliers_and_summaries_name_them()
    {
        await using var harness = await FinaleHarness.StartAsync(postgres, "finale_suppliers");
        var reports = await harness.SyncAsync();
        Assert.All(reports, r => Assert.True(r.Status == RunStatus.Succeeded, reports.Describe()));

        var suppliers = (await harness.LatestAsync(FinaleStreams.Suppliers)).Select(r => JsonDocument.Parse(r.Payload).RootElement).ToList();
        Assert.Contains(suppliers, s => s.GetProperty("partyId").GetString() == "PRIMARY");
        var names = suppliers.ToDictionary(s => s.GetProperty("partyId").GetString()!, s => s.GetProperty("groupName").GetString());
        var deriver = harness.Services.GetServices<IDeriver>().OfType<PurchaseOrderSummaryDeriver>().Single();
        var context = new DerivationContext { RawStore = harness.RawStore, TimeProvider = TimeProvider.System };
        foreach (var id in harness.Simulator.Data.PurchaseOrderIds.Take(5))
        {
            var summary = Payload(Assert.Single(await deriver.DeriveAsync(id, context, Cancel)));
            var supplierId = summary.GetProperty("supplierId").GetString()!;
            Assert.Equal(names[supplierId], summary.GetProperty("supplierName").GetString());
        }
    }

    private static ServiceProvider InMemory()
    {
        var services = new ServiceCollection();
        services.AddIngestion(ingestion => ingestion.UseInMemoryStores());
        return services.BuildServiceProvider();
    }

    private static JsonElement Payload(DerivedRecord record) => JsonDocument.Parse(record.Payload).RootElement;

    private static RawBatch Batch(string stream, string key, string json)
    {
        var payload = Encoding.UTF8.GetBytes(json);
        return new RawBatch
        {
            Stream = new StreamId(FinaleOptions.DefaultName, stream),
            RunId = Guid.NewGuid(),
            FetchedAt = DateTimeOffset.UnixEpoch.AddDays(1),
            Records = [new RawRecordWrite { Key = key, Payload = payload, Hash = ContentHasher.ComputeRaw(payload) }],
        };
    }

    private static async Task WriteAsync(IRawStore raw, string stream, string key, string json) =>
        await raw.WriteBatchAsync(Batch(stream, key, json), Cancel);
}
