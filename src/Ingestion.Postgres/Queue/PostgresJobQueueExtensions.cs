using Ingestion.Postgres.Queue.Internal;
using Npgsql;

namespace Ingestion.Postgres;

/// <summary>Transactional enqueue: jobs that commit or roll back with the caller's own PostgreSQL transaction.</summary>
public static class PostgresJobQueueExtensions
{
    /// <summary>Enqueues a job inside <paramref name="transaction"/>: it becomes visible to workers only if the transaction commits.</summary>
    /// <param name="queue">The PostgreSQL job queue (registered by <c>UsePostgres</c>).</param>
    /// <param name="transaction">The caller's open transaction, on the queue's database.</param>
    /// <param name="job">The job.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The job id, or the id of the unfinished job that already holds the same dedup key.</returns>
    /// <exception cref="NotSupportedException"><paramref name="queue"/> is not the PostgreSQL queue.</exception>
    public static async ValueTask<EnqueueResult> EnqueueAsync(this IJobQueue queue, NpgsqlTransaction transaction, JobRequest job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var results = await queue.EnqueueManyAsync(transaction, [job], cancellationToken).ConfigureAwait(false);
        return results[0];
    }

    /// <summary>Enqueues jobs inside <paramref name="transaction"/>, in one round trip per <see cref="PostgresStoreOptions.BatchSize"/> jobs.</summary>
    /// <param name="queue">The PostgreSQL job queue (registered by <c>UsePostgres</c>).</param>
    /// <param name="transaction">The caller's open transaction, on the queue's database.</param>
    /// <param name="jobs">The jobs.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>One result per job, in order.</returns>
    /// <exception cref="NotSupportedException"><paramref name="queue"/> is not the PostgreSQL queue.</exception>
    public static ValueTask<IReadOnlyList<EnqueueResult>> EnqueueManyAsync(
        this IJobQueue queue, NpgsqlTransaction transaction, IReadOnlyList<JobRequest> jobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(jobs);
        if (queue is not PostgresJobQueue postgres)
        {
            throw new NotSupportedException($"Transactional enqueue needs the PostgreSQL job queue; this queue is {queue.GetType().Name}.");
        }

        var connection = transaction.Connection
            ?? throw new ArgumentException("The transaction is already committed or rolled back.", nameof(transaction));
        return postgres.EnqueueAsync(connection, transaction, jobs, cancellationToken);
    }
}
