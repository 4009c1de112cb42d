using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Tests.Health;

public sealed class IngestionHealthCheckTests
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly StreamId Employees = new("employes", "employees");
    private static readonly StreamId Contracts = new("employes", "contracts");
    private static readonly StreamId People = new("jibble", "people");

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static ServiceProvider Services(Action<IHealthChecksBuilder>? checks = null, IHealthStore? store = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(T0));
        if (store is not null)
        {
            services.AddSingleton(store);
        }

        services.AddIngestion(ingestion => ingestion.UseInMemoryStores());
        var builder = services.AddHealthChecks();
        if (checks is null)
        {
            builder.AddIngestionHealthCheck();
        }
        else
        {
            checks(builder);
        }

        return services.BuildServiceProvider();
    }

    private static async Task SaveAsync(ServiceProvider services, params (StreamId Stream, StreamHealthStatus Status)[] streams)
    {
        var store = services.GetRequiredService<IHealthStore>();
        foreach (var (stream, status) in streams)
        {
            await store.SaveAsync(new StreamHealth { Stream = stream, Status = status, LastCheckAt = T0 }, Cancel);
        }
    }

    private static async Task<HealthReportEntry> CheckAsync(ServiceProvider services, string name = "ingestion")
    {
        var report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Cancel);
        return report.Entries[name];
    }

    [Fact]
    public async Task Healthy_streams_report_healthy_with_each_stream_in_the_data()
    {
        await using var services = Services();
        await SaveAsync(services, (Employees, StreamHealthStatus.Healthy), (People, StreamHealthStatus.Healthy));

        var entry = await CheckAsync(services);

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal("2 healthy, 0 degraded, 0 unhealthy, 0 unknown", entry.Description);
        Assert.Equal(2, entry.Data.Count);
        Assert.Equal("Healthy", entry.Data["employes/employees"]);
        Assert.Equal("Healthy", entry.Data["jibble/people"]);
    }

    [Fact]
    public async Task No_stream_that_has_run_yet_is_healthy()
    {
        await using var services = Services();

        var entry = await CheckAsync(services);

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal("0 healthy, 0 degraded, 0 unhealthy, 0 unknown", entry.Description);
        Assert.Empty(entry.Data);
    }

    [Fact]
    public async Task One_degraded_stream_degrades_the_check()
    {
        await using var services = Services();
        await SaveAsync(services, (Employees, StreamHealthStatus.Healthy), (Contracts, StreamHealthStatus.Degraded), (People, StreamHealthStatus.Unknown));

        var entry = await CheckAsync(services);

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal("1 healthy, 1 degraded, 0 unhealthy, 1 unknown", entry.Description);
        Assert.Equal("Degraded", entry.Data["employes/contracts"]);
        Assert.Equal("Unknown", entry.Data["jibble/people"]);
    }

    [Fact]
    public async Task One_unhealthy_stream_fails_the_check_whatever_the_others_are()
    {
        await using var services = Services();
        await SaveAsync(services, (Employees, StreamHealthStatus.Unhealthy), (Contracts, StreamHealthStatus.Degraded), (People, StreamHealthStatus.Healthy));

        var entry = await CheckAsync(services);

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Equal("1 healthy, 1 degraded, 1 unhealthy, 0 unknown", entry.Description);
        Assert.Equal(
            new Dictionary<string, object> { ["employes/contracts"] = "Degraded", ["employes/employees"] = "Unhealthy", ["jibble/people"] = "Healthy" },
            entry.Data.ToDictionary(pair => pair.Key, pair => pair.Value));
    }

    [Fact]
    public async Task The_failure_status_name_and_tags_are_the_callers()
    {
        await using var services = Services(checks => checks.AddIngestionHealthCheck("feeds", HealthStatus.Degraded, ["ready"]));
        await SaveAsync(services, (Employees, StreamHealthStatus.Unhealthy));

        var entry = await CheckAsync(services, "feeds");

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal(["ready"], entry.Tags);
    }

    [Fact]
    public async Task A_store_that_cannot_be_read_reports_the_failure_status_with_the_exception()
    {
        await using var services = Services(store: new FailingHealthStore());

        var entry = await CheckAsync(services);

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Equal("The ingestion health store could not be read.", entry.Description);
        Assert.IsType<InvalidOperationException>(entry.Exception);
    }

    [Fact]
    public async Task The_system_health_is_the_worst_stream_status_with_counts_and_every_stream()
    {
        var time = new FakeTimeProvider(T0.AddMinutes(7));
        await using var services = Services();
        var store = services.GetRequiredService<IHealthStore>();

        var empty = await store.GetSystemHealthAsync(time, Cancel);
        Assert.Equal((StreamHealthStatus.Unknown, 0), (empty.Status, empty.Streams.Count));

        await SaveAsync(services, (People, StreamHealthStatus.Unknown));
        Assert.Equal(StreamHealthStatus.Unknown, (await store.GetSystemHealthAsync(time, Cancel)).Status);

        await SaveAsync(services, (Employees, StreamHealthStatus.Healthy));
        Assert.Equal(StreamHealthStatus.Healthy, (await store.GetSystemHealthAsync(time, Cancel)).Status);

        await SaveAsync(services, (Contracts, StreamHealthStatus.Degraded));
        var health = await store.GetSystemHealthAsync(time, Cancel);
        Assert.Equal(StreamHealthStatus.Degraded, health.Status);
        Assert.Equal((1, 1, 0, 1), (health.Healthy, health.Degraded, health.Unhealthy, health.Unknown));
        Assert.Equal(["employes/contracts", "employes/employees", "jibble/people"], health.Streams.Select(stream => stream.Stream.ToString()));
        Assert.Equal(T0.AddMinutes(7), health.CheckedAt);

        await SaveAsync(services, (Employees, StreamHealthStatus.Unhealthy));
        health = await store.GetSystemHealthAsync(time, Cancel);
        Assert.Equal((StreamHealthStatus.Unhealthy, 0, 1, 1, 1), (health.Status, health.Healthy, health.Degraded, health.Unhealthy, health.Unknown));
    }

    private sealed class FailingHealthStore : IHealthStore
    {
        public ValueTask<StreamHealth?> GetAsync(StreamId stream, CancellationToken cancellationToken) => throw new InvalidOperationException("down");

        public ValueTask<IReadOnlyList<StreamHealth>> GetAllAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("down");

        public ValueTask SaveAsync(StreamHealth health, CancellationToken cancellationToken) => throw new InvalidOperationException("down");
    }
}
