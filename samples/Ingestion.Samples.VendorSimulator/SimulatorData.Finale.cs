namespace Ingestion.Samples.VendorSimulator;

// Finale: the generated facilities, products, parties and orders, their queries and mutations.
public sealed partial class SimulatorData
{
    private static readonly string[] Categories = ["Soil", "Seeds", "Tools", "Pots", "Fertiliser", "Irrigation"];
    private static readonly string[] Suppliers =
    [
        "Acme Soil Co", "Green Sack Ltd", "Root & Branch", "Peat Partners", "Hydro Supply", "Garden Wholesale",
        "Terra Trading", "Bloom Logistics",
    ];

    private Dictionary<string, string>? _slugs;

    internal List<FinaleFacility> Facilities { get; } = [];

    internal List<FinaleProduct> Products { get; } = [];

    internal List<FinaleParty> Parties { get; } = [];

    internal List<FinaleOrder> Orders { get; } = [];

    /// <summary>Finale order ids in collection order.</summary>
    public IReadOnlyList<string> OrderIds
    {
        get { lock (Sync) { return [.. Orders.Select(o => o.OrderId)]; } }
    }

    /// <summary>Finale purchase-order ids (orders of type <c>PURCHASE_ORDER</c>) in collection order.</summary>
    public IReadOnlyList<string> PurchaseOrderIds
    {
        get { lock (Sync) { return [.. Orders.Where(o => o.OrderTypeId == "PURCHASE_ORDER").Select(o => o.OrderId)]; } }
    }

    /// <summary>The number of lines of one Finale order.</summary>
    public int GetOrderLineCount(string orderId)
    {
        lock (Sync)
        {
            return FindOrder(orderId).Items.Count;
        }
    }

    /// <summary>Number of Finale orders whose <c>lastUpdatedDate</c> is in the closed range (UTC, no offset).</summary>
    public int CountOrdersUpdatedBetween(DateTime from, DateTime to)
    {
        lock (Sync)
        {
            return Orders.Count(o => o.LastUpdatedDate >= from && o.LastUpdatedDate <= to);
        }
    }

    /// <summary>Earliest and latest Finale order <c>lastUpdatedDate</c>.</summary>
    public (DateTime Min, DateTime Max) OrderLastUpdatedRange
    {
        get
        {
            lock (Sync)
            {
                return Orders.Count == 0
                    ? (Reference, Reference)
                    : (Orders.Min(o => o.LastUpdatedDate), Orders.Max(o => o.LastUpdatedDate));
            }
        }
    }

    /// <summary>The <c>lastUpdatedDate</c> of one order.</summary>
    public DateTime GetOrderLastUpdated(string orderId)
    {
        lock (Sync)
        {
            return FindOrder(orderId).LastUpdatedDate;
        }
    }

    /// <summary>
    /// Moves the <c>lastUpdatedDate</c> of <paramref name="count"/> purchase orders (spread evenly over the collection)
    /// to a new stamp after every existing one, and returns their ids.
    /// </summary>
    public IReadOnlyList<string> TouchPurchaseOrders(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (Sync)
        {
            var purchaseOrders = Orders.Where(o => o.OrderTypeId == "PURCHASE_ORDER").ToList();
            count = Math.Min(count, purchaseOrders.Count);
            var touched = new List<string>(count);
            for (var i = 0; i < count; i++)
            {
                var order = purchaseOrders[(int)((long)i * purchaseOrders.Count / count)];
                order.LastUpdatedDate = NextStamp();
                order.PublicNotes = $"Updated {order.LastUpdatedDate:yyyy-MM-dd HH:mm:ss}";
                touched.Add(order.OrderId);
            }

            return touched;
        }
    }

    /// <summary>Changes an order's status (recording it in the status history) and moves its <c>lastUpdatedDate</c>.</summary>
    public void SetOrderStatus(string orderId, string statusId)
    {
        lock (Sync)
        {
            var order = FindOrder(orderId);
            order.StatusId = statusId;
            order.LastUpdatedDate = NextStamp();
            order.StatusHistory.Add(new FinaleStatusChange { StatusId = statusId, At = order.LastUpdatedDate });
        }
    }

    /// <summary>Adds a new purchase order with one line and returns its id.</summary>
    public string AddPurchaseOrder(string productId, decimal quantity, decimal unitPrice)
    {
        lock (Sync)
        {
            var stamp = NextStamp();
            var order = CreateOrder(NextOrderId(), "PURCHASE_ORDER", stamp, stamp, Facilities.First(f => f.ParentFacilityId is null).FacilityId, Parties[0].PartyId);
            order.Items.Add(new FinaleOrderItem { SeqId = 1, ProductId = productId, Quantity = quantity, UnitPrice = unitPrice });
            order.LastUpdatedDate = stamp;
            Orders.Add(order);
            return order.OrderId;
        }
    }

    internal FinaleOrder? TryFindOrder(string id) => Orders.Find(o => string.Equals(o.OrderId, id, StringComparison.Ordinal));

    /// <summary>The order a URL's last segment names: its slug (the order id unless <see cref="SimulatorOptions.FinaleOrderUrlSlugs"/>).</summary>
    internal FinaleOrder? TryFindOrderBySlug(string slug) => Orders.Find(o => string.Equals(o.Slug, slug, StringComparison.Ordinal));

    internal string ProductSlug(string productId) =>
        (_slugs ??= Products.ToDictionary(p => p.ProductId, p => p.UrlSlug, StringComparer.Ordinal)).GetValueOrDefault(productId, productId);

    internal string NextOrderId() => "PO-" + (10000 + Orders.Count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private FinaleOrder FindOrder(string id) => TryFindOrder(id) ?? throw new KeyNotFoundException($"Order {id} not found.");

    private void GenerateFinale(Random random)
    {
        var topLevel = Math.Max(1, (_options.FacilityCount + 2) / 3);
        for (var f = 0; f < _options.FacilityCount; f++)
        {
            var id = (10000 + f).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var isTop = f < topLevel;
            Facilities.Add(new FinaleFacility
            {
                FacilityId = id,
                Name = isTop ? (f == 0 ? "Main Warehouse" : $"Warehouse {f + 1}") : $"Aisle {(char)('A' + (f % 26))}-{f:00}",
                ParentFacilityId = isTop ? null : (10000 + (f % topLevel)).ToString(System.Globalization.CultureInfo.InvariantCulture),
                StatusId = f == _options.FacilityCount - 1 && f > 0 ? "FACILITY_INACTIVE" : "FACILITY_ACTIVE",
                FacilityTypeId = isTop ? null : "SUBLOCATION",
            });
        }

        for (var s = 0; s < Suppliers.Length; s++)
        {
            Parties.Add(new FinaleParty { PartyId = (100021 + (s * 4)).ToString(System.Globalization.CultureInfo.InvariantCulture), GroupName = Suppliers[s] });
        }

        for (var p = 0; p < _options.ProductCount; p++)
        {
            var productId = "BC" + (101 + p).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var created = Reference.AddDays(-random.Next(200, 1200)).AddSeconds(random.Next(86400));
            var cost = Math.Round(0.5m + (decimal)random.NextDouble() * 40m, 2);
            var category = Pick(random, Categories);
            Products.Add(new FinaleProduct
            {
                ProductId = productId,
                UrlSlug = p % 3 == 1 ? (100400 + p).ToString(System.Globalization.CultureInfo.InvariantCulture) : productId,
                InternalName = $"{category} item {p + 1}",
                StatusId = random.Next(12) == 0 ? "PRODUCT_INACTIVE" : "PRODUCT_ACTIVE",
                Category = category,
                Upc = random.NextInt64(100_000_000_000, 999_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture),
                Cost = cost,
                Price = Math.Round(cost * 1.6m, 2),
                SupplierPartyId = Parties[random.Next(Parties.Count)].PartyId,
                UnitsInStock = random.Next(0, 5000),
                CreatedDate = created,
                LastUpdatedDate = Min(created.AddDays(random.Next(0, 400)), Reference.AddSeconds(-1)),
            });
        }

        var topFacilities = Facilities.Where(f => f.ParentFacilityId is null).ToArray();
        for (var o = 0; o < _options.PurchaseOrderCount; o++)
        {
            var orderDate = Reference.Date.AddDays(-random.Next(1, 366)).AddHours(7);
            var created = orderDate.AddHours(2).AddSeconds(random.Next(7200));
            var type = random.Next(10) == 0 ? "SALES_ORDER" : "PURCHASE_ORDER";
            var order = CreateOrder(
                "PO-" + (10001 + o).ToString(System.Globalization.CultureInfo.InvariantCulture),
                type,
                orderDate,
                created,
                topFacilities[random.Next(topFacilities.Length)].FacilityId,
                Parties[random.Next(Parties.Count)].PartyId);
            var lines = random.Next(1, 7);
            for (var l = 0; l < lines; l++)
            {
                var product = Products[random.Next(Products.Count)];
                order.Items.Add(new FinaleOrderItem
                {
                    SeqId = l + 1,
                    ProductId = product.ProductId,
                    UnitPrice = product.Cost,
                    Quantity = random.Next(1, 50) * 5,
                });
            }

            var age = (Reference - orderDate).TotalDays;
            var statusRoll = random.Next(100);
            var lastUpdated = created.AddSeconds(random.Next(60, 86400 * Math.Max(1, Math.Min(60, (int)age))));
            lastUpdated = Min(lastUpdated, Reference.AddSeconds(-random.Next(1, 86400)));
            if (lastUpdated < created)
            {
                lastUpdated = created;
            }

            if (statusRoll < 5)
            {
                order.StatusId = "ORDER_CANCELLED";
            }
            else if (age < 14 && statusRoll < 40)
            {
                order.StatusId = "ORDER_CREATED";
            }
            else if (age < 45 || statusRoll < 15)
            {
                order.StatusId = "ORDER_LOCKED";
            }
            else
            {
                order.StatusId = "ORDER_COMPLETED";
                order.ReceiveDate = orderDate.Date.AddDays(random.Next(3, 30)).AddHours(16);
                order.ShipmentIds.Add((20000 + o).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            if (order.StatusId != "ORDER_CREATED")
            {
                order.StatusHistory.Add(new FinaleStatusChange { StatusId = "ORDER_LOCKED", At = created.AddMinutes(30) });
            }

            if (order.StatusId is "ORDER_COMPLETED" or "ORDER_CANCELLED")
            {
                order.StatusHistory.Add(new FinaleStatusChange { StatusId = order.StatusId, At = lastUpdated });
            }

            if (random.Next(3) == 0)
            {
                order.ReferenceNumber = "SUP-INV-" + random.Next(100, 9999).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            if (random.Next(5) == 0)
            {
                order.UserFields.Add(new("user_10000", "INV-" + random.Next(1000, 9999).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }

            if (random.Next(6) == 0)
            {
                order.PublicNotes = "Deliver to dock " + random.Next(1, 5).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            order.LastUpdatedDate = lastUpdated;
            Orders.Add(order);
        }
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    private static FinaleOrder CreateOrder(string id, string type, DateTime orderDate, DateTime created, string facilityId, string partyId)
    {
        var order = new FinaleOrder
        {
            OrderId = id,
            OrderTypeId = type,
            OrderDate = orderDate,
            CreatedDate = created,
            DestinationFacilityId = facilityId,
            PartyId = partyId,
        };
        order.StatusHistory.Add(new FinaleStatusChange { StatusId = "ORDER_CREATED", At = created });
        return order;
    }
}
