namespace Ingestion.Samples.VendorSimulator;

/// <summary>The three simulated vendors.</summary>
public enum Vendor
{
    /// <summary>Employes (connect.employes.nl), Dutch payroll.</summary>
    Employes,

    /// <summary>Jibble (identity, workspace and time-tracking hosts).</summary>
    Jibble,

    /// <summary>Finale Inventory (app.finaleinventory.com).</summary>
    Finale,
}

/// <summary>Shape of the Employes <c>/employments</c> response body.</summary>
public enum EmploymentsEnvelope
{
    /// <summary><c>{"data":[...]}</c> (the default).</summary>
    DataObject,

    /// <summary>A bare JSON array.</summary>
    BareArray,
}

/// <summary>Settings of a <see cref="VendorSimulator"/>: data sizes, credentials and behaviour switches.</summary>
public sealed class SimulatorOptions
{
    /// <summary>Seed of the deterministic data generator. The same seed and sizes give the same data.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>The simulated "today": generated data ends just before this instant (UTC).</summary>
    public DateTimeOffset ReferenceTime { get; set; } = new(2026, 7, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Clock used for token expiry, sessions, rate-limit windows and mutation stamps.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Number of Employes employees.</summary>
    public int EmployeeCount { get; set; } = 500;

    /// <summary>Number of Jibble people.</summary>
    public int PeopleCount { get; set; } = 200;

    /// <summary>Number of days of Jibble time entries ending the day before <see cref="ReferenceTime"/>.</summary>
    public int TimeEntryDays { get; set; } = 30;

    /// <summary>Number of Finale orders (mostly purchase orders, some sales orders).</summary>
    public int PurchaseOrderCount { get; set; } = 2000;

    /// <summary>Number of Finale products.</summary>
    public int ProductCount { get; set; } = 300;

    /// <summary>Number of Finale facilities (top-level locations and sublocations).</summary>
    public int FacilityCount { get; set; } = 6;

    /// <summary>Added latency per request (zero for none).</summary>
    public TimeSpan Latency { get; set; } = TimeSpan.Zero;

    /// <summary>Whether each vendor's own rate limit is enforced (switchable at run time on the simulator).</summary>
    public bool EnforceRateLimits { get; set; }

    /// <summary>Employes limit: requests per second (5 per the vendor docs).</summary>
    public int EmployesRequestsPerSecond { get; set; } = 5;

    /// <summary>Jibble limit: requests per minute (not documented by the vendor; 60 chosen).</summary>
    public int JibbleRequestsPerMinute { get; set; } = 60;

    /// <summary>Finale limit: requests per minute (120 per the observed <c>X-RateLimit-Limit</c>).</summary>
    public int FinaleRequestsPerMinute { get; set; } = 120;

    /// <summary>Finale limit: collection requests (<c>GET /api/{collection}/</c>) per hour (300 per the vendor's documented limits); 0 for none.</summary>
    public int FinaleCollectionRequestsPerHour { get; set; } = 300;

    // ---- Employes ----

    /// <summary>Bearer token accepted by the Employes endpoints.</summary>
    public string EmployesToken { get; set; } =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2Nvbm5lY3QuZW1wbG95ZXMubmwiLCJhdWQiOiJodHRwczovL2Nvbm5lY3QuZW1wbG95ZXMubmwiLCJyb2xlIjoiY29tcGFueV9vd25lciIsImV4cCI6MTgxNDQwMDAwMH0.c2ltdWxhdG9yLXNpZ25hdHVyZQ";

    /// <summary>Company (administration) id that appears as the path segment after <c>/v4</c>.</summary>
    public Guid EmployesCompanyId { get; set; } = new("8d5e1c44-2f3a-4b9e-b1c7-77e0a6f0d2b1");

    /// <summary>Company name listed by <c>/v4/companies</c>.</summary>
    public string EmployesCompanyName { get; set; } = "Simulated Company B.V.";

    /// <summary><c>per_page</c> used when the request gives none.</summary>
    public int EmployesDefaultPageSize { get; set; } = 25;

    /// <summary>Largest <c>per_page</c> honoured; larger values are capped.</summary>
    public int EmployesMaxPageSize { get; set; } = 100;

    /// <summary>Envelope of the <c>/employments</c> response.</summary>
    public EmploymentsEnvelope EmploymentsEnvelope { get; set; } = EmploymentsEnvelope.DataObject;

    /// <summary>Employees whose <c>/employments</c> answers 404 although the employee exists (seen for employees without any employment).</summary>
    public ISet<Guid> EmployesEmploymentsNotFoundFor { get; } = new HashSet<Guid>();

    /// <summary>Employees whose <c>/employments</c> answers 200 with an empty body (seen once on the real API).</summary>
    public ISet<Guid> EmployesEmploymentsEmptyBodyFor { get; } = new HashSet<Guid>();

    // ---- Jibble ----

    /// <summary>OAuth2 client id accepted by the Jibble token endpoint.</summary>
    public string JibbleClientId { get; set; } = "sim-jibble-client";

    /// <summary>OAuth2 client secret accepted by the Jibble token endpoint.</summary>
    public string JibbleClientSecret { get; set; } = "sim-jibble-secret";

    /// <summary>Lifetime of issued Jibble access tokens (<c>expires_in</c>).</summary>
    public TimeSpan JibbleTokenLifetime { get; set; } = TimeSpan.FromSeconds(3600);

    /// <summary>Jibble organization id.</summary>
    public Guid JibbleOrganizationId { get; set; } = new("2a4c64a5-7d1e-4c3b-9f0a-5b6c7d8e9f01");

    /// <summary>Largest <c>$top</c> honoured; larger values are silently capped.</summary>
    public int JibbleMaxPageSize { get; set; } = 1000;

    /// <summary>Whether an <c>@odata.nextLink</c> is returned when more rows exist (off: the vendor does not send it).</summary>
    public bool JibbleEmitNextLink { get; set; }

    /// <summary>The most nodes a <c>$filter</c> may have (OData's default <c>MaxNodeCount</c> is 100); more answers 400. 0 for no limit.</summary>
    public int JibbleMaxFilterNodes { get; set; } = 100;

    /// <summary>The longest request target (path and query) accepted; longer answers 414. Defaults to 8,000 characters.</summary>
    public int JibbleMaxRequestTargetLength { get; set; } = 8000;

    /// <summary>Whether People carry an <c>@odata.etag</c> annotation. Defaults to <see langword="true"/>; off checks nothing depends on it.</summary>
    public bool JibbleEmitEtag { get; set; } = true;

    /// <summary>
    /// Whether night shifts come in both datings Jibble is seen to use: the out belonging to the day the shift started, and
    /// (every other night shift) the out dated the next day, when it happened. Off by default: every out belongs to the start's day.
    /// </summary>
    public bool JibbleNightShiftsBothDatings { get; set; }

    /// <summary>Whether TimeEntries without a <c>belongsToDate</c> filter return no rows (as reported for the vendor).</summary>
    public bool JibbleRequireDateFilter { get; set; } = true;

    // ---- Finale ----

    /// <summary>Account path component (the segment after the host).</summary>
    public string FinaleAccountPath { get; set; } = "acme";

    /// <summary>API key (Basic user name).</summary>
    public string FinaleApiKey { get; set; } = "sim-finale-key";

    /// <summary>API secret (Basic password).</summary>
    public string FinaleApiSecret { get; set; } = "sim-finale-secret";

    /// <summary>User name for the legacy session login (<c>POST /api/auth</c>).</summary>
    public string FinaleUsername { get; set; } = "sim-user";

    /// <summary>Password for the legacy session login.</summary>
    public string FinalePassword { get; set; } = "sim-password";

    /// <summary>Idle lifetime of a session cookie.</summary>
    public TimeSpan FinaleSessionLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Whether order collections include <c>orderItemList</c> (off by default; the single-order GET always has it).</summary>
    public bool FinaleIncludeOrderItemsInCollection { get; set; }

    /// <summary>
    /// Whether generated orders have URL slugs that differ from their order ids (<c>/api/order/100003</c> for <c>PO-10001</c>), as
    /// Finale's own numbers do: a client must follow <c>orderUrl</c>, a URL built from the order id is 404. Off by default.
    /// </summary>
    public bool FinaleOrderUrlSlugs { get; set; }

    /// <summary>Whether every other order's dates carry an offset (<c>+02:00</c>, the same instant) instead of none. Off by default.</summary>
    public bool FinaleDatesWithOffsets { get; set; }

    /// <summary>Most entities a collection returns.</summary>
    public int FinaleMaxCollectionSize { get; set; } = 120_000;

    /// <summary>Whether a <c>lastUpdatedDate</c> filter without an upper bound is refused with 400 (the strict reading of the docs). Defaults to <see langword="true"/>.</summary>
    public bool FinaleRequireUpperBound { get; set; } = true;

    /// <summary>Widest <c>lastUpdatedDate</c> filter range accepted.</summary>
    public TimeSpan FinaleMaxFilterWindow { get; set; } = TimeSpan.FromDays(30);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(EmployeeCount);
        ArgumentOutOfRangeException.ThrowIfNegative(PeopleCount);
        ArgumentOutOfRangeException.ThrowIfNegative(TimeEntryDays);
        ArgumentOutOfRangeException.ThrowIfNegative(PurchaseOrderCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(ProductCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(FacilityCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(EmployesMaxPageSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(EmployesDefaultPageSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(JibbleMaxPageSize, 1);
        ArgumentException.ThrowIfNullOrWhiteSpace(FinaleAccountPath);
        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}
