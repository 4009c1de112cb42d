using System.Text;
using System.Text.Json;
using Ingestion.Connectors.Finale;
using Ingestion.Connectors.Finale.Deriving.Internal;
using Microsoft.Extensions.DependencyInjection;

namespace Ingestion.Connectors.Tests.Finale;

/// <summary>Purchase-order summaries count adjustments and are built from the newest read of the order.</summary>
public sealed class PurchaseOrderBasisTests
{
    [Fact]
    public void Adjustments_such_as_discounts_and_freight_count_in_the_total()
    {
        const string order = """
            {"orderId":"PO-1","orderTypeId":"PURCHASE_ORDER","statusId":"ORDER_LOCKED",
             "orderItemList":[{"productId":"A","unitPrice":10,"quantity":4}],
             "orderAdjustmentList":[{"description":"Discount","amount":-5.5},{"description":"Freight","amount":12}]}
            """;
        const string row = """{"orderId":"PO-2","orderTypeId":"PURCHASE_ORDER","statusId":"ORDER_LOCKED","orderItemListTotal":100,"orderAdjustmentList":[{"amount":-10}]}""";

        Assert.Equal(46.5m, OrderSummaries.FromOrder(Encoding.UTF8.GetBytes(order), OrderSummaries.BasisOrder)!.TotalAmount);
        Assert.Equal(90m, OrderSummaries.FromOrder(Encoding.UTF8.GetBytes(row), OrderSummaries.BasisCollection)!.TotalAmount);
    }

    [Fact]
    public async Task A_collection_row_newer_than_the_stored_detail_gives_the_status_and_the_detail_gives_the_lines()
    {
        var ct = TestContext.Current.CancellationToken;
        var services = new ServiceCollection();
        services.AddIngestion(ingestion => ingestion.UseInMemoryStores());
        await using var provider = services.BuildServiceProvider();
        var raw = provider.GetRequiredService<IRawStore>();
        await WriteAsync(raw, FinaleStreams.PurchaseOrderDetails, """
            {"orderId":"PO-7","orderTypeId":"PURCHASE_ORDER","statusId":"ORDER_LOCKED","lastUpdatedDate":"2026-06-05T11:40:09",
             "orderItemList":[{"productId":"A","unitPrice":2,"quantity":10},{"productId":"B","unitPrice":1,"quantity":5}]}
            """, ct);
        await WriteAsync(raw, FinaleStreams.PurchaseOrders, """
            {"orderId":"PO-7","orderTypeId":"PURCHASE_ORDER","statusId":"ORDER_COMPLETED","lastUpdatedDate":"2026-06-21T08:12:44",
             "receiveDate":"2026-06-20T16:00:00","orderItemListTotal":25}
            """, ct);
        var deriver = new PurchaseOrderSummaryDeriver();

        var summary = JsonDocument.Parse(Assert.Single(await deriver.DeriveAsync("PO-7", new DerivationContext { RawStore = raw, TimeProvider = TimeProvider.System }, ct)).Payload).RootElement;

        Assert.Equal("ORDER_COMPLETED", summary.GetProperty("status").GetString());
        Assert.True(summary.GetProperty("received").GetBoolean());
        Assert.Equal(2, summary.GetProperty("lineCount").GetInt32());
        Assert.Equal("collection+order", summary.GetProperty("basis").GetString());
    }

    private static async Task WriteAsync(IRawStore raw, string stream, string json, CancellationToken ct)
    {
        var payload = Encoding.UTF8.GetBytes(json);
        await raw.WriteBatchAsync(
            new RawBatch
            {
                Stream = new StreamId(FinaleOptions.DefaultName, stream),
                RunId = Guid.NewGuid(),
                FetchedAt = DateTimeOffset.UtcNow,
                Records = [new RawRecordWrite { Key = "PO-7", Payload = payload, Hash = ContentHasher.ComputeRaw(payload) }],
            },
            ct);
    }
}
