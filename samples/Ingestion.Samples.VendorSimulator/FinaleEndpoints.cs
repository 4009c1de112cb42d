using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Ingestion.Samples.VendorSimulator;

/// <summary>Finale Inventory: <c>/finale/{account}/api/...</c> and <c>/finale/{account}/doc/report/...</c>.</summary>
internal static class FinaleEndpoints
{
    public const string Prefix = "/finale";

    private sealed record Column<T>(string Name, Action<Utf8JsonWriter, T> Write, Func<T, object?>? Filter = null);

    public static void Map(IEndpointRouteBuilder endpoints, SimulatorState state)
    {
        var api = Prefix + "/{account}/api";
        endpoints.MapPost(api + "/auth", Pipeline.Wrap(state, Vendor.Finale, Prefix, Login));
        endpoints.MapGet(api + "/order", Pipeline.Wrap(state, Vendor.Finale, Prefix, Orders));
        endpoints.MapGet(api + "/order/{orderId}", Pipeline.Wrap(state, Vendor.Finale, Prefix, OneOrder));
        endpoints.MapPost(api + "/order", Pipeline.Wrap(state, Vendor.Finale, Prefix, CreateOrder));
        endpoints.MapPost(api + "/order/{orderId}", Pipeline.Wrap(state, Vendor.Finale, Prefix, UpdateOrder));
        endpoints.MapPost(api + "/order/{orderId}/{action}", Pipeline.Wrap(state, Vendor.Finale, Prefix, OrderAction));
        endpoints.MapGet(api + "/product", Pipeline.Wrap(state, Vendor.Finale, Prefix, Products));
        endpoints.MapGet(api + "/product/{slug}", Pipeline.Wrap(state, Vendor.Finale, Prefix, OneProduct));
        endpoints.MapGet(api + "/facility", Pipeline.Wrap(state, Vendor.Finale, Prefix, Facilities));
        endpoints.MapGet(api + "/partygroup", Pipeline.Wrap(state, Vendor.Finale, Prefix, PartyGroups));
        endpoints.MapGet(Prefix + "/{account}/doc/report/pivotTable/{reportId}/{fileName}", Pipeline.Wrap(state, Vendor.Finale, Prefix, Report));
        endpoints.MapGet(Prefix + "/{account}/doc/report/pivotTableStream/{reportId}/{fileName}", Pipeline.Wrap(state, Vendor.Finale, Prefix, ReportStream));
        endpoints.Map(Prefix + "/{**rest}", Pipeline.Wrap(state, Vendor.Finale, Prefix, NotFound));
    }

    private static ValueTask<SimResponse> NotFound(SimContext context) => ValueTask.FromResult(SimResponse.Text(404, "Not Found"));

    private static string Root(SimContext context) => $"{context.Http.Request.PathBase}{Prefix}/{context.Options.FinaleAccountPath}";

    private static string OrderUrl(string root, FinaleOrder order) => $"{root}/api/order/{Uri.EscapeDataString(order.Slug)}";

    // ------------------------------------------------------------------ auth

    /// <summary>Account, then Basic key/secret or a live session cookie. Null when allowed.</summary>
    private static SimResponse? Authenticate(SimContext context)
    {
        if (!string.Equals(context.Route("account"), context.Options.FinaleAccountPath, StringComparison.Ordinal))
        {
            return SimResponse.Text(404, "Not Found");
        }

        var header = context.Http.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            }
            catch (FormatException)
            {
                return VendorErrors.Unauthorized(Vendor.Finale);
            }

            return decoded == context.Options.FinaleApiKey + ":" + context.Options.FinaleApiSecret ? null : VendorErrors.Unauthorized(Vendor.Finale);
        }

        if (context.Http.Request.Cookies.TryGetValue("JSESSIONID", out var session)
            && context.State.FinaleSessions.TryGetValue(session, out var lastUsed))
        {
            var now = context.Options.TimeProvider.GetUtcNow();
            if (now - lastUsed <= context.Options.FinaleSessionLifetime)
            {
                context.State.FinaleSessions[session] = now;
                return null;
            }

            context.State.FinaleSessions.TryRemove(session, out _);
        }

        return VendorErrors.Unauthorized(Vendor.Finale);
    }

    private static async ValueTask<SimResponse> Login(SimContext context)
    {
        if (!string.Equals(context.Route("account"), context.Options.FinaleAccountPath, StringComparison.Ordinal))
        {
            return SimResponse.Text(404, "Not Found");
        }

        string? username = null;
        string? password = null;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Http.Request.Body, default, context.Http.RequestAborted).ConfigureAwait(false);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                username = document.RootElement.TryGetProperty("username", out var u) ? u.GetString() : null;
                password = document.RootElement.TryGetProperty("password", out var p) ? p.GetString() : null;
            }
        }
        catch (JsonException)
        {
            return SimResponse.Text(400, "Bad Request: could not parse the request body");
        }

        if (username != context.Options.FinaleUsername || password != context.Options.FinalePassword)
        {
            return SimResponse.Text(401, "Unauthorized: invalid username or password");
        }

        var session = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        context.State.FinaleSessions[session] = context.Options.TimeProvider.GetUtcNow();
        var root = Root(context);
        return SimResponse.Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteString("name", username);
            foreach (var (key, collection) in new[]
            {
                ("resourceOrder", "order"), ("resourceProduct", "product"), ("resourceFacility", "facility"),
                ("resourcePartyGroup", "partygroup"), ("resourceShipment", "shipment"), ("resourceInventoryItem", "inventoryitem"),
                ("resourceOrderSummary", "ordersummary"),
            })
            {
                w.WriteString(key, $"{root}/api/{collection}/");
            }

            w.WriteEndObject();
        }).With("Set-Cookie", $"JSESSIONID={session}; Path={root}; HttpOnly");
    }

    // ------------------------------------------------------------------ filter

    /// <summary>Applies <c>filter</c> (base64 JSON of field → [lower, upper], closed) and <c>limit</c>. Plain query parameters and <c>offset</c> are ignored.</summary>
    private static (List<T>? Rows, SimResponse? Error) Select<T>(SimContext context, IReadOnlyList<T> items, IReadOnlyList<Column<T>> columns)
    {
        IEnumerable<T> rows = items;
        var filterText = context.Query("filter");
        if (!string.IsNullOrEmpty(filterText))
        {
            JsonDocument document;
            try
            {
                var normalized = filterText.Replace('-', '+').Replace('_', '/');
                normalized = normalized.PadRight(normalized.Length + ((4 - (normalized.Length % 4)) % 4), '=');
                document = JsonDocument.Parse(Convert.FromBase64String(normalized));
            }
            catch (Exception ex) when (ex is FormatException or JsonException)
            {
                return (null, SimResponse.Text(400, "Bad Request: filter must be base64-encoded JSON"));
            }

            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    return (null, SimResponse.Text(400, "Bad Request: filter must be a JSON object"));
                }

                foreach (var property in document.RootElement.EnumerateObject())
                {
                    var column = columns.FirstOrDefault(c => c.Name == property.Name && c.Filter is not null);
                    if (column is null)
                    {
                        return (null, SimResponse.Text(400, $"Bad Request: cannot filter on '{property.Name}' (only top-level scalar fields)"));
                    }

                    if (property.Value.ValueKind != JsonValueKind.Array || property.Value.GetArrayLength() != 2)
                    {
                        return (null, SimResponse.Text(400, $"Bad Request: filter for '{property.Name}' must be [lower, upper]"));
                    }

                    var lower = property.Value[0];
                    var upper = property.Value[1];
                    var get = column.Filter!;
                    var isDate = property.Name.EndsWith("Date", StringComparison.Ordinal);
                    if (isDate)
                    {
                        if (!TryDate(lower, out var from) || !TryDate(upper, out var to))
                        {
                            return (null, SimResponse.Text(400, $"Bad Request: invalid date in filter for '{property.Name}'"));
                        }

                        if (property.Name == "lastUpdatedDate")
                        {
                            if (from is null)
                            {
                                return (null, SimResponse.Text(400, "Bad Request: lastUpdatedDate filter requires a lower bound"));
                            }

                            if (to is null && context.Options.FinaleRequireUpperBound)
                            {
                                return (null, SimResponse.Text(400, "Bad Request: lastUpdatedDate filter requires an upper bound"));
                            }

                            var end = to ?? context.Data.Now();
                            if (end - from.Value > context.Options.FinaleMaxFilterWindow)
                            {
                                return (null, SimResponse.Text(400, $"Bad Request: lastUpdatedDate range may not exceed {context.Options.FinaleMaxFilterWindow.TotalDays.ToString(CultureInfo.InvariantCulture)} days"));
                            }
                        }

                        rows = rows.Where(r => get(r) is DateTime v && (from is null || v >= from) && (to is null || v <= to));
                    }
                    else
                    {
                        var lo = lower.ValueKind == JsonValueKind.Null ? null : lower.ToString();
                        var hi = upper.ValueKind == JsonValueKind.Null ? null : upper.ToString();
                        rows = rows.Where(r => get(r)?.ToString() is { } v
                            && (lo is null || string.CompareOrdinal(v, lo) >= 0)
                            && (hi is null || string.CompareOrdinal(v, hi) <= 0));
                    }
                }
            }
        }

        var limit = int.TryParse(context.Query("limit"), NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? l : int.MaxValue;
        limit = Math.Min(limit, context.Options.FinaleMaxCollectionSize);
        if (context.TakeFault(FaultKind.SilentTruncation) is { } truncation)
        {
            limit = Math.Min(limit, truncation.Cap);
        }

        return (rows.Take(limit).ToList(), null);
    }

    private static bool TryDate(JsonElement element, out DateTime? value)
    {
        value = null;
        if (element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(element.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            value = parsed.UtcDateTime;
            return true;
        }

        return false;
    }

    private static SimResponse ColumnMajor<T>(IReadOnlyList<T> rows, IReadOnlyList<Column<T>> columns) => SimResponse.Json(200, w =>
    {
        w.WriteStartObject();
        foreach (var column in columns)
        {
            w.WriteStartArray(column.Name);
            foreach (var row in rows)
            {
                column.Write(w, row);
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
    });

    private static void WriteObject<T>(Utf8JsonWriter w, T row, IEnumerable<Column<T>> columns)
    {
        foreach (var column in columns)
        {
            w.WritePropertyName(column.Name);
            column.Write(w, row);
        }
    }

    private static void Str(Utf8JsonWriter w, string? value) => w.WriteStringOrNullValue(value);

    private static void Date(Utf8JsonWriter w, DateTime? value) => w.WriteStringOrNullValue(value is { } v ? JsonBody.Plain(v) : null);

    // ------------------------------------------------------------------ orders

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

    // ------------------------------------------------------------------ products, facilities, suppliers

    private static List<Column<FinaleProduct>> ProductColumns(string root) =>
    [
        new("productId", (w, p) => Str(w, p.ProductId), p => p.ProductId),
        new("productUrl", (w, p) => Str(w, $"{root}/api/product/{p.UrlSlug}"), p => $"{root}/api/product/{p.UrlSlug}"),
        new("internalName", (w, p) => Str(w, p.InternalName), p => p.InternalName),
        new("statusId", (w, p) => Str(w, p.StatusId), p => p.StatusId),
        new("productTypeId", (w, _) => Str(w, "FINISHED_GOOD"), _ => "FINISHED_GOOD"),
        new("universalProductCode", (w, p) => Str(w, p.Upc), p => p.Upc),
        new("cost", (w, p) => w.WriteNumberValue(p.Cost)),
        new("category", (w, p) => Str(w, p.Category), p => p.Category),
        new("containerId", (w, _) => w.WriteNullValue(), _ => null),
        new("createdDate", (w, p) => Date(w, p.CreatedDate), p => p.CreatedDate),
        new("lastUpdatedDate", (w, p) => Date(w, p.LastUpdatedDate), p => p.LastUpdatedDate),
        new("priceList", (w, p) =>
        {
            w.WriteStartArray();
            w.WriteStartObject();
            w.WriteString("productPriceTypeId", "LIST_PRICE");
            w.WriteNumber("price", p.Price);
            w.WriteEndObject();
            w.WriteEndArray();
        }),
        new("supplierList", (w, p) =>
        {
            w.WriteStartArray();
            w.WriteStartObject();
            w.WriteString("supplierPartyUrl", $"{root}/api/partygroup/{p.SupplierPartyId}");
            w.WriteNumber("price", p.Cost);
            w.WriteEndObject();
            w.WriteEndArray();
        }),
        new("userFieldDataList", (w, _) => { w.WriteStartArray(); w.WriteEndArray(); }),
    ];

    private static ValueTask<SimResponse> Products(SimContext context)
    {
        if (Authenticate(context) is { } denied)
        {
            return ValueTask.FromResult(denied);
        }

        lock (context.Data.Sync)
        {
            var columns = ProductColumns(Root(context));
            var (rows, error) = Select(context, context.Data.Products, columns);
            return ValueTask.FromResult(error ?? ColumnMajor(rows!, columns));
        }
    }

    private static ValueTask<SimResponse> OneProduct(SimContext context)
    {
        if (Authenticate(context) is { } denied)
        {
            return ValueTask.FromResult(denied);
        }

        lock (context.Data.Sync)
        {
            var slug = context.Route("slug");
            var product = context.Data.Products.Find(p => p.UrlSlug == slug);
            if (product is null)
            {
                return ValueTask.FromResult(SimResponse.Text(404, "Not Found"));
            }

            var columns = ProductColumns(Root(context));
            return ValueTask.FromResult(SimResponse.Json(200, w =>
            {
                w.WriteStartObject();
                WriteObject(w, product, columns);
                w.WriteEndObject();
            }));
        }
    }

    private static ValueTask<SimResponse> Facilities(SimContext context)
    {
        if (Authenticate(context) is { } denied)
        {
            return ValueTask.FromResult(denied);
        }

        var root = Root(context);
        List<Column<FinaleFacility>> columns =
        [
            new("facilityId", (w, f) => Str(w, f.FacilityId), f => f.FacilityId),
            new("facilityUrl", (w, f) => Str(w, $"{root}/api/facility/{f.FacilityId}"), f => $"{root}/api/facility/{f.FacilityId}"),
            new("facilityName", (w, f) => Str(w, f.Name), f => f.Name),
            new("facilityTypeId", (w, f) => Str(w, f.FacilityTypeId), f => f.FacilityTypeId),
            new("parentFacilityUrl", (w, f) => Str(w, f.ParentFacilityId is null ? null : $"{root}/api/facility/{f.ParentFacilityId}"), f => f.ParentFacilityId is null ? null : $"{root}/api/facility/{f.ParentFacilityId}"),
            new("statusId", (w, f) => Str(w, f.StatusId), f => f.StatusId),
        ];
        lock (context.Data.Sync)
        {
            var (rows, error) = Select(context, context.Data.Facilities, columns);
            return ValueTask.FromResult(error ?? ColumnMajor(rows!, columns));
        }
    }

    private static ValueTask<SimResponse> PartyGroups(SimContext context)
    {
        if (Authenticate(context) is { } denied)
        {
            return ValueTask.FromResult(denied);
        }

        var root = Root(context);
        List<Column<FinaleParty>> columns =
        [
            new("partyId", (w, p) => Str(w, p.PartyId), p => p.PartyId),
            new("partyUrl", (w, p) => Str(w, $"{root}/api/partygroup/{p.PartyId}"), p => $"{root}/api/partygroup/{p.PartyId}"),
            new("groupName", (w, p) => Str(w, p.GroupName), p => p.GroupName),
            new("roleTypeIdList", (w, p) =>
            {
                w.WriteStartArray();
                w.WriteStringValue(p.PartyId == "PRIMARY" ? "INTERNAL_ORGANIZATIO" : "SUPPLIER");
                w.WriteEndArray();
            }),
        ];
        lock (context.Data.Sync)
        {
            IReadOnlyList<FinaleParty> parties = [new FinaleParty { PartyId = "PRIMARY", GroupName = "Simulated Company" }, .. context.Data.Parties];
            var (rows, error) = Select(context, parties, columns);
            return ValueTask.FromResult(error ?? ColumnMajor(rows!, columns));
        }
    }

    // ------------------------------------------------------------------ reports

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
