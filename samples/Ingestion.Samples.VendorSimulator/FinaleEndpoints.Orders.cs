using System.Text.Json;

namespace Ingestion.Samples.VendorSimulator;

// Finale order reads: the order columns, the order collection and one order with its items and valid actions.
internal static partial class FinaleEndpoints
{
    private static List<Column<FinaleOrder>> OrderColumns(string root, Func<string, string> slugs, bool includeItems, bool offsets = false)
    {
        var columns = new List<Column<FinaleOrder>>
        {
            new("orderId", (w, o) => Str(w, o.OrderId), o => o.OrderId),
            new("orderUrl", (w, o) => Str(w, OrderUrl(root, o)), o => OrderUrl(root, o)),
            new("orderTypeId", (w, o) => Str(w, o.OrderTypeId), o => o.OrderTypeId),
            new("statusId", (w, o) => Str(w, o.StatusId), o => o.StatusId),
            new("orderDate", (w, o) => OrderDate(w, o, o.OrderDate, offsets), o => o.OrderDate),
            new("receiveDate", (w, o) => OrderDate(w, o, o.ReceiveDate, offsets), o => o.ReceiveDate),
            new("createdDate", (w, o) => OrderDate(w, o, o.CreatedDate, offsets), o => o.CreatedDate),
            new("lastUpdatedDate", (w, o) => OrderDate(w, o, o.LastUpdatedDate, offsets), o => o.LastUpdatedDate),
            new("destinationFacilityUrl", (w, o) => Str(w, $"{root}/api/facility/{o.DestinationFacilityId}"), o => $"{root}/api/facility/{o.DestinationFacilityId}"),
            new("originFacilityUrl", (w, _) => w.WriteNullValue(), _ => null),
            new("referenceNumber", (w, o) => Str(w, o.ReferenceNumber), o => o.ReferenceNumber),
            new("publicNotes", (w, o) => Str(w, o.PublicNotes)),
            new("privateNotes", (w, o) => Str(w, o.PrivateNotes)),
            new("orderRoleList", (w, o) =>
            {
                w.WriteStartArray();
                w.WriteStartObject();
                w.WriteString("roleTypeId", o.OrderTypeId == "SALES_ORDER" ? "CUSTOMER" : "SUPPLIER");
                w.WriteString("partyId", o.PartyId);
                w.WriteEndObject();
                w.WriteEndArray();
            }),
        };
        if (includeItems)
        {
            columns.Add(new("orderItemList", (w, o) => WriteItems(w, root, slugs, o)));
        }

        columns.AddRange(
        [
            new("orderAdjustmentList", (w, _) => { w.WriteStartArray(); w.WriteEndArray(); }),
            new("shipmentUrlList", (w, o) =>
            {
                w.WriteStartArray();
                foreach (var shipment in o.ShipmentIds)
                {
                    w.WriteStringValue($"{root}/api/shipment/{shipment}");
                }

                w.WriteEndArray();
            }),
            new("invoiceUrlList", (w, _) => w.WriteNullValue()),
            new("userFieldDataList", (w, o) =>
            {
                w.WriteStartArray();
                foreach (var (name, value) in o.UserFields)
                {
                    w.WriteStartObject();
                    w.WriteString("attrName", name);
                    w.WriteString("attrValue", value);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }),
            new("settlementTermId", (w, o) => Str(w, o.SettlementTermId), o => o.SettlementTermId),
            new("orderItemListTotal", (w, o) => w.WriteNumberValue(o.ItemTotal)),
        ]);
        return columns;
    }

    // Every other order (by the last digit of its id) with the same instant written at +02:00, when asked for.
    private static void OrderDate(Utf8JsonWriter w, FinaleOrder order, DateTime? value, bool offsets)
    {
        if (offsets && value is { } v && char.IsDigit(order.OrderId[^1]) && (order.OrderId[^1] - '0') % 2 == 1)
        {
            w.WriteStringValue(JsonBody.Plain(v.AddHours(2)) + "+02:00");
            return;
        }

        Date(w, value);
    }

    private static void WriteItems(Utf8JsonWriter w, string root, Func<string, string> slugs, FinaleOrder order)
    {
        w.WriteStartArray();
        foreach (var item in order.Items)
        {
            w.WriteStartObject();
            w.WriteString("orderItemUrl", $"{OrderUrl(root, order)}/orderItem/{item.SeqId:00000000}");
            w.WriteString("productId", item.ProductId);
            w.WriteString("productUrl", $"{root}/api/product/{slugs(item.ProductId)}");
            w.WriteNumber("unitPrice", item.UnitPrice);
            w.WriteNumber("quantity", item.Quantity);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static ValueTask<SimResponse> Orders(SimContext context)
    {
        if (Authenticate(context) is { } denied)
        {
            return ValueTask.FromResult(denied);
        }

        var root = Root(context);
        var data = context.Data;
        lock (data.Sync)
        {
            var columns = OrderColumns(root, data.ProductSlug, context.Options.FinaleIncludeOrderItemsInCollection, context.Options.FinaleDatesWithOffsets);
            var (rows, error) = Select(context, data.Orders, columns);
            return ValueTask.FromResult(error ?? ColumnMajor(rows!, columns));
        }
    }

    private static ValueTask<SimResponse> OneOrder(SimContext context)
    {
        if (Authenticate(context) is { } denied)
        {
            return ValueTask.FromResult(denied);
        }

        var data = context.Data;
        lock (data.Sync)
        {
            var order = data.TryFindOrderBySlug(context.Route("orderId") ?? string.Empty);
            return ValueTask.FromResult(order is null ? SimResponse.Text(404, "Not Found") : SingleOrder(Root(context), data.ProductSlug, order));
        }
    }

    private static SimResponse SingleOrder(string root, Func<string, string> slugs, FinaleOrder order) => SimResponse.Json(200, w =>
    {
        var url = OrderUrl(root, order);
        w.WriteStartObject();
        WriteObject(w, order, OrderColumns(root, slugs, includeItems: true));
        w.WriteString("orderHistoryListUrl", url + "/history/");
        foreach (var action in ValidActions(order.StatusId))
        {
            w.WriteString("actionUrl" + char.ToUpperInvariant(action[0]) + action[1..], $"{url}/{action}");
        }

        w.WriteStartArray("statusIdHistoryList");
        foreach (var change in order.StatusHistory)
        {
            w.WriteStartObject();
            w.WriteString("statusId", change.StatusId);
            w.WriteNumber("txStamp", new DateTimeOffset(DateTime.SpecifyKind(change.At, DateTimeKind.Utc)).ToUnixTimeSeconds());
            w.WriteString("userLoginUrl", $"{root}/api/userlogin/sim-user");
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static string[] ValidActions(string statusId) => statusId switch
    {
        "ORDER_CREATED" => ["lock", "cancel"],
        "ORDER_LOCKED" => ["complete", "edit", "cancel"],
        "ORDER_COMPLETED" => ["edit"],
        _ => [],
    };
}
