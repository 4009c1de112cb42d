using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Ingestion.Samples.VendorSimulator;

/// <summary>
/// A local fake of the Employes, Jibble and Finale APIs on one loopback Kestrel server. Each vendor lives under its
/// own path prefix; see <see cref="VendorAddresses"/>.
/// </summary>
public sealed class VendorSimulator : IAsyncDisposable
{
    private readonly WebApplication _app;

    private VendorSimulator(WebApplication app, SimulatorState state, Uri baseAddress)
    {
        _app = app;
        State = state;
        Addresses = VendorSimulatorEndpoints.AddressesFor(baseAddress, state.Options);
    }

    /// <summary>Starts a simulator on <c>127.0.0.1</c> with a free port.</summary>
    public static async Task<VendorSimulator> StartAsync(SimulatorOptions options, CancellationToken ct = default)
    {
        var state = new SimulatorState(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapVendorSimulator(state);
        try
        {
            await app.StartAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var address = app.Urls.First();
        return new VendorSimulator(app, state, new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal) + "/"));
    }

    /// <summary>Starts a simulator with default options.</summary>
    public static Task<VendorSimulator> StartAsync(CancellationToken ct = default) => StartAsync(new SimulatorOptions(), ct);

    /// <summary>Options, data, faults and request log.</summary>
    public SimulatorState State { get; }

    /// <summary>The options it runs with.</summary>
    public SimulatorOptions Options => State.Options;

    /// <summary>All per-vendor addresses.</summary>
    public VendorAddresses Addresses { get; }

    /// <summary>Root of the server, e.g. <c>http://127.0.0.1:54321/</c>.</summary>
    public Uri BaseAddress => Addresses.BaseAddress;

    /// <summary>Employes v4 root (<c>{base}/employes/v4/</c>); requests go to <c>{companyId}/employees</c> under it.</summary>
    public Uri EmployesBaseAddress => Addresses.Employes;

    /// <summary>Jibble identity root (<c>{base}/jibble-identity/</c>).</summary>
    public Uri JibbleIdentityAddress => Addresses.JibbleIdentity;

    /// <summary>Jibble token endpoint (<c>{base}/jibble-identity/connect/token</c>).</summary>
    public Uri JibbleTokenEndpoint => Addresses.JibbleTokenEndpoint;

    /// <summary>Jibble workspace API (<c>{base}/jibble-workspace/v1/</c>).</summary>
    public Uri JibbleWorkspaceAddress => Addresses.JibbleWorkspace;

    /// <summary>Jibble time-tracking API (<c>{base}/jibble-time/v1/</c>).</summary>
    public Uri JibbleTimeTrackingAddress => Addresses.JibbleTimeTracking;

    /// <summary>Finale host root (<c>{base}/finale/</c>); the account path follows.</summary>
    public Uri FinaleBaseAddress => Addresses.Finale;

    /// <summary>Finale API root for the configured account (<c>{base}/finale/{account}/api/</c>).</summary>
    public Uri FinaleApiAddress => Addresses.FinaleApi;

    /// <summary>The simulated records and their mutation methods.</summary>
    public SimulatorData Data => State.Data;

    /// <summary>Fault rules, switchable at run time.</summary>
    public FaultRegistry Faults => State.Faults;

    /// <summary>Every request received.</summary>
    public RequestLog Requests => State.Requests;

    /// <summary>Whether each vendor's own rate limit is enforced.</summary>
    public bool RateLimitsEnabled
    {
        get => State.RateLimitsEnabled;
        set => State.RateLimitsEnabled = value;
    }

    /// <summary>Number of requests of one vendor whose vendor-relative path matches the glob (null: all).</summary>
    public int RequestCount(Vendor vendor, string? pathPattern = null) => State.Requests.Count(vendor, pathPattern);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
