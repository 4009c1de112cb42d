using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ingestion.Connectors.Tests.Support;

/// <summary>
/// A started host with the engine, the PostgreSQL store (schema migrated at start) and whatever a test registers:
/// <code>
/// await using var host = await ConnectorHost.StartAsync(connectionString, ingestion => ingestion.AddEmployes(...));
/// var reports = await host.Runner.SyncSourceAsync("employes", null, ct);
/// </code>
/// </summary>
public sealed class ConnectorHost : IAsyncDisposable
{
    private readonly IHost _host;

    private ConnectorHost(IHost host, CapturingLoggerProvider logs)
    {
        _host = host;
        Logs = logs;
    }

    /// <summary>The host's services.</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>The sync runner.</summary>
    public ISyncRunner Runner => Services.GetRequiredService<ISyncRunner>();

    /// <summary>The raw store.</summary>
    public IRawStore RawStore => Services.GetRequiredService<IRawStore>();

    /// <summary>The derived store.</summary>
    public IDerivedStore DerivedStore => Services.GetRequiredService<IDerivedStore>();

    /// <summary>The run log.</summary>
    public IRunLog RunLog => Services.GetRequiredService<IRunLog>();

    /// <summary>Every line logged by the host, at every level.</summary>
    public CapturingLoggerProvider Logs { get; }

    /// <summary>Builds and starts a host on <paramref name="connectionString"/>.</summary>
    /// <param name="connectionString">The test database.</param>
    /// <param name="configure">Registers connectors, sources and derivers.</param>
    /// <param name="time">The clock of the engine and stores, or <see langword="null"/> for the system clock.</param>
    /// <param name="services">Adds or replaces other services (configuration, fakes).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<ConnectorHost> StartAsync(
        string connectionString,
        Action<IIngestionBuilder> configure,
        TimeProvider? time = null,
        Action<IServiceCollection>? services = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var logs = new CapturingLoggerProvider();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(logs);
        if (time is not null)
        {
            builder.Services.RemoveAll<TimeProvider>();
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddIngestion(ingestion =>
        {
            ingestion.UsePostgres(connectionString);
            configure(ingestion);
        });
        services?.Invoke(builder.Services);
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new ConnectorHost(host, logs);
    }

    /// <summary>Reads the latest versions of a stream's records.</summary>
    public async Task<List<RawRecord>> LatestAsync(StreamId stream, CancellationToken cancellationToken)
    {
        var records = new List<RawRecord>();
        await foreach (var record in RawStore.QueryLatestAsync(stream, query: null, cancellationToken))
        {
            records.Add(record);
        }

        return records;
    }

    /// <summary>Reads every version of a key, oldest first.</summary>
    public async Task<List<RawRecord>> HistoryAsync(StreamId stream, string key, CancellationToken cancellationToken)
    {
        var versions = new List<RawRecord>();
        await foreach (var record in RawStore.GetHistoryAsync(stream, key, cancellationToken))
        {
            versions.Add(record);
        }

        return versions;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(CancellationToken.None);
        }
        finally
        {
            if (_host is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
            else
            {
                _host.Dispose();
            }
        }
    }
}
