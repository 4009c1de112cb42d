using System.Runtime.CompilerServices;

namespace Ingestion.Connectors.Tests.Support;

/// <summary>A raw store that counts the records its reads return, around another store.</summary>
internal sealed class CountingRawStore(IRawStore inner) : IRawStore
{
    public int RecordsRead { get; private set; }

    public List<RawRecordQuery?> Queries { get; } = [];

    public ValueTask<RawBatchResult> WriteBatchAsync(RawBatch batch, CancellationToken cancellationToken) => inner.WriteBatchAsync(batch, cancellationToken);

    public async ValueTask<RawRecord?> GetLatestAsync(StreamId stream, string key, CancellationToken cancellationToken)
    {
        var record = await inner.GetLatestAsync(stream, key, cancellationToken);
        RecordsRead += record is null ? 0 : 1;
        return record;
    }

    public IAsyncEnumerable<RawRecord> GetHistoryAsync(StreamId stream, string key, CancellationToken cancellationToken) =>
        CountAsync(inner.GetHistoryAsync(stream, key, cancellationToken), cancellationToken);

    public IAsyncEnumerable<RawRecord> QueryLatestAsync(StreamId stream, RawRecordQuery? query, CancellationToken cancellationToken)
    {
        Queries.Add(query);
        return CountAsync(inner.QueryLatestAsync(stream, query, cancellationToken), cancellationToken);
    }

    public IAsyncEnumerable<RawRecord> GetChangedSinceAsync(StreamId stream, DateTimeOffset since, CancellationToken cancellationToken) =>
        CountAsync(inner.GetChangedSinceAsync(stream, since, cancellationToken), cancellationToken);

    public ValueTask<int> MarkMissingDeletedAsync(StreamId stream, DateTimeOffset seenSince, DateTimeOffset deletedAt, CancellationToken cancellationToken) =>
        inner.MarkMissingDeletedAsync(stream, seenSince, deletedAt, cancellationToken);

    public ValueTask<long> CountLatestAsync(StreamId stream, CancellationToken cancellationToken) => inner.CountLatestAsync(stream, cancellationToken);

    private async IAsyncEnumerable<RawRecord> CountAsync(IAsyncEnumerable<RawRecord> records, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var record in records.WithCancellation(cancellationToken))
        {
            RecordsRead++;
            yield return record;
        }
    }
}
