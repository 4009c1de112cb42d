using Ingestion.Connectors.Employes;
using Ingestion.Connectors.Tests.Support;
using Ingestion.Samples.VendorSimulator;

namespace Ingestion.Connectors.Tests.Employes;

/// <summary>
/// The Employes simulator and a started host with one Employes source pointing at it, with fast retries and the connector's
/// budget of 5 requests a second against the simulator's enforced limit of 5, both on the engine's clock.
/// The engine runs on a <see cref="SignallingTimeProvider"/> that <see cref="SyncAsync"/> drives: backoffs pass at once and
/// no request times out unless a test times out a slow response on purpose.
/// </summary>
internal sealed class EmployesHarness : IAsyncDisposable
{
    /// <summary>The attempt timeout of <see cref="FastResilience"/>; the clock is only moved past it on purpose.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(45);

    private EmployesHarness(VendorSimulator simulator, ConnectorHost host, string source, SignallingTimeProvider clock)
    {
        Simulator = simulator;
        Host = host;
        Source = source;
        Clock = clock;
    }

    public VendorSimulator Simulator { get; }

    public ConnectorHost Host { get; }

    /// <summary>The source (instance) name; unique per test, so tests of one class share a database without meeting.</summary>
    public string Source { get; }

    /// <summary>The engine's clock.</summary>
    public SignallingTimeProvider Clock { get; }

    public StreamId Employees => new(Source, EmployesStreams.Employees);

    public StreamId Employments => new(Source, EmployesStreams.Employments);

    public static SimulatorOptions SmallData(int employees = 12) => new() { Seed = 2, EmployeeCount = employees, PeopleCount = 0, PurchaseOrderCount = 0 };

    /// <summary>Fast retries, no circuit breaker (fault bursts must not trip it), <see cref="AttemptTimeout"/>.</summary>
    public static ResilienceSettings FastResilience() => new()
    {
        AttemptTimeout = AttemptTimeout,
        MaxRetries = 3,
        BaseDelay = TimeSpan.FromMilliseconds(1),
        MaxDelay = TimeSpan.FromMilliseconds(5),
        CircuitBreakerEnabled = false,
    };

    public static void PointAt(EmployesOptions options, VendorSimulator simulator)
    {
        options.BaseAddress = simulator.EmployesBaseAddress.ToString();
        options.BearerToken = simulator.Options.EmployesToken;
        options.CompanyId = simulator.Options.EmployesCompanyId.ToString();
        options.PerPage = 5;
        options.RequestsPerSecond = 5; // the connector's own budget, against the simulator's enforced limit
        options.MaxConcurrency = 4;
        options.Resilience = FastResilience();
    }

    public static async Task<EmployesHarness> StartAsync(
        ConnectorTestFixture fixture,
        string owner,
        string source,
        SimulatorOptions? simulatorOptions = null,
        Action<EmployesOptions>? configure = null,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null,
        bool shareClockWithSimulator = true)
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = new SignallingTimeProvider(TimeProvider.System.GetUtcNow());
        simulatorOptions ??= SmallData();
        if (shareClockWithSimulator)
        {
            // The simulator enforces Employes' limit on the engine's clock, which the sync drives, so a budget that is off or
            // wrong shows as a 429 in the test.
            simulatorOptions.TimeProvider = clock;
            simulatorOptions.EnforceRateLimits = true;
        }

        var simulator = await VendorSimulator.StartAsync(simulatorOptions, ct);
        try
        {
            var database = await fixture.GetDatabaseAsync(owner);
            var host = await ConnectorHost.StartAsync(
                database,
                ingestion => ingestion.AddEmployes(source, options =>
                {
                    PointAt(options, simulator);
                    configure?.Invoke(options);
                }),
                clock,
                services,
                cancellationToken: ct);
            return new EmployesHarness(simulator, host, source, clock);
        }
        catch
        {
            await simulator.DisposeAsync();
            throw;
        }
    }

    /// <summary>Syncs the source, driving the clock (see <see cref="FaultClock"/>) and timing out each slow response of the given rules.</summary>
    public Task<IReadOnlyList<SyncReport>> SyncSourceAsync(params FaultRule[] slowResponses) =>
        FaultClock.DriveAsync(Clock, Host.Runner.SyncSourceAsync(Source, options: null, TestContext.Current.CancellationToken), AttemptTimeout, slowResponses);

    /// <summary>Syncs the source as <see cref="SyncSourceAsync"/> does and returns the employees and employments reports.</summary>
    public async Task<(SyncReport Employees, SyncReport Employments)> SyncAsync(params FaultRule[] slowResponses)
    {
        var reports = await SyncSourceAsync(slowResponses);
        var employees = Assert.Single(reports, r => r.Stream == Employees);
        var employments = reports.SingleOrDefault(r => r.Stream == Employments);
        return (employees, employments ?? throw new Xunit.Sdk.XunitException($"No employments run; reports: {string.Join(", ", reports.Select(r => $"{r.Stream} {r.Status}"))}"));
    }

    public Task<List<RawRecord>> LatestAsync(StreamId stream) => Host.LatestAsync(stream, TestContext.Current.CancellationToken);

    public Task<List<RawRecord>> HistoryAsync(StreamId stream, string key) => Host.HistoryAsync(stream, key, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Simulator.DisposeAsync();
    }
}
