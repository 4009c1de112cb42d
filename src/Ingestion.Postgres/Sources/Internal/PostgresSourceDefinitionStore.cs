using Ingestion.Postgres.Internal;
using Npgsql;

namespace Ingestion.Postgres.Sources.Internal;

/// <summary>
/// Source definitions in the <c>sources</c> table. The table's trigger raises <c>version</c> whenever the definition or the enabled flag
/// changes, so rows edited by hand (for example <c>UPDATE sources SET definition = ...</c>) are picked up like rows written here.
/// </summary>
internal sealed class PostgresSourceDefinitionStore(PostgresStoreContext context) : ISourceDefinitionStore
{
    private const string Columns = "name, definition::text, enabled, version, last_error, last_error_at, loaded_version, loaded_at, updated_at";

    private string S => context.Schema;

    public async ValueTask<IReadOnlyList<StoredSourceDefinition>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = context.Command($"SELECT {Columns} FROM {S}.sources ORDER BY name", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<StoredSourceDefinition>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(Read(reader));
        }

        return list;
    }

    public async ValueTask<StoredSourceDefinition> UpsertAsync(string name, string definitionJson, bool enabled, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(definitionJson);
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = context.Command(
            $"""
            INSERT INTO {S}.sources AS t (name, definition, enabled) VALUES ($1, $2::jsonb, $3)
            ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, enabled = excluded.enabled
            RETURNING {Columns}
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = definitionJson });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = enabled });
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            return Read(reader);
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.InvalidTextRepresentation)
        {
            throw new ArgumentException($"The definition of source '{name}' is not valid JSON: {exception.MessageText} {exception.Detail}".TrimEnd(), nameof(definitionJson), exception);
        }
    }

    public async ValueTask<bool> DisableAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = context.Command($"UPDATE {S}.sources SET enabled = false WHERE name = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async ValueTask RecordLoadedAsync(string name, int version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        // The error is only cleared while it belongs to the loaded version; a newer version's error stays.
        await using var command = context.Command(
            $"""
            UPDATE {S}.sources SET loaded_version = $2, loaded_at = $3,
                last_error = CASE WHEN version = $2 THEN NULL ELSE last_error END,
                last_error_at = CASE WHEN version = $2 THEN NULL ELSE last_error_at END
            WHERE name = $1
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = version });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = context.Time.GetUtcNow() });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask RecordErrorAsync(string name, int version, string error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(error);
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        // Only on the version that failed: a definition changed meanwhile is judged at the next reload.
        await using var command = context.Command($"UPDATE {S}.sources SET last_error = $3, last_error_at = $4 WHERE name = $1 AND version = $2", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = version });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = error });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = context.Time.GetUtcNow() });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static StoredSourceDefinition Read(NpgsqlDataReader reader) => new()
    {
        Name = reader.GetString(0),
        DefinitionJson = reader.GetString(1),
        Enabled = reader.GetBoolean(2),
        Version = reader.GetInt32(3),
        LastError = reader.IsDBNull(4) ? null : reader.GetString(4),
        LastErrorAt = reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
        LoadedVersion = reader.IsDBNull(6) ? null : reader.GetInt32(6),
        LoadedAt = reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
        UpdatedAt = reader.GetFieldValue<DateTimeOffset>(8),
    };
}
