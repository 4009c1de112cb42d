using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Ingestion.Postgres.Internal;
using Ingestion.Postgres.Migrations.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Ingestion.Postgres;

/// <summary>
/// Creates and upgrades the store's schema from the package's embedded, numbered SQL scripts. Runs under a PostgreSQL
/// advisory lock, so several hosts starting at once migrate once. The host runs it at start-up (see
/// <see cref="PostgresStoreOptions.AutoMigrate"/>); tests and command-line tools may call it directly.
/// </summary>
internal sealed partial class PostgresMigrator
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _schema;
    private readonly string _quotedSchema;
    private readonly ILogger _logger;

    /// <summary>Creates a migrator.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="schema">The schema to migrate; a plain lowercase identifier (see <see cref="PostgresStoreOptions.Schema"/>).</param>
    /// <param name="logger">Logs each applied script; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentException"><paramref name="schema"/> is not a plain identifier.</exception>
    public PostgresMigrator(NpgsqlDataSource dataSource, string schema = PostgresStoreOptions.DefaultSchema, ILogger<PostgresMigrator>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
        _schema = schema;
        _quotedSchema = SqlIdentifier.Quote(schema);
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The schema version this code brings (the number of its last script).</summary>
    public static int LatestVersion => MigrationScript.All.Count;

    /// <summary>Applies the scripts the database does not have yet, each in its own transaction.</summary>
    /// <param name="cancellationToken">Cancels the migration; a script is applied whole or not at all.</param>
    /// <returns>The names of the scripts applied now (empty when the schema was up to date).</returns>
    /// <exception cref="InvalidOperationException">
    /// The database has a newer schema version than this code, or a script that was applied has changed since.
    /// </exception>
    public Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken) => MigrateAsync(upToVersion: int.MaxValue, cancellationToken);

    /// <summary>Applies the scripts up to <paramref name="upToVersion"/>: how a test builds a database as an older version left it.</summary>
    internal async Task<IReadOnlyList<string>> MigrateAsync(int upToVersion, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var lockKey = LockKey(_schema);
        await ExecuteAsync(connection, "SELECT pg_advisory_lock($1)", lockKey, cancellationToken).ConfigureAwait(false);
        try
        {
            return await MigrateLockedAsync(connection, upToVersion, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Unlock even when cancelled; a broken connection releases the session lock by itself.
            if (connection.FullState == System.Data.ConnectionState.Open)
            {
                await ExecuteAsync(connection, "SELECT pg_advisory_unlock($1)", lockKey, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private async Task<IReadOnlyList<string>> MigrateLockedAsync(NpgsqlConnection connection, int upToVersion, CancellationToken cancellationToken)
    {
        await using (var create = new NpgsqlCommand(
            $"""
            CREATE SCHEMA IF NOT EXISTS {_quotedSchema};
            CREATE TABLE IF NOT EXISTS {_quotedSchema}.schema_migrations (
                version     integer     PRIMARY KEY,
                name        text        NOT NULL,
                checksum    text        NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now(),
                duration_ms integer     NOT NULL
            );
            """, connection))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var applied = new Dictionary<int, (string Name, string Checksum)>();
        await using (var read = new NpgsqlCommand($"SELECT version, name, checksum FROM {_quotedSchema}.schema_migrations ORDER BY version", connection))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                applied[reader.GetInt32(0)] = (reader.GetString(1), reader.GetString(2));
            }
        }

        var scripts = MigrationScript.All;
        foreach (var (version, (name, checksum)) in applied)
        {
            if (version > scripts.Count)
            {
                throw new InvalidOperationException(
                    $"The database schema '{_schema}' is at version {applied.Keys.Max()} (script '{name}'), newer than this code, " +
                    $"which knows scripts up to version {scripts.Count} ('{scripts[^1].Name}'). " +
                    "Upgrade the Ingestion.Postgres package, or point this host at another schema.");
            }

            var script = scripts[version - 1];
            if (!string.Equals(script.Checksum, checksum, StringComparison.Ordinal))
            {
                throw new InvalidOperationException(
                    $"The migration script '{script.Name}' was applied to schema '{_schema}' as '{name}' with checksum {checksum}, " +
                    $"but this code's script has checksum {script.Checksum}: an applied script must never change. " +
                    "Restore the original script and put the change in a new, higher-numbered script.");
            }
        }

        var appliedNow = new List<string>();
        foreach (var script in scripts)
        {
            if (applied.ContainsKey(script.Version) || script.Version > upToVersion)
            {
                continue;
            }

            var stopwatch = Stopwatch.StartNew();
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var apply = new NpgsqlCommand(script.ForSchema(_quotedSchema), connection, transaction))
            {
                apply.CommandTimeout = 0;
                await apply.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var record = new NpgsqlCommand(
                $"INSERT INTO {_quotedSchema}.schema_migrations (version, name, checksum, duration_ms) VALUES ($1, $2, $3, $4)", connection, transaction))
            {
                record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = script.Version });
                record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = script.Name });
                record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = script.Checksum });
                record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (int)stopwatch.ElapsedMilliseconds });
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            LogApplied(_logger, script.Name, _schema, stopwatch.ElapsedMilliseconds);
            appliedNow.Add(script.Name);
        }

        return appliedNow;
    }

    /// <summary>A stable advisory-lock key per schema, so migrations of different schemas do not wait for each other.</summary>
    internal static long LockKey(string schema) =>
        BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes("ingestion.migrations:" + schema)));

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, long key, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = key });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Applied migration {Script} to schema {Schema} in {ElapsedMilliseconds} ms")]
    private static partial void LogApplied(ILogger logger, string script, string schema, long elapsedMilliseconds);
}
