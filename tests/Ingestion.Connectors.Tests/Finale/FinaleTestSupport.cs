using Ingestion.Connectors.Finale;
using Ingestion.Connectors.Tests.Support;
using Ingestion.Samples.VendorSimulator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Connectors.Tests.Finale;

/// <summary>
/// A vendor simulator (on its own fake clock at its reference time) and a started host with the engine, the PostgreSQL
/// store on a fresh database and one Finale source. The engine runs on a <see cref="SignallingTimeProvider"/> starting at
/// the real time, which <see cref="SyncAsync"/> drives: retry delays pass at once, and no request times out unless a test
/// times out a slow response on purpose.
/// </summary>
internal sealed class FinaleHarness : IAsyncDisposable
{
    public const string StockReport = "stock";
    public const string OrderReport = "order-lines";

    /// <summary>The engine's attempt timeout; the clock is only moved past it on purpose.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(45);

    private readonly IHost _host;

    private FinaleHarness(VendorSimulator simulator, IHost host, FakeTimeProvider simulatorClock, SignallingTimeProvider clock)
    {
        Simulator = simulator;
        _host = host;
        SimulatorClock = simulatorClock;
        Clock = clock;
    }

    public VendorSimulator Simulator { get; }

    public FakeTimeProvider SimulatorClock { get; }

    /// <summary>The engine's clock.</summary>
    public SignallingTimeProvider Clock { get; }

    public IServiceProvider Services => _host.Services;

    public ISyncRunner Runner => Services.GetRequiredService<ISyncRunner>();

    public IRawStore RawStore => Services.GetRequiredService<IRawStore>();

    public static async Task<FinaleHarness> StartAsync(
        ConnectorTestFixture postgres,
        string databaseHint,
        Action<FinaleOptions>? configure = null,
        Action<SimulatorOptions>? simulator = null,
        string sourceName = FinaleOptions.DefaultName,
        bool shareClockWithSimulator = false)
    {
        var ct = TestContext.Current.CancellationToken;
        var engineClock = new SignallingTimeProvider(TimeProvider.System.GetUtcNow());
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 7, 1, 0, 0, 0, TimeSpan.Zero));
        var simulatorOptions = new SimulatorOptions
        {
            Seed = 11, PurchaseOrderCount = 120, ProductCount = 40, FacilityCount = 6,

            // Shared, the simulator's rate windows run on the engine's clock, which the sync drives.
            TimeProvider = shareClockWithSimulator ? engineClock : clock,
        };
        simulator?.Invoke(simulatorOptions);
        var sim = await VendorSimulator.StartAsync(simulatorOptions, ct);
        try
        {
            var connectionString = await postgres.CreateDatabaseAsync(databaseHint);
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton<TimeProvider>(engineClock);
            builder.Services.AddIngestion(ingestion => ingestion
                .UsePostgres(connectionString)
                .AddFinale(sourceName, options =>
                {
                    options.BaseAddress = sim.FinaleBaseAddress;
                    options.AccountPath = sim.Options.FinaleAccountPath;
                    options.ApiKey = sim.Options.FinaleApiKey;
                    options.ApiSecret = sim.Options.FinaleApiSecret;
                    options.SyncFrom = new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);
                    options.RequestsPerMinute = 0;
                    options.Resilience = new ResilienceSettings { AttemptTimeout = AttemptTimeout, BaseDelay = TimeSpan.FromMilliseconds(5) };
                    options.Reports.Add(Report(StockReport, "/finale/acme/doc/report/pivotTableStream/7/Report.csv?format=csv&data=stock", ["Product ID"], ["Category"], null));
                    options.Reports.Add(Report(OrderReport, "doc/report/pivotTable/8/Report.csv?format=csv&data=order", ["Order ID", "Product ID"], ["Order ID", "Status", "Supplier", "Order date"], new FinalePurchaseOrderReportColumns()));
                    configure?.Invoke(options);
                }));
            var host = builder.Build();
            await host.StartAsync(ct);
            return new FinaleHarness(sim, host, clock, engineClock);
        }
        catch
        {
            await sim.DisposeAsync();
            throw;
        }
    }

    public static FinaleReportOptions Report(string name, string url, string[] keys, string[] carry, FinalePurchaseOrderReportColumns? columns)
    {
        var report = new FinaleReportOptions { Name = name, Url = url, PurchaseOrderColumns = columns };
        foreach (var key in keys)
        {
            report.KeyColumns.Add(key);
        }

        foreach (var column in carry)
        {
            report.CarryDownColumns.Add(column);
        }

        return report;
    }

    /// <summary>Syncs a stream (or the whole source), driving the clock and timing out each slow response of the given rules (see <see cref="FaultClock"/>).</summary>
    public Task<IReadOnlyList<SyncReport>> SyncAsync(string? stream = null, string source = FinaleOptions.DefaultName, params FaultRule[] slowResponses) =>
        FaultClock.DriveAsync(
            Clock,
            stream is null
                ? Runner.SyncSourceAsync(source, null, TestContext.Current.CancellationToken)
                : Runner.SyncStreamAsync(source, stream, null, TestContext.Current.CancellationToken),
            AttemptTimeout,
            slowResponses);

    public async Task<List<RawRecord>> LatestAsync(string stream, string source = FinaleOptions.DefaultName)
    {
        var records = new List<RawRecord>();
        await foreach (var record in RawStore.QueryLatestAsync(new StreamId(source, stream), null, TestContext.Current.CancellationToken))
        {
            records.Add(record);
        }

        return records;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(CancellationToken.None);
        }
        finally
        {
            _host.Dispose();
            await Simulator.DisposeAsync();
        }
    }
}

internal static class Reports
{
    public static SyncReport Of(this IReadOnlyList<SyncReport> reports, string stream) =>
        reports.Single(r => r.Stream.Stream == stream);

    public static string Describe(this IReadOnlyList<SyncReport> reports) =>
        string.Join(Environment.NewLine, reports.Select(r => $"{r.Stream} {r.Status} new={r.RecordsNew} changed={r.RecordsChanged} unchanged={r.RecordsUnchanged} partial={r.RecordsPartial} guard={r.GuardTripped} issues=[{string.Join("; ", r.Issues.Select(i => i.Kind + ": " + i.Message))}]"));
}
