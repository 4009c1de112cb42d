using Ingestion.Postgres.Internal;
using Npgsql;
using NpgsqlTypes;

namespace Ingestion.Postgres.Storage.Internal;

/// <summary>Stream health, one row per stream.</summary>
internal sealed class PostgresHealthStore(PostgresStoreContext context) : IHealthStore
{
    private const string Columns = "source, stream, status, consecutive_failures, item_count, last_check_at, last_success_at, last_failure_at, last_error, reason";

    public async ValueTask<StreamHealth?> GetAsync(StreamId stream, CancellationToken cancellationToken)
    {
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = context.Command($"SELECT {Columns} FROM {context.Schema}.stream_health WHERE source = $1 AND stream = $2", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream.Source });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream.Stream });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    public async ValueTask<IReadOnlyList<StreamHealth>> GetAllAsync(CancellationToken cancellationToken)
    {
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = context.Command(
            $"SELECT {Columns} FROM {context.Schema}.stream_health ORDER BY source COLLATE \"C\", stream COLLATE \"C\"", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var all = new List<StreamHealth>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            all.Add(Read(reader));
        }

        return all;
    }

    public async ValueTask SaveAsync(StreamHealth health, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(health);
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = context.Command(
            $"""
            INSERT INTO {context.Schema}.stream_health ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            ON CONFLICT (source, stream) DO UPDATE
               SET status = excluded.status, consecutive_failures = excluded.consecutive_failures, item_count = excluded.item_count,
                   last_check_at = excluded.last_check_at, last_success_at = excluded.last_success_at,
                   last_failure_at = excluded.last_failure_at, last_error = excluded.last_error, reason = excluded.reason
            """,
            connection);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<string> { TypedValue = health.Stream.Source });
        p.Add(new NpgsqlParameter<string> { TypedValue = health.Stream.Stream });
        p.Add(new NpgsqlParameter<string> { TypedValue = health.Status.ToString() });
        p.Add(new NpgsqlParameter<int> { TypedValue = health.ConsecutiveFailures });
        p.Add(new NpgsqlParameter<long> { TypedValue = health.ItemCount });
        p.Add(Time(health.LastCheckAt));
        p.Add(Time(health.LastSuccessAt));
        p.Add(Time(health.LastFailureAt));
        p.Add(Text(health.LastError));
        p.Add(Text(health.Reason));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static StreamHealth Read(NpgsqlDataReader reader) => new()
    {
        Stream = new StreamId(reader.GetString(0), reader.GetString(1)),
        Status = Enum.TryParse<StreamHealthStatus>(reader.GetString(2), out var status) ? status : StreamHealthStatus.Unknown,
        ConsecutiveFailures = reader.GetInt32(3),
        ItemCount = reader.GetInt64(4),
        LastCheckAt = reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
        LastSuccessAt = reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
        LastFailureAt = reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
        LastError = reader.IsDBNull(8) ? null : reader.GetString(8),
        Reason = reader.IsDBNull(9) ? null : reader.GetString(9),
    };

    private static NpgsqlParameter Time(DateTimeOffset? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = (object?)value ?? DBNull.Value };

    private static NpgsqlParameter Text(string? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)PostgresText.CleanOrNull(value) ?? DBNull.Value };
}
