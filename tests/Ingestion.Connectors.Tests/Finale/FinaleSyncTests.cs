using System.Text.Json;
using Ingestion.Connectors.Finale;
using Ingestion.Connectors.Tests.Support;

namespace Ingestion.Connectors.Tests.Finale;

public sealed class FinaleSyncTests(ConnectorTestFixture postgres)
{
    [Fact]
    public async Task Full_sync_stores_every_purchase_order_with_its_lines_products_facilities_and_reports()
    {
        await using var harness = await FinaleHarness.StartAsync(postgres, nameof(Full_sync_stores_every_purchase_order_with_its_lines_products_facilities_and_reports));

        var reports = await harness.SyncAsync();

        Assert.All(reports, r => Assert.True(r.Status == RunStatus.Succeeded, reports.Describe()));
        var expected = harness.Simulator.Data.PurchaseOrderIds.Order(StringComparer.Ordinal).ToList();
        var orders = await harness.LatestAsync(FinaleStreams.PurchaseOrders);
        Assert.Equal(expected, orders.Select(o => OrderId(o)).Order(StringComparer.Ordinal).ToList());
        Assert.All(orders, o => Assert.StartsWith("/finale/acme/api/order/", o.Key, StringComparison.Ordinal));

        var details = await harness.LatestAsync(FinaleStreams.PurchaseOrderDetails);
        Assert.Equal(expected.Count, details.Count);
        foreach (var detail in details)
        {
            using var document = JsonDocument.Parse(detail.Payload);
            var orderId = document.RootElement.GetProperty("orderId").GetString()!;
            Assert.Equal(harness.Simulator.Data.GetOrderLineCount(orderId), document.RootElement.GetProperty("orderItemList").GetArrayLength());
        }

        Assert.Equal(40, (await harness.LatestAsync(FinaleStreams.Products)).Count);
        Assert.Equal(6, (await harness.LatestAsync(FinaleStreams.Facilities)).Count);

        // The stock report: one row per product, no Total row, the category carried down to every row of its group.
        var stock = await harness.LatestAsync(FinaleHarness.StockReport);
        Assert.Equal(40, stock.Count);
        Assert.All(stock, row =>
        {
            using var document = JsonDocument.Parse(row.Payload);
            Assert.False(string.IsNullOrEmpty(document.RootElement.GetProperty("Category").GetString()));
            Assert.Equal(row.Key, document.RootElement.GetProperty("Product ID").GetString());
        });

        // Every request for a report went to pivotTable, never to the pivotTableStream progress page.
        Assert.True(harness.Simulator.RequestCount(Ingestion.Samples.VendorSimulator.Vendor.Finale, "/*/doc/report/pivotTable/*") >= 2);
        Assert.Equal(0, harness.Simulator.RequestCount(Ingestion.Samples.VendorSimulator.Vendor.Finale, "/*/doc/report/pivotTableStream/*"));
    }

    [Fact]
    public async Task Second_sync_with_nothing_changed_finds_everything_unchanged()
    {
        await using var harness = await FinaleHarness.StartAsync(postgres, nameof(Second_sync_with_nothing_changed_finds_everything_unchanged));
        var first = await harness.SyncAsync();
        Assert.All(first, r => Assert.True(r.Status == RunStatus.Succeeded, first.Describe()));

        var second = await harness.SyncAsync();

        Assert.All(second, r =>
        {
            Assert.True(r.Status == RunStatus.Succeeded, second.Describe());
            Assert.Equal(0, r.RecordsNew);
            Assert.Equal(0, r.RecordsChanged);
            Assert.Equal(0, r.RecordsDeleted);
        });
        Assert.Equal(40, second.Of(FinaleStreams.Products).RecordsUnchanged);
        Assert.Equal(40, second.Of(FinaleHarness.StockReport).RecordsUnchanged);
        var orders = await harness.LatestAsync(FinaleStreams.PurchaseOrders);
        Assert.All(orders, o => Assert.Equal(1, o.Version));
    }

    [Fact]
    public async Task Sync_after_changes_gives_exactly_the_changed_orders_new_versions()
    {
        await using var harness = await FinaleHarness.StartAsync(postgres, nameof(Sync_after_changes_gives_exactly_the_changed_orders_new_versions));
        var first = await harness.SyncAsync();
        Assert.All(first, r => Assert.True(r.Status == RunStatus.Succeeded, first.Describe()));
        harness.SimulatorClock.Advance(TimeSpan.FromHours(2));
        var touched = harness.Simulator.Data.TouchPurchaseOrders(3).ToHashSet(StringComparer.Ordinal);
        var locked = harness.Simulator.Data.PurchaseOrderIds.First(id => !touched.Contains(id));
        harness.Simulator.Data.SetOrderStatus(locked, "ORDER_CANCELLED");
        touched.Add(locked);

        var second = await harness.SyncAsync();

        var orders = second.Of(FinaleStreams.PurchaseOrders);
        Assert.True(orders.Status == RunStatus.Succeeded, second.Describe());
        Assert.Equal(4, orders.RecordsChanged);
        Assert.Equal(0, orders.RecordsNew);
        Assert.Equal(4, second.Of(FinaleStreams.PurchaseOrderDetails).RecordsChanged);
        var versions = (await harness.LatestAsync(FinaleStreams.PurchaseOrders)).ToDictionary(OrderId, r => r.Version, StringComparer.Ordinal);
        Assert.All(versions, pair => Assert.Equal(touched.Contains(pair.Key) ? 2 : 1, pair.Value));
        var details = (await harness.LatestAsync(FinaleStreams.PurchaseOrderDetails)).ToDictionary(OrderId, r => r.Version, StringComparer.Ordinal);
        Assert.All(details, pair => Assert.Equal(touched.Contains(pair.Key) ? 2 : 1, pair.Value));
    }

    internal static string OrderId(RawRecord record)
    {
        using var document = JsonDocument.Parse(record.Payload);
        return document.RootElement.GetProperty("orderId").GetString()!;
    }
}
