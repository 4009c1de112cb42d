using Ingestion.Postgres.Internal;
using Npgsql;

namespace Ingestion.Postgres.Storage.Internal;

/// <summary>Stream leases as rows of <c>stream_leases</c>; taking one is a single upsert, so two hosts never both win.</summary>
internal sealed class PostgresStreamLeases(PostgresStoreContext context) : IStreamLeases
{
    public async ValueTask<StreamLease> TryAcquireAsync(StreamLease request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);

        // The upsert takes a free or expired row (or the run's own); when another run holds the stream it changes nothing and the
        // union reads that run's row. A row inserted by a transaction that committed after this statement's snapshot is not
        // visible to the read half: the statement is asked again, and then sees it.
        for (var attempt = 1; ; attempt++)
        {
            await using var command = context.Command(
                $"""
                WITH taken AS (
                    INSERT INTO {context.Schema}.stream_leases AS held (source, stream, run_id, holder, acquired_at, expires_at)
                    VALUES ($1, $2, $3, $4, $5, $6)
                    ON CONFLICT (source, stream) DO UPDATE
                       SET run_id = excluded.run_id, holder = excluded.holder, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
                     WHERE held.expires_at <= excluded.acquired_at OR held.run_id = excluded.run_id
                    RETURNING run_id, holder, acquired_at, expires_at)
                SELECT run_id, holder, acquired_at, expires_at FROM taken
                UNION ALL
                SELECT run_id, holder, acquired_at, expires_at FROM {context.Schema}.stream_leases
                 WHERE source = $1 AND stream = $2 AND NOT EXISTS (SELECT FROM taken)
                """,
                connection);
            var p = command.Parameters;
            p.Add(new NpgsqlParameter<string> { TypedValue = request.Stream.Source });
            p.Add(new NpgsqlParameter<string> { TypedValue = request.Stream.Stream });
            p.Add(new NpgsqlParameter<Guid> { TypedValue = request.RunId });
            p.Add(new NpgsqlParameter<string> { TypedValue = request.Holder });
            p.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = request.AcquiredAt });
            p.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = request.ExpiresAt });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return new StreamLease(request.Stream, reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<DateTimeOffset>(3));
            }

            if (attempt == 3)
            {
                throw new InvalidOperationException($"The lease of stream {request.Stream} changed hands three times while it was asked for; ask again.");
            }
        }
    }

    public async ValueTask<bool> RenewAsync(StreamId stream, Guid runId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = context.Command(
            $"UPDATE {context.Schema}.stream_leases SET expires_at = $4 WHERE source = $1 AND stream = $2 AND run_id = $3", connection);
        AddKey(command, stream, runId);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = expiresAt });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async ValueTask ReleaseAsync(StreamId stream, Guid runId, CancellationToken cancellationToken)
    {
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = context.Command(
            $"DELETE FROM {context.Schema}.stream_leases WHERE source = $1 AND stream = $2 AND run_id = $3", connection);
        AddKey(command, stream, runId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void AddKey(NpgsqlCommand command, StreamId stream, Guid runId)
    {
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream.Source });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream.Stream });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = runId });
    }
}
