using Ingestion.Postgres.Internal;
using Ingestion.Postgres.Queue.Internal;
using Ingestion.Scheduling.Internal;
using Npgsql;
using NpgsqlTypes;

namespace Ingestion.Postgres.Scheduling.Internal;

/// <summary>
/// Schedules in the <c>schedules</c> table. Firing is one transaction: a compare-and-set on the due slot (the row lock makes a second
/// host wait, then find the slot moved) and, with the PostgreSQL queue, the job's insert, so a slot enqueues exactly once across hosts.
/// Rows added to the table by hand (name, cron, time_zone, source, optional stream) are picked up at the scheduler's next check.
/// </summary>
internal sealed class PostgresScheduleStore(PostgresStoreContext context) : IScheduleStore
{
    private const string Columns =
        "name, cron, time_zone, source, stream, enabled, disabled_reason, next_fire_at, last_fired_at, last_successful_run_at, total_runs, consecutive_failures, last_error";

    private string S => context.Schema;

    public async ValueTask<ScheduleState> UpsertAsync(ScheduleDefinition definition, DateTimeOffset? nextRunAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = context.Command(
            $"""
            INSERT INTO {S}.schedules AS t (name, cron, time_zone, job_type, source, stream, enabled, disabled_reason, next_fire_at, updated_at)
            VALUES ($1, $2, $3, 'ingestion.sync', $4, $5, $6, CASE WHEN $6 THEN NULL ELSE $8 END, $7, $9)
            ON CONFLICT (name) DO UPDATE SET
                cron = excluded.cron, time_zone = excluded.time_zone, source = excluded.source, stream = excluded.stream,
                next_fire_at = CASE WHEN t.cron IS DISTINCT FROM excluded.cron OR t.time_zone IS DISTINCT FROM excluded.time_zone
                                    THEN excluded.next_fire_at ELSE t.next_fire_at END,
                enabled = CASE WHEN NOT $6 THEN false WHEN t.disabled_reason = $8 THEN true ELSE t.enabled END,
                disabled_reason = CASE WHEN NOT $6 THEN CASE WHEN t.enabled THEN $8 ELSE t.disabled_reason END
                                       WHEN t.disabled_reason = $8 THEN NULL ELSE t.disabled_reason END,
                updated_at = $9
            RETURNING {Columns}
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = definition.Name });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = definition.Cron });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = definition.TimeZone });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = definition.Source });
        command.Parameters.Add(Text(definition.Stream));
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = definition.Enabled });
        command.Parameters.Add(Time(nextRunAt));
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ScheduleText.DisabledByDefinition });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = context.Time.GetUtcNow() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return Read(reader);
    }

    public async ValueTask<IReadOnlyList<ScheduleState>> GetAllAsync(CancellationToken cancellationToken)
    {
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = context.Command($"SELECT {Columns} FROM {S}.schedules ORDER BY name", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<ScheduleState>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(Read(reader));
        }

        return list;
    }

    public async ValueTask<ScheduleState?> GetAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = context.Command($"SELECT {Columns} FROM {S}.schedules WHERE name = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    public async ValueTask<bool> TryFireAsync(ScheduleFiring firing, IJobQueue queue, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(firing);
        ArgumentNullException.ThrowIfNull(queue);
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = context.Command(
            $"""
            UPDATE {S}.schedules SET next_fire_at = $3, last_fired_at = $2, updated_at = $4
             WHERE name = $1 AND enabled AND next_fire_at = $2
            """,
            connection,
            transaction))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = firing.Name });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = firing.DueAt });
            command.Parameters.Add(Time(firing.NextRunAt));
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = context.Time.GetUtcNow() });
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                return false;
            }
        }

        if (queue is PostgresJobQueue postgres)
        {
            // The job commits with the slot's move, or neither happens.
            await postgres.EnqueueAsync(connection, transaction, [firing.Job], cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }

        // Another queue: enqueue while the row is still locked (a second host waits), commit only once the job is in.
        await queue.EnqueueAsync(firing.Job, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async ValueTask<bool> TrySetNextRunAsync(string name, DateTimeOffset? expected, DateTimeOffset? nextRunAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = context.Command(
            $"UPDATE {S}.schedules SET next_fire_at = $3, updated_at = $4 WHERE name = $1 AND next_fire_at IS NOT DISTINCT FROM $2",
            connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(Time(expected));
        command.Parameters.Add(Time(nextRunAt));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = context.Time.GetUtcNow() });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async ValueTask<ScheduleState?> RecordOutcomeAsync(string name, ScheduleRunOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(outcome);
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = context.Command(
            outcome.Succeeded
                ? $"""
                  UPDATE {S}.schedules SET total_runs = total_runs + 1, consecutive_failures = 0, last_successful_run_at = $2, updated_at = $2
                   WHERE name = $1
                  RETURNING {Columns}
                  """
                : $"""
                  UPDATE {S}.schedules AS t
                     SET total_runs = t.total_runs + 1, consecutive_failures = t.consecutive_failures + 1, last_error = $3, updated_at = $2,
                         enabled = t.enabled AND NOT ($4::integer IS NOT NULL AND t.consecutive_failures + 1 >= $4),
                         disabled_reason = CASE WHEN t.enabled AND $4::integer IS NOT NULL AND t.consecutive_failures + 1 >= $4
                                                THEN 'Disabled after ' || (t.consecutive_failures + 1) || ' consecutive failed runs; last error: ' || coalesce($3, '(none recorded)')
                                                ELSE t.disabled_reason END
                   WHERE name = $1
                  RETURNING {Columns}
                  """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = outcome.FinishedAt });
        if (!outcome.Succeeded)
        {
            command.Parameters.Add(Text(outcome.Error is null ? null : PostgresText.Clean(outcome.Error)));
            command.Parameters.Add(outcome.DisableAfterFailures is { } limit
                ? new NpgsqlParameter<int> { TypedValue = limit }
                : new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = DBNull.Value });
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    public async ValueTask<bool> SetEnabledAsync(string name, bool enabled, string? reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = context.Command(
            enabled
                ? $"""
                  UPDATE {S}.schedules
                     SET enabled = true, disabled_reason = NULL, consecutive_failures = 0,
                         next_fire_at = CASE WHEN enabled THEN next_fire_at END, updated_at = $2
                   WHERE name = $1
                  """
                : $"UPDATE {S}.schedules SET enabled = false, disabled_reason = $3, updated_at = $2 WHERE name = $1",
            connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = context.Time.GetUtcNow() });
        if (!enabled)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = PostgresText.Clean(reason ?? ScheduleText.DisabledManually) });
        }

        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async ValueTask<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = context.Command($"DELETE FROM {S}.schedules WHERE name = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    private static ScheduleState Read(NpgsqlDataReader reader) => new()
    {
        Definition = new ScheduleDefinition
        {
            Name = reader.GetString(0),
            Cron = reader.GetString(1),
            TimeZone = reader.GetString(2),
            Source = reader.IsDBNull(3) ? string.Empty : reader.GetString(3),
            Stream = reader.IsDBNull(4) ? null : reader.GetString(4),
            Enabled = reader.GetBoolean(5),
        },
        Enabled = reader.GetBoolean(5),
        DisabledReason = reader.IsDBNull(6) ? null : reader.GetString(6),
        NextRunAt = reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
        LastRunAt = reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
        LastSuccessfulRunAt = reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9),
        TotalRuns = reader.GetInt64(10),
        ConsecutiveFailures = reader.GetInt32(11),
        LastError = reader.IsDBNull(12) ? null : reader.GetString(12),
    };

    private static NpgsqlParameter Text(string? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    private static NpgsqlParameter Time(DateTimeOffset? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = value is { } v ? v : DBNull.Value };
}
