using System.Globalization;
using Ingestion.Connectors.Finale;

namespace Ingestion.Connectors.Tests.Derivation;

/// <summary>
/// Purchase orders read three ways (collection rows, single-order details, lines of a grouped report) and their suppliers,
/// changed at random: statuses, totals, lines and adjustments edited with newer or older stamps, details dropped, report
/// lines added, moved to another order and deleted, suppliers swapped, renamed and removed.
/// </summary>
internal sealed class FinaleHistory(int seed) : IVendorHistory
{
    private const string Report = "order-lines";
    private static readonly string[] StatusIds = ["ORDER_CREATED", "ORDER_LOCKED", "ORDER_COMPLETED", "ORDER_CANCELLED"];
    private static readonly string[] StatusLabels = ["Editable", "Committed", "Completed", "Canceled"];
    private readonly Random _random = new(seed);
    private readonly Dictionary<string, string> _suppliers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _rows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _collection = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _details = new(StringComparer.Ordinal);
    private int _stamp;
    private int _nextRow;

    public static PurchaseOrderSummaryDeriver Deriver() => new(FinaleOptions.DefaultName, [new PurchaseOrderReport(Report, new FinalePurchaseOrderReportColumns())]);

    public void Mutate()
    {
        for (var i = _random.Next(1, 5); i > 0; i--)
        {
            var order = $"PO-{_random.Next(8)}";
            var roll = _random.Next(100);
            if (roll < 20)
            {
                _collection[order] = Order(order, withLines: false);
            }
            else if (roll < 38)
            {
                _details[order] = Order(order, withLines: true);
            }
            else if (roll < 43)
            {
                _details.Remove(order);
            }
            else if (roll < 47)
            {
                _collection.Remove(order);
            }
            else if (roll < 62)
            {
                _rows[$"row-{_nextRow++}"] = Row(order);
            }
            else if (roll < 70 && _rows.Count > 0)
            {
                // A line moved to another order (its Order ID cell changed), or left without one.
                var key = _rows.Keys.ElementAt(_random.Next(_rows.Count));
                _rows[key] = Row(_random.Next(5) == 0 ? string.Empty : order);
            }
            else if (roll < 76 && _rows.Count > 0)
            {
                _rows.Remove(_rows.Keys.ElementAt(_random.Next(_rows.Count)));
            }
            else if (roll < 92)
            {
                _suppliers[Party()] = $"Supplier {_random.Next(6)}"; // names can collide, and then resolve to no id
            }
            else
            {
                _suppliers.Remove(Party());
            }
        }
    }

    public IReadOnlyDictionary<StreamId, IReadOnlyDictionary<string, string>> Snapshot() =>
        new Dictionary<StreamId, IReadOnlyDictionary<string, string>>
        {
            [Stream(FinaleStreams.Suppliers)] = _suppliers.ToDictionary(
                s => $"/acme/api/partygroup/{s.Key}", s => $$"""{"partyId":"{{s.Key}}","partyUrl":"/acme/api/partygroup/{{s.Key}}","groupName":"{{s.Value}}","roleTypeIdList":["SUPPLIER"]}""", StringComparer.Ordinal),
            [Stream(FinaleStreams.PurchaseOrders)] = _collection.ToDictionary(o => $"/acme/api/order/{o.Key}", o => o.Value, StringComparer.Ordinal),
            [Stream(FinaleStreams.PurchaseOrderDetails)] = _details.ToDictionary(o => $"/acme/api/order/{o.Key}", o => o.Value, StringComparer.Ordinal),
            [Stream(Report)] = new Dictionary<string, string>(_rows, StringComparer.Ordinal),
        };

    private static StreamId Stream(string name) => new(FinaleOptions.DefaultName, name);

    private string Order(string orderId, bool withLines)
    {
        // Stamps mostly move forward; sometimes a read is older than the other one.
        _stamp += _random.Next(-2, 6);
        var updated = new DateTime(2026, 3, 1, 8, 0, 0, DateTimeKind.Utc).AddHours(_stamp).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        var status = StatusIds[_random.Next(StatusIds.Length)];
        var supplier = _random.Next(5) == 0 ? string.Empty : $$"""{"roleTypeId":"SUPPLIER","partyId":"{{Party()}}"}""";
        var adjustments = _random.Next(3) == 0 ? $$"""{"amount":-{{_random.Next(1, 20)}}.5,"description":"Discount"}""" : string.Empty;
        var lines = withLines
            ? ",\"orderItemList\":[" + string.Join(',', Enumerable.Range(0, _random.Next(0, 4)).Select(_ =>
                $$"""{"productId":"BC{{_random.Next(4)}}","quantity":{{_random.Next(1, 50)}},"unitPrice":{{_random.Next(1, 30)}}.25}""")) + "]"
            : string.Empty;
        return $$"""{"orderId":"{{orderId}}","orderUrl":"/acme/api/order/{{orderId}}","orderTypeId":"PURCHASE_ORDER","statusId":"{{status}}","orderDate":"2026-02-{{10 + _random.Next(10)}}T09:00:00","lastUpdatedDate":"{{updated}}","orderItemListTotal":{{_random.Next(10, 900)}}.5,"orderRoleList":[{{supplier}}],"orderAdjustmentList":[{{adjustments}}]{{lines}}}""";
    }

    private string Row(string orderId)
    {
        var supplier = _suppliers.Count > 0 && _random.Next(4) > 0 ? _suppliers.Values.ElementAt(_random.Next(_suppliers.Count)) : $"Supplier {_random.Next(6)}";
        var quantity = _random.Next(1, 2000).ToString("#,0", CultureInfo.InvariantCulture);
        return $$"""{"_key":"{{orderId}}|{{_nextRow}}","Order ID":"{{orderId}}","Status":"{{StatusLabels[_random.Next(StatusLabels.Length)]}}","Supplier":"{{supplier}}","Order date":"Feb {{10 + _random.Next(10)}} 2026","Product ID":"BC{{_random.Next(4)}}","Quantity":"{{quantity}}","Unit price":"{{_random.Next(1, 30)}}.50"}""";
    }

    private string Party() => $"1000{_random.Next(4)}";
}
