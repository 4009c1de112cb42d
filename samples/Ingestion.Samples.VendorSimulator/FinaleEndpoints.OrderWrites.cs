using System.Text.Json;

namespace Ingestion.Samples.VendorSimulator;

// Finale order writes: creating and updating an order and the status actions (lock, complete, edit, cancel).
internal static partial class FinaleEndpoints
{
    private static async ValueTask<JsonDocument?> ReadJson(SimContext context)
    {
        try
        {
            return await JsonDocument.ParseAsync(context.Http.Request.Body, default, context.Http.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async ValueTask<SimResponse> CreateOrder(SimContext context)
    {
        if (Authenticate(context) is { } denied)
        {
            return denied;
        }

        using var document = await ReadJson(context).ConfigureAwait(false);
        if (document is null || document.RootElement.ValueKind != JsonValueKind.Object)
        {
            return SimResponse.Text(400, "Bad Request: could not parse the request body");
        }

        var body = document.RootElement;
        var data = context.Data;
        lock (data.Sync)
        {
            var orderId = body.TryGetProperty("orderId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString()! : data.NextOrderId();
            if (data.TryFindOrder(orderId) is not null)
            {
                // Failed writes can come back as 200 with an error body.
                return SimResponse.Json(200, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("msg", $"existing order with orderIdUser={orderId}");
                    w.WriteEndObject();
                });
            }

            var stamp = data.NextStamp();
            var order = new FinaleOrder
            {
                OrderId = orderId,
                OrderTypeId = body.TryGetProperty("orderTypeId", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString()! : "PURCHASE_ORDER",
                OrderDate = stamp,
                CreatedDate = stamp,
                DestinationFacilityId = data.Facilities.First(f => f.ParentFacilityId is null).FacilityId,
                PartyId = data.Parties[0].PartyId,
                LastUpdatedDate = stamp,
            };
            order.StatusHistory.Add(new FinaleStatusChange { StatusId = "ORDER_CREATED", At = stamp });
            ApplyUpdate(order, body);
            data.Orders.Add(order);
            return SingleOrder(Root(context), data.ProductSlug, order);
        }
    }

    private static async ValueTask<SimResponse> UpdateOrder(SimContext context)
    {
        if (Authenticate(context) is { } denied)
        {
            return denied;
        }

        using var document = await ReadJson(context).ConfigureAwait(false);
        if (document is null || document.RootElement.ValueKind != JsonValueKind.Object)
        {
            return SimResponse.Text(400, "Bad Request: could not parse the request body");
        }

        var data = context.Data;
        lock (data.Sync)
        {
            var order = data.TryFindOrderBySlug(context.Route("orderId") ?? string.Empty);
            if (order is null)
            {
                return SimResponse.Text(404, "Not Found");
            }

            if (order.StatusId != "ORDER_CREATED" && document.RootElement.TryGetProperty("orderItemList", out _))
            {
                return SimResponse.Text(400, "Bad Request: order is locked; use actionUrlEdit first");
            }

            ApplyUpdate(order, document.RootElement);
            order.LastUpdatedDate = data.NextStamp();
            return SingleOrder(Root(context), data.ProductSlug, order);
        }
    }

    private static void ApplyUpdate(FinaleOrder order, JsonElement body)
    {
        if (body.TryGetProperty("publicNotes", out var notes))
        {
            order.PublicNotes = notes.ValueKind == JsonValueKind.String ? notes.GetString() : null;
        }

        if (body.TryGetProperty("privateNotes", out var privateNotes))
        {
            order.PrivateNotes = privateNotes.ValueKind == JsonValueKind.String ? privateNotes.GetString() : null;
        }

        if (body.TryGetProperty("referenceNumber", out var reference))
        {
            order.ReferenceNumber = reference.ValueKind == JsonValueKind.String ? reference.GetString() : null;
        }

        if (body.TryGetProperty("userFieldDataList", out var fields) && fields.ValueKind == JsonValueKind.Array)
        {
            // Replaced wholesale, as the vendor does.
            order.UserFields.Clear();
            foreach (var field in fields.EnumerateArray())
            {
                order.UserFields.Add(new(field.GetProperty("attrName").GetString() ?? string.Empty, field.GetProperty("attrValue").ToString()));
            }
        }

        if (body.TryGetProperty("orderItemList", out var items) && items.ValueKind == JsonValueKind.Array)
        {
            order.Items.Clear();
            var seq = 1;
            foreach (var item in items.EnumerateArray())
            {
                order.Items.Add(new FinaleOrderItem
                {
                    SeqId = seq++,
                    ProductId = item.TryGetProperty("productId", out var p) ? p.GetString() ?? string.Empty : string.Empty,
                    Quantity = item.TryGetProperty("quantity", out var q) && q.ValueKind == JsonValueKind.Number ? q.GetDecimal() : 0,
                    UnitPrice = item.TryGetProperty("unitPrice", out var u) && u.ValueKind == JsonValueKind.Number ? u.GetDecimal() : 0,
                });
            }
        }
    }

    private static ValueTask<SimResponse> OrderAction(SimContext context)
    {
        if (Authenticate(context) is { } denied)
        {
            return ValueTask.FromResult(denied);
        }

        var data = context.Data;
        lock (data.Sync)
        {
            var order = data.TryFindOrderBySlug(context.Route("orderId") ?? string.Empty);
            if (order is null)
            {
                return ValueTask.FromResult(SimResponse.Text(404, "Not Found"));
            }

            var action = context.Route("action") ?? string.Empty;
            if (!ValidActions(order.StatusId).Contains(action, StringComparer.Ordinal))
            {
                return ValueTask.FromResult(SimResponse.Text(400, $"Bad Request: action '{action}' is not valid for status {order.StatusId}"));
            }

            order.StatusId = action switch
            {
                "lock" => "ORDER_LOCKED",
                "complete" => "ORDER_COMPLETED",
                "cancel" => "ORDER_CANCELLED",
                _ => "ORDER_CREATED",
            };
            order.LastUpdatedDate = data.NextStamp();
            order.StatusHistory.Add(new FinaleStatusChange { StatusId = order.StatusId, At = order.LastUpdatedDate });
            return ValueTask.FromResult(SingleOrder(Root(context), data.ProductSlug, order));
        }
    }
}
