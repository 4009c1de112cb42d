using Ingestion.Postgres.Internal;
using Ingestion.Queue.Internal;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Ingestion.Postgres.Queue.Internal;

/// <summary>Waiting for jobs, purging finished history, notifying waiters and disposal.</summary>
internal sealed partial class PostgresJobQueue
{
    public ValueTask WaitForJobsAsync(TimeSpan maxWait, CancellationToken cancellationToken) =>
        _notifications.WaitAsync(maxWait, cancellationToken);

    public async ValueTask<int> PurgeAsync(CancellationToken cancellationToken)
    {
        var now = _context.Time.GetUtcNow();
        await using var connection = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);
        var total = 0;
        while (true)
        {
            // In chunks, so a large backlog never holds locks or builds one huge transaction.
            await using var command = _context.Command(
                $"""
                DELETE FROM {_context.Schema}.job_history
                 WHERE id IN (SELECT id FROM {_context.Schema}.job_history
                               WHERE (status = 'dead' AND finished_at < $1) OR (status <> 'dead' AND finished_at < $2)
                               LIMIT $3)
                """,
                connection);
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now - _options.DeadRetention });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now - _options.CompletedRetention });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = _context.Options.BatchSize });
            var deleted = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            total += deleted;
            if (deleted < _context.Options.BatchSize)
            {
                return total;
            }
        }
    }

    private async ValueTask NotifyAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var notify = _context.Command("SELECT pg_notify($1, '')", connection);
        notify.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _channel });
        await notify.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _notifications.DisposeAsync();

    // A container disposing synchronously stops the listener without waiting for it: it ends on its own once cancelled.
    public void Dispose() => _notifications.Stop();
}
