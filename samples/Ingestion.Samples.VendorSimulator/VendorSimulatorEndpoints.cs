using Microsoft.AspNetCore.Routing;

namespace Ingestion.Samples.VendorSimulator;

/// <summary>Maps the simulator's endpoints into any ASP.NET Core application.</summary>
public static class VendorSimulatorEndpoints
{
    /// <summary>Path prefix of the Employes API (stands for <c>https://connect.employes.nl</c>).</summary>
    public const string EmployesPrefix = EmployesEndpoints.Prefix;

    /// <summary>Path prefix of the Jibble identity host (<c>https://identity.prod.jibble.io</c>).</summary>
    public const string JibbleIdentityPrefix = JibbleEndpoints.IdentityPrefix;

    /// <summary>Path prefix of the Jibble workspace host (<c>https://workspace.prod.jibble.io</c>).</summary>
    public const string JibbleWorkspacePrefix = JibbleEndpoints.WorkspacePrefix;

    /// <summary>Path prefix of the Jibble time-tracking host (<c>https://time-tracking.prod.jibble.io</c>).</summary>
    public const string JibbleTimeTrackingPrefix = JibbleEndpoints.TimePrefix;

    /// <summary>Path prefix of Finale (<c>https://app.finaleinventory.com</c>).</summary>
    public const string FinalePrefix = FinaleEndpoints.Prefix;

    /// <summary>
    /// Maps all three vendors under <c>/employes</c>, <c>/jibble-identity</c>, <c>/jibble-workspace</c>,
    /// <c>/jibble-time</c> and <c>/finale</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapVendorSimulator(this IEndpointRouteBuilder endpoints, SimulatorState state)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(state);
        EmployesEndpoints.Map(endpoints, state);
        JibbleEndpoints.Map(endpoints, state);
        FinaleEndpoints.Map(endpoints, state);
        return endpoints;
    }

    /// <summary>Per-vendor base addresses for a simulator served at <paramref name="baseAddress"/>.</summary>
    public static VendorAddresses AddressesFor(Uri baseAddress, SimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        ArgumentNullException.ThrowIfNull(options);
        var root = baseAddress.AbsoluteUri.TrimEnd('/');
        return new VendorAddresses(
            new Uri(root + "/"),
            new Uri(root + EmployesPrefix + "/v4/"),
            new Uri(root + JibbleIdentityPrefix + "/"),
            new Uri(root + JibbleIdentityPrefix + "/connect/token"),
            new Uri(root + JibbleWorkspacePrefix + "/v1/"),
            new Uri(root + JibbleTimeTrackingPrefix + "/v1/"),
            new Uri(root + FinalePrefix + "/"),
            new Uri(root + FinalePrefix + "/" + options.FinaleAccountPath + "/api/"));
    }
}

/// <summary>Where each simulated vendor lives. Every address ends with <c>/</c> except the token endpoint.</summary>
/// <param name="BaseAddress">Root of the simulator.</param>
/// <param name="Employes">Employes API root, the equivalent of <c>https://connect.employes.nl/v4/</c>.</param>
/// <param name="JibbleIdentity">Jibble identity host root.</param>
/// <param name="JibbleTokenEndpoint">Jibble OAuth2 token endpoint.</param>
/// <param name="JibbleWorkspace">Jibble workspace API root (<c>.../v1/</c>).</param>
/// <param name="JibbleTimeTracking">Jibble time-tracking API root (<c>.../v1/</c>).</param>
/// <param name="Finale">Finale host root: append <c>{account}/api/...</c>; resolve the host-relative URLs Finale returns against it.</param>
/// <param name="FinaleApi">Finale API root for the configured account (<c>.../{account}/api/</c>).</param>
public sealed record VendorAddresses(
    Uri BaseAddress,
    Uri Employes,
    Uri JibbleIdentity,
    Uri JibbleTokenEndpoint,
    Uri JibbleWorkspace,
    Uri JibbleTimeTracking,
    Uri Finale,
    Uri FinaleApi);
