using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Tests.Running;

/// <summary>A run whose final report the store could not take (it was down when the run ended) is recorded, with its health, by the next run of the same process.</summary>
public sealed class UnrecordedRunTests
{
    [Fact]
    public async Task A_final_report_refused_by_a_store_outage_is_recorded_by_the_next_run_once_the_store_is_back()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));
        var stores = new InTestStores();
        var runLog = new FlakyRunLog(stores);
        var source = new SourceDefinition
        {
            Name = "shop",
            BaseAddress = new Uri("https://shop.example/"),
            Streams = [new StreamDefinition { Name = "items", Path = "items" }],
        };
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddIngestion(ingestion => ingestion.AddSource(source));
        services.AddSingleton<IRawStore>(stores);
        services.AddSingleton<ISyncStateStore>(stores);
        services.AddSingleton<IRunLog>(runLog);
        services.AddSingleton<IHealthStore>(stores);
        services.AddSingleton<IFetcher>(new ScriptedFetcher((_, _) => new ScriptedPage([("i-1", """{"id":"i-1"}""")])));
        services.Configure<SyncRunnerOptions>(options => options.StoreOutageTolerance = TimeSpan.Zero);
        await using var provider = services.BuildServiceProvider();
        var runner = provider.GetRequiredService<ISyncRunner>();

        runLog.RefuseFinalReports = true;
        var first = Assert.Single(await runner.SyncStreamAsync("shop", "items", null, ct));
        Assert.Equal(RunStatus.Succeeded, first.Status);
        Assert.Equal(RunStatus.Running, (await ((IRunLog)stores).GetAsync(first.RunId, ct))!.Status);

        runLog.RefuseFinalReports = false;
        time.Advance(TimeSpan.FromMinutes(5));
        var second = Assert.Single(await runner.SyncStreamAsync("shop", "items", null, ct));

        Assert.Equal(RunStatus.Succeeded, (await ((IRunLog)stores).GetAsync(first.RunId, ct))!.Status);
        Assert.Equal(RunStatus.Succeeded, (await ((IRunLog)stores).GetAsync(second.RunId, ct))!.Status);
        Assert.Equal(first.CompletedAt, (await ((IRunLog)stores).GetAsync(first.RunId, ct))!.CompletedAt);
        Assert.DoesNotContain(await ((IRunLog)stores).GetRecentAsync(null, 10, ct), report => report.Status is RunStatus.Running or RunStatus.Abandoned);
    }

    // Takes the start of a run, but refuses final reports as a database that went away would.
    private sealed class FlakyRunLog(IRunLog inner) : IRunLog
    {
        public bool RefuseFinalReports { get; set; }

        public ValueTask SaveAsync(SyncReport report, CancellationToken cancellationToken) =>
            RefuseFinalReports && report.Status != RunStatus.Running
                ? throw new IOException("The connection to the store was reset.")
                : inner.SaveAsync(report, cancellationToken);

        public ValueTask<SyncReport?> GetAsync(Guid runId, CancellationToken cancellationToken) => inner.GetAsync(runId, cancellationToken);

        public ValueTask<IReadOnlyList<SyncReport>> GetRecentAsync(StreamId? stream, int limit, CancellationToken cancellationToken) =>
            inner.GetRecentAsync(stream, limit, cancellationToken);
    }
}
