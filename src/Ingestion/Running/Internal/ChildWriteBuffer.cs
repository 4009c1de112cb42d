namespace Ingestion.Running.Internal;

/// <summary>
/// Gathers the pages that the parents of a fan-out run fetch concurrently and hands them back as batches of a useful
/// size. One store transaction per parent would make the parents queue for the stream's locks one small batch at a
/// time; one per batch keeps the requests concurrent and the writes few. A batch never holds a key twice, so the
/// store sees the same history it would have seen parent by parent.
/// </summary>
internal sealed class ChildWriteBuffer(int batchRecords)
{
    private readonly object _gate = new();
    private List<RawRecordWrite> _writes = [];
    private HashSet<string> _keys = new(StringComparer.Ordinal);
    private string? _cursor;

    /// <summary>Adds one parent's page; returns a batch to write now when the buffer filled (or already held one of its keys).</summary>
    public PendingBatch? Add(List<RawRecordWrite> writes, string? cursor)
    {
        lock (_gate)
        {
            PendingBatch? ready = null;
            if (writes.Exists(write => _keys.Contains(write.Key)))
            {
                ready = TakeLocked();
            }

            // A buffered page outlives its response buffer, which the fetcher reuses for the next page.
            _writes.AddRange(PageBatch.Detach(writes));
            foreach (var write in writes)
            {
                _keys.Add(write.Key);
            }

            _cursor = Watermarks.Max(_cursor, cursor);
            if (ready is null && _writes.Count >= batchRecords)
            {
                ready = TakeLocked();
            }

            return ready;
        }
    }

    /// <summary>Takes what is left at the end of the run.</summary>
    public PendingBatch? TakeRest()
    {
        lock (_gate)
        {
            return TakeLocked();
        }
    }

    private PendingBatch? TakeLocked()
    {
        if (_writes.Count == 0)
        {
            return null;
        }

        var batch = new PendingBatch(_writes, _cursor);
        _writes = [];
        _keys = new HashSet<string>(StringComparer.Ordinal);
        _cursor = null;
        return batch;
    }
}

/// <summary>Records ready to be written together, with the highest cursor value among them.</summary>
internal sealed record PendingBatch(List<RawRecordWrite> Writes, string? Cursor);
