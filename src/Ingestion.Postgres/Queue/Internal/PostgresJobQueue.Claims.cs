using Ingestion.Postgres.Internal;
using Ingestion.Queue.Internal;
using Npgsql;
using NpgsqlTypes;

namespace Ingestion.Postgres.Queue.Internal;

/// <summary>Claims and completions: the hot path, one prepared statement each, or both in one round trip.</summary>
internal sealed partial class PostgresJobQueue
{
    // The planner settings that keep a claim on the runnable index in order, whatever the statistics say: a plan made while
    // they describe a nearly empty table (as after a drain) would otherwise fetch every pending row by bitmap and sort them,
    // on every claim until the table is analysed again. Local to the call's transaction; the plan cache keeps what was
    // planned under them.
    private const string ClaimPlannerSettings =
        "SELECT set_config('enable_bitmapscan', 'off', true), set_config('enable_seqscan', 'off', true)";

    public async ValueTask<IReadOnlyList<ClaimedJob>> ClaimAsync(ClaimRequest claim, CancellationToken cancellationToken)
    {
        JobQueueArguments.Validate(claim);
        return (await ClaimAfterAsync(null, claim, cancellationToken).ConfigureAwait(false)).Claimed;
    }

    public async ValueTask<int> CompleteAsync(IReadOnlyList<JobCompletion> completions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(completions);
        if (completions.Count == 0)
        {
            return 0;
        }

        return await OnKeptConnectionAsync(
            async connection =>
            {
                await using var command = _context.Command(_completeSql, connection);
                AddCompletionParameters(command.Parameters, completions);
                await PrepareAsync(command, cancellationToken).ConfigureAwait(false);
                return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            },
            static completed => completed > 0,
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<CompletedAndClaimed> CompleteAndClaimAsync(
        IReadOnlyList<JobCompletion> completions, ClaimRequest claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(completions);
        JobQueueArguments.Validate(claim);
        return await ClaimAfterAsync(completions, claim, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Claims, after completing <paramref name="completions"/> when there are any: one round trip on one connection. The
    /// statements share the batch's implicit transaction, so the claim cannot take a job completed in it, and a failure leaves
    /// everything undone.
    /// </summary>
    private ValueTask<CompletedAndClaimed> ClaimAfterAsync(
        IReadOnlyList<JobCompletion>? completions, ClaimRequest claim, CancellationToken cancellationToken) =>
        OnKeptConnectionAsync(
            connection => ClaimAfterAsync(connection, completions, claim, cancellationToken),
            static result => result.Claimed.Count > 0,
            cancellationToken);

    /// <summary>
    /// Runs a hot-path call on a kept connection (see <see cref="KeptConnections"/>), and keeps it for the next call when the
    /// call did work. A kept connection found broken (the server closed an idle session, or restarted) is dropped and the call
    /// is made once more on a connection from the pool: nothing of it was committed, or, if the reply alone was lost, the lease
    /// tokens make the completions no-ops and the first claim's jobs return to the queue when their leases expire.
    /// </summary>
    private async ValueTask<T> OnKeptConnectionAsync<T>(
        Func<NpgsqlConnection, ValueTask<T>> call, Func<T, bool> keep, CancellationToken cancellationToken)
    {
        var (connection, wasKept) = await _connections.RentAsync(cancellationToken).ConfigureAwait(false);
        var keepIt = false;
        try
        {
            var result = await call(connection).ConfigureAwait(false);
            keepIt = keep(result);
            return result;
        }
        catch (NpgsqlException exception) when (wasKept && KeptConnections.IsBroken(connection, exception) && !cancellationToken.IsCancellationRequested)
        {
            await using var fresh = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);
            return await call(fresh).ConfigureAwait(false);
        }
        finally
        {
            await _connections.ReturnAsync(connection, keepIt).ConfigureAwait(false);
        }
    }

    private async ValueTask<CompletedAndClaimed> ClaimAfterAsync(
        NpgsqlConnection connection, IReadOnlyList<JobCompletion>? completions, ClaimRequest claim, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection) { Timeout = _context.CommandTimeoutSeconds };
        NpgsqlBatchCommand? complete = null;
        if (completions is { Count: > 0 })
        {
            complete = new NpgsqlBatchCommand(_completeSql);
            AddCompletionParameters(complete.Parameters, completions);
            batch.BatchCommands.Add(complete);
        }

        batch.BatchCommands.Add(new NpgsqlBatchCommand(ClaimPlannerSettings));
        var next = new NpgsqlBatchCommand(_claimSql);
        AddClaimParameters(next.Parameters, claim);
        batch.BatchCommands.Add(next);
        if (_options.UsePreparedStatements)
        {
            await batch.PrepareAsync(cancellationToken).ConfigureAwait(false);
        }

        // The reader starts at the first statement that returns rows, the settings (the completion returns none); the claim's follow.
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var claimed = await ReadClaimedAsync(reader, claim.MaxJobs, cancellationToken).ConfigureAwait(false);
        return new CompletedAndClaimed(complete?.RecordsAffected ?? 0, claimed);
    }

    private void AddClaimParameters(NpgsqlParameterCollection parameters, ClaimRequest claim)
    {
        parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = _context.Time.GetUtcNow() });
        parameters.Add(new NpgsqlParameter<int> { TypedValue = claim.MaxJobs });
        parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = claim.LeaseDuration });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = claim.WorkerId });
        parameters.Add(claim.JobTypes is { } types
            ? new NpgsqlParameter<string[]> { TypedValue = [.. types] }
            : new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = DBNull.Value });
        parameters.Add(claim.ExcludedJobTypes is { Count: > 0 } excluded
            ? new NpgsqlParameter<string[]> { TypedValue = [.. excluded] }
            : new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = DBNull.Value });
    }

    private void AddCompletionParameters(NpgsqlParameterCollection parameters, IReadOnlyList<JobCompletion> completions)
    {
        var ids = new long[completions.Count];
        var tokens = new Guid[completions.Count];
        var results = new string?[completions.Count];
        for (var index = 0; index < completions.Count; index++)
        {
            ids[index] = completions[index].JobId;
            tokens[index] = completions[index].LeaseToken;
            results[index] = PostgresText.CleanOrNull(completions[index].Result);
        }

        parameters.Add(new NpgsqlParameter<long[]> { TypedValue = ids });
        parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = tokens });
        parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = results });
        parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = _context.Time.GetUtcNow() });
    }

    /// <summary>Reads the claim's rows and returns them in claim order (RETURNING keeps no order).</summary>
    private async ValueTask<IReadOnlyList<ClaimedJob>> ReadClaimedAsync(NpgsqlDataReader reader, int maxJobs, CancellationToken cancellationToken)
    {
        var claimed = new List<(ClaimedJob Job, int Priority, DateTimeOffset RunAt)>(Math.Min(maxJobs, 1_000));
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            claimed.Add((new ClaimedJob
            {
                Id = reader.GetInt64(0),
                JobType = reader.GetString(1),
                Payload = reader.GetString(2),
                Attempt = reader.GetInt32(3),
                MaxAttempts = reader.GetInt32(4),
                LeaseToken = reader.GetGuid(5),
                LeaseExpiresAt = reader.GetFieldValue<DateTimeOffset>(6),
                DedupKey = reader.IsDBNull(7) ? null : reader.GetString(7),
                EnqueuedAt = reader.GetFieldValue<DateTimeOffset>(8),
            }, reader.GetInt32(9), reader.GetFieldValue<DateTimeOffset>(10)));
        }

        CountClaimed(claimed.Count);
        if (claimed.Count == 1)
        {
            return [claimed[0].Job];
        }

        claimed.Sort(static (left, right) =>
        {
            var order = right.Priority.CompareTo(left.Priority);
            if (order == 0)
            {
                order = left.RunAt.CompareTo(right.RunAt);
            }

            return order != 0 ? order : left.Job.Id.CompareTo(right.Job.Id);
        });
        return claimed.ConvertAll(entry => entry.Job);
    }

    /// <summary>
    /// Prepares a hot statement on its connection, once: Npgsql keeps it across the connection's returns to the pool, so
    /// later calls skip parsing, and PostgreSQL plans it once per connection (see the statements' comments).
    /// </summary>
    private ValueTask PrepareAsync(NpgsqlCommand command, CancellationToken cancellationToken) =>
        _options.UsePreparedStatements ? new ValueTask(command.PrepareAsync(cancellationToken)) : ValueTask.CompletedTask;
}
