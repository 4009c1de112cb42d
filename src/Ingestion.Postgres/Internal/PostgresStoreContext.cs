using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Ingestion.Postgres.Internal;

/// <summary>What every PostgreSQL store shares: the data source, the validated schema, the options and the clock.</summary>
internal sealed class PostgresStoreContext : IAsyncDisposable, IDisposable
{
    private readonly bool _ownsDataSource;
    private readonly PostgresMigrator? _migrator;
    private readonly Lock _gate = new();
    private Task? _ready;

    public PostgresStoreContext(NpgsqlDataSource dataSource, PostgresStoreOptions options, TimeProvider timeProvider, ILoggerFactory? loggerFactory = null, bool ownsDataSource = false)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var failures = PostgresStoreOptionsValidator.Check(options);
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        DataSource = dataSource;
        Options = options;
        Time = timeProvider;
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        Schema = SqlIdentifier.Quote(options.Schema);
        CommandTimeoutSeconds = (int)Math.Ceiling(options.CommandTimeout.TotalSeconds);
        _ownsDataSource = ownsDataSource;
        if (options.AutoMigrate)
        {
            _migrator = new PostgresMigrator(dataSource, options.Schema, LoggerFactory.CreateLogger<PostgresMigrator>());
        }
        else
        {
            _ready = Task.CompletedTask;
        }
    }

    public NpgsqlDataSource DataSource { get; }

    public PostgresStoreOptions Options { get; }

    public TimeProvider Time { get; }

    public ILoggerFactory LoggerFactory { get; }

    /// <summary>The quoted schema, safe to put into SQL text.</summary>
    public string Schema { get; }

    public int CommandTimeoutSeconds { get; }

    /// <summary>
    /// Completes once the schema is migrated (when <see cref="PostgresStoreOptions.AutoMigrate"/> is on), so a store used before the
    /// host's start-up migration finished waits for it instead of failing. A failed migration is tried again on the next call.
    /// </summary>
    public ValueTask EnsureReadyAsync(CancellationToken cancellationToken)
    {
        var ready = _ready;
        if (ready is not null && ready.IsCompletedSuccessfully)
        {
            return ValueTask.CompletedTask;
        }

        lock (_gate)
        {
            if (_ready is null || _ready.IsFaulted || _ready.IsCanceled)
            {
                _ready = _migrator!.MigrateAsync(CancellationToken.None);
            }

            ready = _ready;
        }

        return new ValueTask(ready.WaitAsync(cancellationToken));
    }

    public async ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        return await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
    }

    public NpgsqlCommand Command(string sql, NpgsqlConnection connection, NpgsqlTransaction? transaction = null) =>
        new(sql, connection, transaction) { CommandTimeout = CommandTimeoutSeconds };

    /// <summary>A stable 64-bit advisory-lock key for a name within this schema.</summary>
    public long LockKey(string scope, string name) =>
        BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(Options.Schema, "\n", scope, "\n", name))));

    public void Dispose()
    {
        if (_ownsDataSource)
        {
            DataSource.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await DataSource.DisposeAsync().ConfigureAwait(false);
        }
    }
}
