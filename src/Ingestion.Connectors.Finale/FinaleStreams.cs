namespace Ingestion.Connectors.Finale;

/// <summary>The stream names of a Finale source. Reports are streams named after <see cref="FinaleReportOptions.Name"/>.</summary>
public static class FinaleStreams
{
    /// <summary>Purchase orders from the order collection, incremental by <c>lastUpdatedDate</c>, keyed by <c>orderUrl</c>.</summary>
    public const string PurchaseOrders = "purchase-orders";

    /// <summary>Each changed purchase order as the single-order resource (with <c>orderItemList</c>), keyed by <c>orderUrl</c>.</summary>
    public const string PurchaseOrderDetails = "purchase-order-details";

    /// <summary>Products, a full snapshot keyed by <c>productUrl</c>.</summary>
    public const string Products = "products";

    /// <summary>Facilities (locations and sublocations), a full snapshot keyed by <c>facilityUrl</c>.</summary>
    public const string Facilities = "facilities";

    /// <summary>
    /// Party groups (<c>GET api/partygroup/</c>: suppliers, and the company itself as <c>PRIMARY</c>), a full snapshot keyed by
    /// <c>partyUrl</c>; purchase-order summaries take supplier names from it.
    /// </summary>
    public const string Suppliers = "suppliers";

    /// <summary>The field a report row's key is written to: its key columns joined with <c>|</c>.</summary>
    public const string ReportKeyField = "_key";
}
