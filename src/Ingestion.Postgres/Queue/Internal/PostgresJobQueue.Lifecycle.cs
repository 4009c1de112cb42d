using Ingestion.Postgres.Internal;
using Ingestion.Queue.Internal;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Ingestion.Postgres.Queue.Internal;

/// <summary>Waiting for jobs, purging finished history, vacuuming the hot table, notifying waiters and disposal.</summary>
internal sealed partial class PostgresJobQueue
{
    private long _claimedSinceVacuum;
    private long _claimsSinceVacuum;
    private int _vacuumRunning;
    private Task _vacuum = Task.CompletedTask;

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

    /// <summary>
    /// Counts claims and claimed jobs, and vacuums the hot table in the background when they add up. A claimed job leaves a dead
    /// entry at the front of the runnable index (it is no longer pending), and every later claim walks past all of them until a
    /// vacuum removes them; autovacuum visits a table at most once a minute (<c>autovacuum_naptime</c>), long enough for a busy
    /// queue to leave a hundred thousand behind. The walking costs about claims × dead entries and a vacuum about the table's
    /// size, so the vacuum comes when jobs × claims since the last one reach <see cref="PostgresQueueOptions.VacuumAfterJobs"/>
    /// squared: after that many jobs claimed one at a time, later for larger claims (√500 ≈ 22 times later for claims of 500).
    /// </summary>
    private void CountClaimed(int count)
    {
        long every = _options.VacuumAfterJobs;
        if (every <= 0)
        {
            return;
        }

        var claims = Interlocked.Increment(ref _claimsSinceVacuum);
        var jobs = Interlocked.Add(ref _claimedSinceVacuum, count);
        if (jobs * claims < every * every || Interlocked.CompareExchange(ref _vacuumRunning, 1, 0) != 0)
        {
            return;
        }

        Interlocked.Exchange(ref _claimedSinceVacuum, 0);
        Interlocked.Exchange(ref _claimsSinceVacuum, 0);
        _vacuum = Task.Run(VacuumAsync);
    }

    /// <summary>The background vacuum that runs now, or the last one (for tests).</summary>
    internal Task Vacuum => Volatile.Read(ref _vacuum);

    private async Task VacuumAsync()
    {
        try
        {
            // SKIP_LOCKED: never wait behind autovacuum or another host's vacuum. TRUNCATE false: never take the exclusive lock
            // that shortening the file needs, which would stall claims. INDEX_CLEANUP ON: the dead index entries are the point.
            await using var connection = await _context.OpenAsync(CancellationToken.None).ConfigureAwait(false);
            await using var command = _context.Command(
                $"VACUUM (SKIP_LOCKED, INDEX_CLEANUP ON, TRUNCATE false) {_context.Schema}.jobs", connection);
            await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Housekeeping: a failed vacuum is logged and tried again after the next batch of jobs.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogVacuumFailed(_logger, exception);
        }
        finally
        {
            Volatile.Write(ref _vacuumRunning, 0);
        }
    }

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Vacuuming the job queue's table failed; it is tried again after the next batch of claimed jobs")]
    private static partial void LogVacuumFailed(ILogger logger, Exception exception);

    private async ValueTask NotifyAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var notify = _context.Command("SELECT pg_notify($1, '')", connection);
        notify.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _channel });
        await notify.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _notifications.DisposeAsync().ConfigureAwait(false);

        await _connections.DisposeAsync().ConfigureAwait(false);

        // A vacuum in flight ends before the data source it uses can be disposed.
        await Vacuum.ConfigureAwait(false);
    }

    // A container disposing synchronously stops the listener without waiting for it: it ends on its own once cancelled.
    public void Dispose()
    {
        _notifications.Stop();
        _connections.Dispose();
    }
}
