using Ingestion.Composition.Internal;
using Ingestion.Fetching.Internal;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Ingestion.DatabaseSources.Internal;

/// <summary>
/// Keeps the catalog's run-time sources in step with the <see cref="ISourceDefinitionStore"/>: loads the enabled definitions when the
/// host starts, then every reload interval loads added and changed ones and removes disabled and deleted ones. A definition that cannot
/// be read or validated is not loaded (the version loaded before it, if any, keeps running) and its error is recorded on the definition;
/// a loaded one clears its error and records its version. A store outage is logged and tried again at the next interval.
/// </summary>
internal sealed partial class SourceDefinitionReloader : IHostedService, IAsyncDisposable
{
    private readonly SourceCatalog _catalog;
    private readonly ISourceDefinitionStore _store;
    private readonly DatabaseSourcesOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _reloading = new(1, 1);
    private readonly SourceHttpRegistry? _httpRegistry;

    // What this host holds per stored name: the version loaded into the catalog, and the latest version that failed.
    private readonly Dictionary<string, int> _loaded = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _failed = new(StringComparer.Ordinal);
    private TaskCompletionSource _reloaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _stopping;
    private Task? _loop;
    private int _disposed;

    public SourceDefinitionReloader(
        ISourceCatalog catalog,
        ISourceDefinitionStore store,
        IOptions<DatabaseSourcesOptions> options,
        TimeProvider time,
        ILogger<SourceDefinitionReloader>? logger = null,
        SourceHttpRegistry? httpRegistry = null)
    {
        _httpRegistry = httpRegistry;
        ArgumentNullException.ThrowIfNull(options);
        _catalog = catalog as SourceCatalog
            ?? throw new InvalidOperationException($"AddDatabaseSources() needs the engine's own {nameof(ISourceCatalog)}; the registered one ({catalog?.GetType().Name}) cannot load sources at run time.");
        _store = store;
        _options = options.Value;
        _time = time;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Completes after the next reload (at start or at an interval) has finished.</summary>
    public Task NextReload => Volatile.Read(ref _reloaded).Task;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = new CancellationTokenSource();
        await ReloadSafelyAsync(cancellationToken).ConfigureAwait(false);
        _loop = LoopAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping is null || _loop is null)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        // Registered both as itself and as a hosted service, so the container may dispose it twice.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_stopping is not null)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            _stopping.Dispose();
        }

        _reloading.Dispose();
    }

    /// <summary>Reads every stored definition and brings the catalog in step with them.</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await _reloading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var rows = await _store.ListAsync(cancellationToken).ConfigureAwait(false);
            var present = new HashSet<string>(StringComparer.Ordinal);
            foreach (var row in rows)
            {
                present.Add(row.Name);
                try
                {
                    await ApplyAsync(row, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
#pragma warning disable CA1031 // One definition's failure (recording its state) must not keep the others from loading.
                catch (Exception exception)
#pragma warning restore CA1031
                {
                    LogApplyFailed(_logger, exception, row.Name);
                }
            }

            foreach (var name in _loaded.Keys.Where(name => !present.Contains(name)).ToList())
            {
                _loaded.Remove(name);
                if (_catalog.RemoveRuntime(name))
                {
                    _httpRegistry?.Forget(name);
                    LogRemoved(_logger, name, "its definition was deleted");
                }
            }

            foreach (var name in _failed.Keys.Where(name => !present.Contains(name)).ToList())
            {
                _failed.Remove(name);
            }
        }
        finally
        {
            _reloading.Release();
        }
    }

    private async Task ApplyAsync(StoredSourceDefinition row, CancellationToken cancellationToken)
    {
        if (!row.Enabled)
        {
            _failed.Remove(row.Name);
            if (_loaded.Remove(row.Name) && _catalog.RemoveRuntime(row.Name))
            {
                _httpRegistry?.Forget(row.Name);
                LogRemoved(_logger, row.Name, "its definition was disabled");
            }

            return;
        }

        if ((_loaded.TryGetValue(row.Name, out var loaded) && loaded == row.Version)
            || (_failed.TryGetValue(row.Name, out var failed) && failed == row.Version))
        {
            return;
        }

        var (definition, errors) = StoredSourceReader.Read(row);
        var error = definition is null ? string.Join(Environment.NewLine, errors) : _catalog.AddOrReplaceRuntime(definition);
        if (error is not null)
        {
            _failed[row.Name] = row.Version;
            LogInvalid(_logger, row.Name, row.Version, error);
            await _store.RecordErrorAsync(row.Name, row.Version, error, cancellationToken).ConfigureAwait(false);
            return;
        }

        _failed.Remove(row.Name);
        _loaded[row.Name] = row.Version;
        _httpRegistry?.Forget(row.Name);
        LogLoaded(_logger, row.Name, row.Version);
        if (row.LoadedVersion != row.Version || row.LastError is not null)
        {
            await _store.RecordLoadedAsync(row.Name, row.Version, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task LoopAsync(CancellationToken stoppingToken)
    {
        try
        {
            // The first wait is armed before StartAsync returns, so time advanced after start reaches it.
            var wait = Task.Delay(_options.ReloadInterval, _time, stoppingToken);
            while (true)
            {
                await wait.ConfigureAwait(false);
                await ReloadSafelyAsync(stoppingToken).ConfigureAwait(false);
                stoppingToken.ThrowIfCancellationRequested();
                wait = Task.Delay(_options.ReloadInterval, _time, stoppingToken);
                SignalReloaded();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    private async Task ReloadSafelyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ReloadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // A store outage must not stop the host; the next interval tries again.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogReloadFailed(_logger, exception, _options.ReloadInterval.TotalSeconds);
        }

        if (_loop is null)
        {
            SignalReloaded();
        }
    }

    private void SignalReloaded()
    {
        var previous = Interlocked.Exchange(ref _reloaded, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        previous.TrySetResult();
    }

    [LoggerMessage(EventId = 4600, Level = LogLevel.Information, Message = "Loaded stored source {Source} (version {Version}).")]
    private static partial void LogLoaded(ILogger logger, string source, int version);

    [LoggerMessage(EventId = 4601, Level = LogLevel.Information, Message = "Removed stored source {Source}: {Reason}.")]
    private static partial void LogRemoved(ILogger logger, string source, string reason);

    [LoggerMessage(EventId = 4602, Level = LogLevel.Error, Message = "Stored source {Source} (version {Version}) is invalid and was not loaded: {Error}")]
    private static partial void LogInvalid(ILogger logger, string source, int version, string error);

    [LoggerMessage(EventId = 4603, Level = LogLevel.Error, Message = "Reloading stored sources failed; trying again in {Seconds} s.")]
    private static partial void LogReloadFailed(ILogger logger, Exception exception, double seconds);

    [LoggerMessage(EventId = 4604, Level = LogLevel.Error, Message = "Loading stored source {Source} failed.")]
    private static partial void LogApplyFailed(ILogger logger, Exception exception, string source);
}
