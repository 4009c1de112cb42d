namespace Ingestion.Connectors.Employes;

/// <summary>
/// Settings of one Employes account (one named connector instance). Bound from configuration, validated when the host
/// starts: a missing token or company id stops it with a message naming the key.
/// </summary>
public sealed class EmployesOptions
{
    /// <summary>The default <see cref="BaseAddress"/>: the Employes v4 API.</summary>
    public const string DefaultBaseAddress = "https://connect.employes.nl/v4/";

    /// <summary>The API address, ending in <c>/v4/</c>; the company id follows it. Defaults to <see cref="DefaultBaseAddress"/>.</summary>
    public string BaseAddress { get; set; } = DefaultBaseAddress;

    /// <summary>
    /// The personal API token (a JWT generated in the Employes web app under account settings, valid for a year). Required.
    /// Never logged; its expiry (<c>exp</c>) is read to warn ahead of time.
    /// </summary>
    public string? BearerToken { get; set; }

    /// <summary>The company (administration) id, a GUID, sent as the path segment after <c>/v4</c>. Required.</summary>
    public string? CompanyId { get; set; }

    /// <summary>Employees per page (<c>per_page</c>), 1 to 100. Defaults to 100.</summary>
    public int PerPage { get; set; } = 100;

    /// <summary>
    /// The account's request budget, shared by every stream of this instance. Defaults to 5 (the vendor's documented limit);
    /// 0 turns the budget off (for tests and benchmarks against a local simulator).
    /// </summary>
    public int RequestsPerSecond { get; set; } = 5;

    /// <summary>How many employees' employments are fetched at the same time, 1 to 64. Defaults to 4.</summary>
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>
    /// Whether the host checks at start-up, with the cheap <c>GET /v4/companies</c>, that the token can see <see cref="CompanyId"/>,
    /// and refuses to start with a message naming both keys when it cannot. Defaults to <see langword="false"/> (a start must not
    /// depend on Employes being reachable); <c>AddEmployesCompanyCheck</c> runs the same check as a health check.
    /// </summary>
    public bool VerifyCompanyOnStart { get; set; }

    /// <summary>How long before the token's expiry a warning is logged. Defaults to 30 days.</summary>
    public TimeSpan TokenExpiryWarning { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Timeouts, retries and circuit breaking of the account's requests (the <c>Resilience</c> section, the same shape for every
    /// source); unset values keep their documented defaults.
    /// </summary>
    public ResilienceSettings Resilience { get; set; } = new();
}
