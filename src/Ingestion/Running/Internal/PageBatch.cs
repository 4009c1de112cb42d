namespace Ingestion.Running.Internal;

/// <summary>
/// Gathers the pages of a stream's request chain into one store transaction. A transaction a page makes a fast API wait on
/// the store's commit for every 100 records; one for many pages writes the same records in a fraction of the time. A batch
/// is written once it holds <see cref="SyncRunnerOptions.BatchRecords"/> records or about 16 MiB of payloads, once
/// <see cref="SyncRunnerOptions.BatchDelay"/> has passed since the chain last wrote (so a slow API still commits page by
/// page), before a page that repeats one of its keys, and when the chain ends, however it ends. It carries the state of its
/// last page: a run that stops before a batch is written resumes from the batch before it and fetches those pages again.
/// </summary>
internal sealed class PageBatch(int maxRecords, TimeSpan maxDelay, TimeProvider time)
{
    // Payloads are kept whole: a batch of large records is written before it holds this much.
    private const long MaxBytes = 16L * 1024 * 1024;

    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private List<RawRecordWrite> _writes = [];
    private long _bytes;
    private long _lastWritten = time.GetTimestamp();

    /// <summary>Whether no page waits to be written.</summary>
    public bool IsEmpty => Pages == 0;

    /// <summary>How many pages the batch holds (a page without records counts: its state is due).</summary>
    public int Pages { get; private set; }

    /// <summary>The number of the batch's first page.</summary>
    public int FirstPage { get; private set; }

    /// <summary>The number of the batch's last page.</summary>
    public int LastPage { get; private set; }

    /// <summary>The highest cursor value of the batch's records.</summary>
    public string? Cursor { get; private set; }

    /// <summary>Where the next run resumes once the batch is written: its last page's checkpoint.</summary>
    public string? Checkpoint { get; private set; }

    /// <summary>The parent records the batch holds, handed to child streams once it is written.</summary>
    public List<(ChildStreamPlan Child, ParentValues Parent)>? Parents { get; private set; }

    /// <summary>Whether a page with these writes must wait for the batch to be written first: the store takes a key once a batch.</summary>
    public bool Repeats(List<RawRecordWrite> writes) => writes.Exists(write => _keys.Contains(write.Key));

    /// <summary>
    /// Adds a page. Returns <see langword="true"/> when the batch is due now; otherwise the page's payloads were copied out of
    /// its response buffer, which the fetcher reuses for the next page.
    /// </summary>
    public bool Add(int pageNumber, List<RawRecordWrite> writes, string? cursor, string? checkpoint, List<(ChildStreamPlan, ParentValues)>? parents)
    {
        if (Pages++ == 0)
        {
            FirstPage = pageNumber;
        }

        LastPage = pageNumber;
        Cursor = Watermarks.Max(Cursor, cursor);
        Checkpoint = checkpoint;
        if (parents is not null)
        {
            (Parents ??= []).AddRange(parents);
        }

        foreach (var write in writes)
        {
            _keys.Add(write.Key);
            _bytes += write.Payload.Length;
        }

        var due = _writes.Count + writes.Count >= maxRecords || _bytes >= MaxBytes || time.GetElapsedTime(_lastWritten) >= maxDelay;
        _writes.AddRange(due ? writes : Detach(writes));
        return due;
    }

    /// <summary>Takes the batch's records and starts the next batch.</summary>
    public List<RawRecordWrite> Take()
    {
        var writes = _writes;
        _writes = [];
        _keys.Clear();
        _bytes = 0;
        _lastWritten = time.GetTimestamp();
        Pages = 0;
        Cursor = null;
        Checkpoint = null;
        Parents = null;
        return writes;
    }

    /// <summary>Moves the payloads of writes kept past their page into one array of their own.</summary>
    public static IEnumerable<RawRecordWrite> Detach(List<RawRecordWrite> writes)
    {
        var copy = new byte[writes.Sum(write => write.Payload.Length)];
        var offset = 0;
        foreach (var write in writes)
        {
            var payload = copy.AsMemory(offset, write.Payload.Length);
            write.Payload.CopyTo(payload);
            offset += payload.Length;
            yield return new RawRecordWrite
            {
                Key = write.Key,
                Payload = payload,
                Hash = write.Hash,
                IsPartial = write.IsPartial,
                Issues = write.Issues,
                HttpStatusCode = write.HttpStatusCode,
                ErrorMessage = write.ErrorMessage,
                IsRetryable = write.IsRetryable,
                RetryRequest = write.RetryRequest,
            };
        }
    }
}
