using Ingestion.Connectors.Employes;
using Ingestion.Connectors.Tests.Support;
using Ingestion.Samples.VendorSimulator;

namespace Ingestion.Connectors.Tests.Employes;

/// <summary>The Employes simulator and a started host with one Employes source pointing at it, with fast retries and no rate budget.</summary>
internal sealed class EmployesHarness : IAsyncDisposable
{
    private EmployesHarness(VendorSimulator simulator, ConnectorHost host, string source)
    {
        Simulator = simulator;
        Host = host;
        Source = source;
    }

    public VendorSimulator Simulator { get; }

    public ConnectorHost Host { get; }

    /// <summary>The source (instance) name; unique per test, so tests of one class share a database without meeting.</summary>
    public string Source { get; }

    public StreamId Employees => new(Source, EmployesStreams.Employees);

    public StreamId Employments => new(Source, EmployesStreams.Employments);

    public static SimulatorOptions SmallData(int employees = 12) => new() { Seed = 2, EmployeeCount = employees, PeopleCount = 0, PurchaseOrderCount = 0 };

    /// <summary>Fast retries, no circuit breaker (fault bursts must not trip it), the given attempt timeout.</summary>
    public static ResilienceSettings FastResilience(TimeSpan? attemptTimeout = null) => new()
    {
        AttemptTimeout = attemptTimeout ?? TimeSpan.FromSeconds(10),
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
        options.RequestsPerSecond = 0;
        options.MaxConcurrency = 4;
        options.Resilience = FastResilience();
    }

    public static async Task<EmployesHarness> StartAsync(
        ConnectorTestFixture fixture,
        string owner,
        string source,
        SimulatorOptions? simulatorOptions = null,
        Action<EmployesOptions>? configure = null,
        TimeProvider? time = null)
    {
        var ct = TestContext.Current.CancellationToken;
        var simulator = await VendorSimulator.StartAsync(simulatorOptions ?? SmallData(), ct);
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
                time,
                cancellationToken: ct);
            return new EmployesHarness(simulator, host, source);
        }
        catch
        {
            await simulator.DisposeAsync();
            throw;
        }
    }

    public async Task<(SyncReport Employees, SyncReport Employments)> SyncAsync()
    {
        var reports = await Host.Runner.SyncSourceAsync(Source, options: null, TestContext.Current.CancellationToken);
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
