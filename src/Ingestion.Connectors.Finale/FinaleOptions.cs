namespace Ingestion.Connectors.Finale;

/// <summary>
/// Settings of one Finale Inventory account, bound from configuration (for example the <c>Finale</c> section) and validated
/// when the host starts. Authenticate with <see cref="ApiKey"/> and <see cref="ApiSecret"/> (HTTP Basic, preferred) or with
/// <see cref="Username"/> and <see cref="Password"/> (the legacy session login).
/// </summary>
public sealed class FinaleOptions
{
    /// <summary>The source name used when none is given: <c>finale</c>.</summary>
    public const string DefaultName = "finale";

    /// <summary>The widest <c>lastUpdatedDate</c> range Finale accepts in one filter.</summary>
    public static readonly TimeSpan MaxWindowSize = TimeSpan.FromDays(30);

    /// <summary>The host the account path follows. Defaults to <c>https://app.finaleinventory.com/</c>.</summary>
    public Uri BaseAddress { get; set; } = new("https://app.finaleinventory.com/");

    /// <summary>The account path component: the segment after the host in the login URL (for example <c>acme</c>). Required.</summary>
    public string? AccountPath { get; set; }

    /// <summary>The API key (the Basic user name). Required together with <see cref="ApiSecret"/> unless the session login is used.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The API secret (the Basic password). Never logged.</summary>
    public string? ApiSecret { get; set; }

    /// <summary>The user name of the legacy session login (<c>POST /{account}/api/auth</c>); used only without an API key.</summary>
    public string? Username { get; set; }

    /// <summary>The password of the legacy session login. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// The width of each <c>lastUpdatedDate</c> window of the purchase-order sync, at most <see cref="MaxWindowSize"/>
    /// (Finale refuses wider ranges). Defaults to 30 days.
    /// </summary>
    public TimeSpan WindowSize { get; set; } = MaxWindowSize;

    /// <summary>How far each incremental run reaches back before the stored watermark, for late writes. Defaults to 10 minutes.</summary>
    public TimeSpan Overlap { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The <c>limit</c> sent with every purchase-order window. Finale cuts a result at this many rows without saying so, so a
    /// window that returns exactly this many is fetched again as two halves. Defaults to 10,000.
    /// </summary>
    public int Limit { get; set; } = 10_000;

    /// <summary>Where the first purchase-order sync starts. Defaults to one year before the first run.</summary>
    public DateTimeOffset? SyncFrom { get; set; }

    /// <summary>Whether each changed purchase order is fetched on its own for its lines (<c>GET {orderUrl}</c>). Defaults to <see langword="true"/>.</summary>
    public bool SyncOrderDetails { get; set; } = true;

    /// <summary>How many single-order requests run at the same time. Defaults to 4.</summary>
    public int OrderDetailConcurrency { get; set; } = 4;

    /// <summary>A request budget per minute shared by the account's streams; 0 for none. Defaults to 120 (Finale's observed limit).</summary>
    public int RequestsPerMinute { get; set; } = 120;

    /// <summary>
    /// A budget of collection requests (<c>GET /api/order/</c>, <c>/api/product/</c>, <c>/api/facility/</c>) per hour, shared by
    /// those streams, on top of <see cref="RequestsPerMinute"/>; 0 for none. Defaults to 300 (Finale's documented limit). A run
    /// that would wait longer than the budget's maximum wait stops as partial and the next run resumes where it stopped.
    /// </summary>
    public int CollectionRequestsPerHour { get; set; } = 300;

    /// <summary>
    /// Timeouts, retries and circuit breaking of the account's requests (the <c>Resilience</c> section, the same shape for every
    /// source); unset values keep their defaults, which here are a 30-second attempt timeout, 3 retries and a 1-second first backoff.
    /// </summary>
    public ResilienceSettings Resilience { get; set; } = new() { AttemptTimeout = TimeSpan.FromSeconds(30) };

    /// <summary>
    /// How long after a run whose snapshot guard tripped (an empty or shrunken product, facility or report snapshot) a
    /// retry sync is queued; zero queues none. Defaults to 5 minutes.
    /// </summary>
    public TimeSpan GuardRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>CSV reports synced as full snapshots, one stream each.</summary>
    public IList<FinaleReportOptions> Reports { get; } = [];
}

/// <summary>One Finale report synced as a stream: its URL as copied from Finale, and how its rows are keyed.</summary>
public sealed class FinaleReportOptions
{
    /// <summary>The stream name (for example <c>stock</c>). Required; unique within the source.</summary>
    public string? Name { get; set; }

    /// <summary>
    /// The report URL as copied from Finale: absolute, host-relative (<c>/acme/doc/report/...</c>) or relative to the account
    /// (<c>doc/report/...</c>). A <c>pivotTableStream</c> URL is turned into the <c>pivotTable</c> one, which returns the data. Required.
    /// </summary>
    public string? Url { get; set; }

    /// <summary>The column labels whose values together identify a row (for example <c>Order ID</c> and <c>Product ID</c>). Required.</summary>
    public IList<string> KeyColumns { get; } = [];

    /// <summary>
    /// Group columns whose blank cells take the value of the row above (grouped reports). Defaults to none; a report with
    /// <see cref="PurchaseOrderColumns"/> always carries its order column down, so a line under its order's first line
    /// belongs to that order.
    /// </summary>
    public IList<string> CarryDownColumns { get; } = [];

    /// <summary>
    /// The culture the report's numbers are formatted in (for example <c>nl-NL</c>, where <c>1.234,50</c> is one thousand two
    /// hundred and thirty-four and a half), as a culture name. Defaults to empty: the invariant culture (<c>1,234.50</c>).
    /// </summary>
    public string Culture { get; set; } = string.Empty;

    /// <summary>Rows whose first cell is this label (summary rows) are skipped. Defaults to <c>Total</c>; empty keeps every row.</summary>
    public string TotalRowLabel { get; set; } = "Total";

    /// <summary>The smallest accepted fraction of the last good snapshot's row count before the guard keeps the old one. Defaults to 0.5.</summary>
    public double MinimumRatio { get; set; } = 0.5;

    /// <summary>
    /// When set, the report lists purchase-order lines and feeds the <see cref="PurchaseOrderSummaryDeriver"/> for orders that
    /// have no single-order record. Holds the report's column labels.
    /// </summary>
    public FinalePurchaseOrderReportColumns? PurchaseOrderColumns { get; set; }
}

/// <summary>The column labels of a purchase-order line report. The defaults are Finale's standard labels.</summary>
public sealed class FinalePurchaseOrderReportColumns
{
    /// <summary>The order id column. Defaults to <c>Order ID</c>.</summary>
    public string OrderId { get; set; } = "Order ID";

    /// <summary>The status column (labels such as <c>Committed</c> or <c>Completed</c>). Defaults to <c>Status</c>.</summary>
    public string Status { get; set; } = "Status";

    /// <summary>The supplier column. Defaults to <c>Supplier</c>.</summary>
    public string Supplier { get; set; } = "Supplier";

    /// <summary>The order date column. Defaults to <c>Order date</c>.</summary>
    public string OrderDate { get; set; } = "Order date";

    /// <summary>The product column, for the summary's count of distinct products. Defaults to <c>Product ID</c>.</summary>
    public string ProductId { get; set; } = "Product ID";

    /// <summary>The quantity column. Defaults to <c>Quantity</c>.</summary>
    public string Quantity { get; set; } = "Quantity";

    /// <summary>The unit price column. Defaults to <c>Unit price</c>.</summary>
    public string UnitPrice { get; set; } = "Unit price";
}
