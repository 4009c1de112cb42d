using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Tests.Running;

/// <summary>A service provider with the engine, one source, a fetcher and stores (and stream leases, when given), on a fake clock.</summary>
internal sealed class RunnerHarness : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    public RunnerHarness(SourceDefinition source, IFetcher fetcher, Action<SyncRunnerOptions>? configure = null, IStreamLeases? leases = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Time);
        services.AddIngestion(ingestion => ingestion.AddSource(source));
        services.AddSingleton<IRawStore>(Stores);
        services.AddSingleton<ISyncStateStore>(Stores);
        services.AddSingleton<IRunLog>(Stores);
        services.AddSingleton<IHealthStore>(Stores);
        services.AddSingleton(fetcher);
        if (leases is not null)
        {
            services.AddSingleton(leases);
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        _provider = services.BuildServiceProvider(validateScopes: true);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero));

    public InTestStores Stores { get; } = new();

    public ISyncRunner Runner => _provider.GetRequiredService<ISyncRunner>();

    public IRawStore Raw => Stores;

    public ISyncStateStore States => Stores;

    public IHealthStore Health => Stores;

    public IRunLog RunLog => Stores;

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}

internal static class Json
{
    public static (string Key, string Json) Record(string id, string name, string? updatedAt = null) =>
        (id, updatedAt is null ? $$"""{"id":"{{id}}","name":"{{name}}"}""" : $$"""{"id":"{{id}}","name":"{{name}}","updated_at":"{{updatedAt}}"}""");
}
