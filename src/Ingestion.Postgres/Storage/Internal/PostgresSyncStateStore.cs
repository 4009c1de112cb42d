using Ingestion.Postgres.Internal;
using Npgsql;
using NpgsqlTypes;

namespace Ingestion.Postgres.Storage.Internal;

/// <summary>Sync state (watermark, checkpoint, last good snapshot) per stream.</summary>
internal sealed class PostgresSyncStateStore(PostgresStoreContext context) : ISyncStateStore
{
    private readonly string _upsertSql = UpsertSql(context.Schema);

    /// <summary>The upsert the raw store also runs inside its batch transaction.</summary>
    public static string UpsertSql(string schema) => $"""
        INSERT INTO {schema}.sync_state (source, stream, watermark, checkpoint, last_good_snapshot_count, last_good_snapshot_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (source, stream) DO UPDATE
           SET watermark = excluded.watermark, checkpoint = excluded.checkpoint,
               last_good_snapshot_count = excluded.last_good_snapshot_count, last_good_snapshot_at = excluded.last_good_snapshot_at,
               updated_at = excluded.updated_at
        """;

    public static void AddUpsertParameters(NpgsqlParameterCollection parameters, SyncState state)
    {
        parameters.Add(new NpgsqlParameter<string> { TypedValue = state.Stream.Source });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = state.Stream.Stream });
        parameters.Add(Text(state.Watermark));
        parameters.Add(Text(state.Checkpoint));
        parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = (object?)state.LastGoodSnapshotCount ?? DBNull.Value });
        parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = (object?)state.LastGoodSnapshotAt ?? DBNull.Value });
        parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = state.UpdatedAt });
    }

    public async ValueTask<SyncState?> GetAsync(StreamId stream, CancellationToken cancellationToken)
    {
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = context.Command(
            $"""
            SELECT watermark, checkpoint, last_good_snapshot_count, last_good_snapshot_at, updated_at
              FROM {context.Schema}.sync_state WHERE source = $1 AND stream = $2
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream.Source });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream.Stream });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new SyncState
        {
            Stream = stream,
            Watermark = reader.IsDBNull(0) ? null : reader.GetString(0),
            Checkpoint = reader.IsDBNull(1) ? null : reader.GetString(1),
            LastGoodSnapshotCount = reader.IsDBNull(2) ? null : reader.GetInt64(2),
            LastGoodSnapshotAt = reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3),
            UpdatedAt = reader.GetFieldValue<DateTimeOffset>(4),
        };
    }

    public async ValueTask SaveAsync(SyncState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = context.Command(_upsertSql, connection);
        AddUpsertParameters(command.Parameters, state);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlParameter Text(string? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)PostgresText.CleanOrNull(value) ?? DBNull.Value };
}
