using Ingestion.Storage.Internal;
using Npgsql;

namespace Ingestion.Postgres.Storage.Internal;

/// <summary>The raw store's lease fence (<see cref="RawBatch.RequiresLease"/>): a batch commits only while its run holds the stream.</summary>
internal sealed partial class PostgresRawStore
{
    private readonly string _leaseSql;

    // The lease row, read with a share lock: the upsert that takes a stream waits for the batch to commit, so a run cannot
    // take the stream while another run's batch is under way, and a batch never commits after its run lost the stream.
    private static string LeaseSql(string schema) => $"SELECT run_id FROM {schema}.stream_leases WHERE source = $1 AND stream = $2 FOR SHARE";

    /// <summary>Adds the lease check after the stream's lock, when the batch asks for it.</summary>
    private void AddLeaseCheck(NpgsqlBatch classify, RawBatch batch)
    {
        if (batch.RequiresLease)
        {
            var lease = new NpgsqlBatchCommand(_leaseSql);
            AddStreamAt(lease.Parameters, batch.Stream.Source, batch.Stream.Stream, batch.FetchedAt, withTime: false);
            classify.BatchCommands.Add(lease);
        }
    }

    /// <summary>Reads the lease check's result (the reader is on it) and moves on to the classification's.</summary>
    private static async Task CheckLeaseAsync(NpgsqlDataReader reader, RawBatch batch, CancellationToken cancellationToken)
    {
        if (!batch.RequiresLease)
        {
            return;
        }

        var holder = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? reader.GetGuid(0) : (Guid?)null;
        if (holder != batch.RunId)
        {
            // Nothing commits: the transaction, with what the classification verified, is rolled back.
            throw RawBatchChecks.LeaseLost(batch, holder);
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
    }
}
