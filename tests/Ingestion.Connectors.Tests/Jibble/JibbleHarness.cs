using Ingestion.Connectors.Tests.Support;
using Ingestion.Samples.VendorSimulator;
using Microsoft.Extensions.Configuration;

namespace Ingestion.Connectors.Tests.Jibble;

/// <summary>
/// The Jibble simulator on loopback and a started host with the PostgreSQL store and one Jibble account bound from a
/// <c>Jibble</c> configuration section pointing at the simulator. Both share one <see cref="SignallingTimeProvider"/>.
/// </summary>
internal sealed class JibbleHarness : IAsyncDisposable
{
    /// <summary>The simulated "now": six hours into the day after the last day of generated entries.</summary>
    public static readonly DateTimeOffset Now = new(2026, 7, 1, 6, 0, 0, TimeSpan.Zero);

    /// <summary>The attempt timeout the tests configure; the clock is only moved past it on purpose.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(45);

    private JibbleHarness(VendorSimulator simulator, ConnectorHost host, SignallingTimeProvider clock)
    {
        Simulator = simulator;
        Host = host;
        Clock = clock;
    }

    public ConnectorHost Host { get; }

    public VendorSimulator Simulator { get; }

    public SignallingTimeProvider Clock { get; }

    public ISyncRunner Runner => Host.Runner;

    public IRawStore RawStore => Host.RawStore;

    public IDerivedStore DerivedStore => Host.DerivedStore;

    public static async Task<JibbleHarness> StartAsync(
        ConnectorTestFixture database,
        string name,
        IDictionary<string, string?>? settings = null,
        Action<SimulatorOptions>? simulator = null)
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = new SignallingTimeProvider(Now);
        var options = new SimulatorOptions { Seed = 11, PeopleCount = 24, TimeEntryDays = 6, TimeProvider = clock };
        simulator?.Invoke(options);
        var sim = await VendorSimulator.StartAsync(options, ct);
        try
        {
            var connectionString = await database.CreateDatabaseAsync(name);
            var configuration = new Dictionary<string, string?>
            {
                ["Jibble:TokenEndpoint"] = sim.JibbleTokenEndpoint.AbsoluteUri,
                ["Jibble:WorkspaceAddress"] = sim.JibbleWorkspaceAddress.AbsoluteUri,
                ["Jibble:TimeTrackingAddress"] = sim.JibbleTimeTrackingAddress.AbsoluteUri,
                ["Jibble:ClientId"] = options.JibbleClientId,
                ["Jibble:ClientSecret"] = options.JibbleClientSecret,
                ["Jibble:PageSize"] = "40",
                ["Jibble:Backfill:From"] = "2026-06-01",
                ["Jibble:Resilience:AttemptTimeout"] = AttemptTimeout.ToString(),
            };
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            {
                configuration[key] = value;
            }

            var config = new ConfigurationBuilder().AddInMemoryCollection(configuration).Build();
            var host = await ConnectorHost.StartAsync(
                connectionString, ingestion => ingestion.AddJibble(config.GetSection("Jibble")), clock, cancellationToken: ct);
            return new JibbleHarness(sim, host, clock);
        }
        catch
        {
            await sim.DisposeAsync();
            throw;
        }
    }

    /// <summary>Syncs the whole source, moving the clock for backoffs and Retry-After waits but never past the attempt timeout.</summary>
    public Task<IReadOnlyList<SyncReport>> SyncAsync(SyncOptions? options = null) =>
        Clock.DriveAsync(Runner.SyncSourceAsync("jibble", options, TestContext.Current.CancellationToken), due => due < AttemptTimeout);

    public async Task<long> CountAsync(string stream) =>
        await RawStore.CountLatestAsync(new StreamId("jibble", stream), TestContext.Current.CancellationToken);

    public async Task<List<RawRecord>> LatestAsync(string stream)
    {
        var records = new List<RawRecord>();
        await foreach (var record in RawStore.QueryLatestAsync(new StreamId("jibble", stream), null, TestContext.Current.CancellationToken))
        {
            records.Add(record);
        }

        return records;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Simulator.DisposeAsync();
    }
}

internal static class ReportExtensions
{
    public static SyncReport For(this IReadOnlyList<SyncReport> reports, string stream) =>
        reports.Single(r => r.Stream.Stream == stream);
}
