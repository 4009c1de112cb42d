using System.Runtime.CompilerServices;

namespace Ingestion.Tests.Running;

/// <summary>
/// Minimal stores with the raw-store rules the runner relies on (dedup by hash, versions, partial records never hide
/// good data, batch and state together), plus a hook that makes a chosen batch fail.
/// </summary>
internal sealed class InTestStores : IRawStore, ISyncStateStore, IRunLog, IHealthStore
{
    private readonly object _gate = new();
    private readonly Dictionary<(StreamId, string), List<RawRecord>> _records = [];
    private readonly Dictionary<StreamId, SyncState> _states = [];
    private readonly Dictionary<Guid, SyncReport> _runs = [];
    private readonly Dictionary<StreamId, StreamHealth> _health = [];
    private int _batches;

    /// <summary>Makes the n-th batch (1-based, counted over all streams) throw before anything is committed.</summary>
    public int? FailBatchNumber { get; set; }

    public int BatchCount => _batches;

    /// <summary>Makes every batch that requires its run's lease fail as a store does when another run took the stream.</summary>
    public bool StreamTakenByAnotherRun { get; set; }

    /// <summary>The number of records of each batch written, failed ones included, in order.</summary>
    public List<int> BatchSizes { get; } = [];

    public int RecordVersionCount { get { lock (_gate) { return _records.Values.Sum(v => v.Count); } } }

    public int StateSaves { get; private set; }

    public ValueTask<RawBatchResult> WriteBatchAsync(RawBatch batch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            _batches++;
            BatchSizes.Add(batch.Records.Count);
            if (StreamTakenByAnotherRun && batch.RequiresLease)
            {
                throw new StreamLeaseLostException($"Run {batch.RunId} no longer holds the lease of stream {batch.Stream}.");
            }

            if (_batches == FailBatchNumber)
            {
                throw new InvalidOperationException("The database connection was lost.");
            }

            int @new = 0, changed = 0, unchanged = 0, partial = 0;
            var changedKeys = new List<string>();
            foreach (var write in batch.Records)
            {
                var versions = Versions(batch.Stream, write.Key);
                var latest = versions.LastOrDefault(v => v.IsLatest);
                var record = new RawRecord
                {
                    Stream = batch.Stream,
                    Key = write.Key,
                    Version = versions.Count + 1,
                    IsLatest = true,
                    Payload = write.Payload.ToArray(),
                    Hash = write.Hash,
                    FirstSeenAt = versions.Count == 0 ? batch.FetchedAt : versions[0].FirstSeenAt,
                    FetchedAt = batch.FetchedAt,
                    LastVerifiedAt = batch.FetchedAt,
                    IsPartial = write.IsPartial,
                    Issues = write.Issues,
                    HttpStatusCode = write.HttpStatusCode,
                    ErrorMessage = write.ErrorMessage,
                    RunId = batch.RunId,
                };

                if (write.IsPartial)
                {
                    partial++;
                    if (latest is not null && !latest.IsPartial)
                    {
                        versions.Add(Copy(record, isLatest: false));
                        continue;
                    }
                }
                else if (latest is not null && !latest.IsPartial && latest.DeletedAt is null && latest.Hash == write.Hash)
                {
                    unchanged++;
                    versions[versions.IndexOf(latest)] = Copy(latest, isLatest: true, lastVerifiedAt: batch.FetchedAt);
                    continue;
                }
                else if (latest is null || latest.IsPartial && versions.All(v => v.IsPartial))
                {
                    @new++;
                    changedKeys.Add(write.Key);
                }
                else
                {
                    changed++;
                    changedKeys.Add(write.Key);
                }

                if (latest is not null)
                {
                    versions[versions.IndexOf(latest)] = Copy(latest, isLatest: false);
                }

                versions.Add(record);
            }

            if (batch.State is { } state)
            {
                _states[state.Stream] = state;
            }

            return ValueTask.FromResult(new RawBatchResult { New = @new, Changed = changed, Unchanged = unchanged, Partial = partial, ChangedKeys = changedKeys });
        }
    }

    public ValueTask<RawRecord?> GetLatestAsync(StreamId stream, string key, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_records.TryGetValue((stream, key), out var versions) ? versions.LastOrDefault(v => v.IsLatest) : null);
        }
    }

    public async IAsyncEnumerable<RawRecord> GetHistoryAsync(StreamId stream, string key, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        List<RawRecord> copy;
        lock (_gate)
        {
            copy = _records.TryGetValue((stream, key), out var versions) ? [.. versions] : [];
        }

        foreach (var record in copy)
        {
            await Task.Yield();
            yield return record;
        }
    }

    public async IAsyncEnumerable<RawRecord> QueryLatestAsync(StreamId stream, RawRecordQuery? query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        List<RawRecord> latest;
        lock (_gate)
        {
            latest = [.. _records.Where(e => e.Key.Item1 == stream).Select(e => e.Value.Last(v => v.IsLatest))
                .Where(r => query?.IncludeDeleted == true || r.DeletedAt is null).OrderBy(r => r.Key, StringComparer.Ordinal)];
        }

        foreach (var record in latest)
        {
            await Task.Yield();
            yield return record;
        }
    }

    public IAsyncEnumerable<RawRecord> GetChangedSinceAsync(StreamId stream, DateTimeOffset since, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask<int> MarkMissingDeletedAsync(StreamId stream, DateTimeOffset seenSince, DateTimeOffset deletedAt, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var count = 0;
            foreach (var ((id, _), versions) in _records)
            {
                var index = versions.FindIndex(v => v.IsLatest);
                var latest = versions[index];
                if (id == stream && !latest.IsPartial && latest.DeletedAt is null && latest.LastVerifiedAt < seenSince)
                {
                    versions[index] = Copy(latest, isLatest: true, deletedAt: deletedAt);
                    count++;
                }
            }

            return ValueTask.FromResult(count);
        }
    }

    public ValueTask<long> CountLatestAsync(StreamId stream, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult((long)_records.Where(e => e.Key.Item1 == stream).Select(e => e.Value.Last(v => v.IsLatest)).Count(r => !r.IsPartial && r.DeletedAt is null));
        }
    }

    ValueTask<SyncState?> ISyncStateStore.GetAsync(StreamId stream, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_states.GetValueOrDefault(stream));
        }
    }

    public ValueTask SaveAsync(SyncState state, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            StateSaves++;
            _states[state.Stream] = state;
            return ValueTask.CompletedTask;
        }
    }

    public ValueTask SaveAsync(SyncReport report, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _runs[report.RunId] = report;
            return ValueTask.CompletedTask;
        }
    }

    ValueTask<SyncReport?> IRunLog.GetAsync(Guid runId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_runs.GetValueOrDefault(runId));
        }
    }

    public ValueTask<IReadOnlyList<SyncReport>> GetRecentAsync(StreamId? stream, int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<SyncReport>>([.. _runs.Values.Where(r => stream is null || r.Stream == stream).OrderByDescending(r => r.StartedAt).Take(limit)]);
        }
    }

    ValueTask<StreamHealth?> IHealthStore.GetAsync(StreamId stream, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_health.GetValueOrDefault(stream));
        }
    }

    public ValueTask<IReadOnlyList<StreamHealth>> GetAllAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<StreamHealth>>([.. _health.Values]);
        }
    }

    public ValueTask SaveAsync(StreamHealth health, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _health[health.Stream] = health;
            return ValueTask.CompletedTask;
        }
    }

    public int RunCount { get { lock (_gate) { return _runs.Count; } } }

    public int HealthCount { get { lock (_gate) { return _health.Count; } } }

    private List<RawRecord> Versions(StreamId stream, string key)
    {
        if (!_records.TryGetValue((stream, key), out var versions))
        {
            versions = [];
            _records[(stream, key)] = versions;
        }

        return versions;
    }

    private static RawRecord Copy(RawRecord r, bool isLatest, DateTimeOffset? lastVerifiedAt = null, DateTimeOffset? deletedAt = null) => new()
    {
        Stream = r.Stream, Key = r.Key, Version = r.Version, IsLatest = isLatest, Payload = r.Payload, Hash = r.Hash,
        FirstSeenAt = r.FirstSeenAt, FetchedAt = r.FetchedAt, LastVerifiedAt = lastVerifiedAt ?? r.LastVerifiedAt,
        DeletedAt = deletedAt ?? r.DeletedAt, IsPartial = r.IsPartial, Issues = r.Issues, HttpStatusCode = r.HttpStatusCode,
        ErrorMessage = r.ErrorMessage, RunId = r.RunId,
    };
}
