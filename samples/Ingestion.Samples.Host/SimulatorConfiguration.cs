using System.Globalization;
using Ingestion.Samples.VendorSimulator;
using Simulator = Ingestion.Samples.VendorSimulator.VendorSimulator;

namespace Ingestion.Samples.Host;

/// <summary>
/// The configuration a vendor section would hold for a real account, filled in with the in-process simulator's
/// addresses and credentials. A vendor configured by the user (<c>Ingestion:Employes</c>, <c>Ingestion:Jibble</c>,
/// <c>Ingestion:Finale</c>) is synced for real instead.
/// </summary>
internal static class SimulatorConfiguration
{
    public static SimulatorOptions DemoOptions(DateTimeOffset now) => new()
    {
        // Small enough that two passes over all three vendors take seconds, large enough to page.
        ReferenceTime = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero),
        EmployeeCount = 120,
        PeopleCount = 40,
        TimeEntryDays = 14,
        PurchaseOrderCount = 300,
        ProductCount = 80,
    };

    public static Dictionary<string, string?> For(Simulator simulator, DateTimeOffset now)
    {
        var options = simulator.Options;
        var backfillFrom = DateOnly.FromDateTime(now.UtcDateTime.AddDays(-options.TimeEntryDays - 1)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return new Dictionary<string, string?>
        {
            ["Employes:BaseAddress"] = simulator.EmployesBaseAddress.AbsoluteUri,
            ["Employes:BearerToken"] = options.EmployesToken,
            ["Employes:CompanyId"] = options.EmployesCompanyId.ToString(),
            ["Employes:RequestsPerSecond"] = "100",

            ["Jibble:TokenEndpoint"] = simulator.JibbleTokenEndpoint.AbsoluteUri,
            ["Jibble:WorkspaceAddress"] = simulator.JibbleWorkspaceAddress.AbsoluteUri,
            ["Jibble:TimeTrackingAddress"] = simulator.JibbleTimeTrackingAddress.AbsoluteUri,
            ["Jibble:ClientId"] = options.JibbleClientId,
            ["Jibble:ClientSecret"] = options.JibbleClientSecret,
            ["Jibble:Backfill:From"] = backfillFrom,

            ["Finale:BaseAddress"] = simulator.FinaleBaseAddress.AbsoluteUri,
            ["Finale:AccountPath"] = options.FinaleAccountPath,
            ["Finale:ApiKey"] = options.FinaleApiKey,
            ["Finale:ApiSecret"] = options.FinaleApiSecret,
            ["Finale:RequestsPerMinute"] = "0",
            ["Finale:SyncFrom"] = now.AddYears(-2).ToString("O", CultureInfo.InvariantCulture),
        };
    }
}
