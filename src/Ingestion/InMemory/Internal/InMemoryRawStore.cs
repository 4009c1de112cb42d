using System.Runtime.CompilerServices;
using System.Text.Json;
using Ingestion.Storage.Internal;

namespace Ingestion.InMemory.Internal;

/// <summary>
/// The raw store in memory, with the PostgreSQL store's rules: per-key state (hash, latest version, verification, retry) kept
/// apart from the versions, so verifying an unchanged record touches only the key; a batch, its sync state and its run counts
/// are applied under one lock, after every check, so they land together or not at all. A batch that requires its run's lease
/// holds the leases still while it is applied.
/// </summary>
internal sealed partial class InMemoryRawStore(InMemoryStoreOptions options, InMemorySyncStateStore states, InMemoryRunLog runs, InMemoryStreamLeases leases) : IRawStore, IRetryLog
{
    private readonly Lock _gate = new();
    private readonly Dictionary<StreamId, Dictionary<string, KeyState>> _streams = [];
    private readonly Dictionary<(StreamId Stream, string Key), List<RetryAttempt>> _retryLog = [];

    public ContentHashAlgorithm HashAlgorithm => options.HashAlgorithm;

    public ValueTask<RawBatchResult> WriteBatchAsync(RawBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(batch.Records);
        ArgumentNullException.ThrowIfNull(batch.Stream.Source);
        ArgumentNullException.ThrowIfNull(batch.Stream.Stream);
        var records = batch.Records;
        RawBatchChecks.CheckKeys(records);

        // Everything that can fail happens before the lock: nothing of the batch is applied unless all of it is.
        var inspections = new Inspection[records.Count];
        for (var index = 0; index < records.Count; index++)
        {
            var record = records[index];
            var kind = PayloadInspector.Inspect(record.Payload.Span, options.MaxPayloadBytes, out var detail);
            var issue = RawBatchChecks.IssueFor(kind, detail, record.Key);
            inspections[index] = new Inspection(kind == PayloadKind.Json, issue);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var hasher = batch.Hasher ?? ContentHasher.Default;
        var at = batch.FetchedAt;
        var changedKeys = new List<string>();
        List<SyncIssue>? flagged = null;
        int created = 0, changed = 0, unchanged = 0, partial = 0;
        var fence = batch.RequiresLease ? leases : null;
        fence?.EnterFence(batch);
        try
        {
            lock (_gate)
            {
                var keys = Keys(batch.Stream, create: true)!;
                _fieldIndexes.Remove(batch.Stream);
                for (var index = 0; index < records.Count; index++)
                {
                    var record = records[index];
                    var inspection = inspections[index];
                    keys.TryGetValue(record.Key, out var key);
                    if (key is not null && !record.IsPartial && !key.LatestIsPartial && SameContent(key.Hash, record, hasher))
                    {
                        // A key hashed with another algorithm compared equal in that one: from now on it carries this batch's.
                        key.Hash = record.Hash;
                        key.LastVerifiedAt = at;
                        key.LastSeenAt = at;
                        key.DeletedAt = null;
                        if (key.RetryStatus == RetryStatus.Pending)
                        {
                            key.RetryStatus = RetryStatus.None;
                        }

                        unchanged++;
                        continue;
                    }

                    if (key is not null && record.IsPartial && RepeatsLastFailure(key, record))
                    {
                        // The same failure again: the stored partial record is verified, not versioned, so a source that fails the
                        // same way every run does not grow the store.
                        key.LastSeenAt = at;
                        if (key.LatestIsPartial)
                        {
                            key.LastVerifiedAt = at;
                            key.DeletedAt = null;
                        }

                        SetRetryStatus(key, record, at);
                        partial++;
                        continue;
                    }

                    if (inspection.Issue is { } issue)
                    {
                        (flagged ??= []).Add(issue);
                    }

                    if (record.IsPartial)
                    {
                        partial++;
                    }
                    else if (key is null)
                    {
                        created++;
                        changedKeys.Add(record.Key);
                    }
                    else
                    {
                        changed++;
                        changedKeys.Add(record.Key);
                    }

                    var retryStatus = !record.IsPartial ? RetryStatus.None : record.IsRetryable ? RetryStatus.Pending : RetryStatus.Failed;
                    if (key is null)
                    {
                        key = new KeyState
                        {
                            Hash = record.Hash,
                            LatestVersion = 1,
                            LatestIsPartial = record.IsPartial,
                            FirstSeenAt = at,
                            LastSeenAt = at,
                            LastVerifiedAt = at,
                            RetryStatus = retryStatus,
                            NextRetryAt = retryStatus == RetryStatus.Pending ? at : null,
                        };
                        SetFailure(key, record);
                        key.Versions.Add(NewVersion(batch, record, inspection, version: 1, isLatest: true));
                        keys.Add(record.Key, key);
                        continue;
                    }

                    // A partial record never hides good data: behind a complete latest version it is kept, not made latest.
                    var version = key.MaxVersion + 1;
                    var becomesLatest = !record.IsPartial || key.LatestIsPartial;
                    if (becomesLatest)
                    {
                        var previous = key.Latest;
                        previous.IsLatest = false;
                        previous.SupersededVerifiedAt = key.LastVerifiedAt;
                        key.Hash = record.Hash;
                        key.LatestVersion = version;
                        key.LatestIsPartial = record.IsPartial;
                        key.LastVerifiedAt = at;
                        key.DeletedAt = null;
                    }

                    var stored = NewVersion(batch, record, inspection, version, becomesLatest);
                    if (!becomesLatest)
                    {
                        // Never the latest: its verification time is its fetch time.
                        stored.SupersededVerifiedAt = at;
                    }

                    key.Versions.Add(stored);
                    key.LastSeenAt = at;
                    SetRetryStatus(key, record, at);
                }

                if (batch.State is { } state)
                {
                    states.Save(state with { Stream = batch.Stream });
                }

                runs.AddBatchCounts(batch.RunId, created, changed, unchanged, partial);
            }
        }
        finally
        {
            fence?.ExitFence();
        }

        return ValueTask.FromResult(new RawBatchResult
        {
            New = created,
            Changed = changed,
            Unchanged = unchanged,
            Partial = partial,
            ChangedKeys = changedKeys,
            Issues = flagged ?? (IReadOnlyList<SyncIssue>)[],
        });
    }

    // A stored hash made with another algorithm is compared with the record hashed in that algorithm.
    private static bool SameContent(ContentHash stored, RawRecordWrite record, ContentHasher hasher) =>
        stored == record.Hash
        || (stored.Algorithm != record.Hash.Algorithm && hasher.WithAlgorithm(stored.Algorithm).Compute(record.Payload.Span) == stored);

    // A failure is the same as the key's last one when its message, status and content are, and that failure is still the key's
    // newest version (the latest, or a partial kept behind good data).
    private static bool RepeatsLastFailure(KeyState key, RawRecordWrite record) =>
        key.ErrorMessage is not null
        && string.Equals(key.ErrorMessage, record.ErrorMessage, StringComparison.Ordinal)
        && key.HttpStatusCode == record.HttpStatusCode
        && (key.LatestIsPartial ? key.Hash == record.Hash : key.MaxVersion > key.LatestVersion && key.Versions[^1].Hash == record.Hash);

    private static void SetRetryStatus(KeyState key, RawRecordWrite record, DateTimeOffset at)
    {
        var retryStatus = !record.IsPartial ? RetryStatus.None : record.IsRetryable ? RetryStatus.Pending : RetryStatus.Failed;
        var stillPending = retryStatus == RetryStatus.Pending && key.RetryStatus == RetryStatus.Pending;
        if (!stillPending)
        {
            key.RetryCount = retryStatus == RetryStatus.Pending ? 0 : key.RetryCount;
            key.NextRetryAt = retryStatus == RetryStatus.Pending ? at : null;
        }

        key.RetryStatus = retryStatus;
        SetFailure(key, record);
    }

    private static void SetFailure(KeyState key, RawRecordWrite record)
    {
        key.RetryRequest = record.IsPartial ? record.RetryRequest : null;
        key.ErrorMessage = record.IsPartial ? record.ErrorMessage : null;
        key.HttpStatusCode = record.IsPartial ? record.HttpStatusCode : null;
    }

    private static StoredVersion NewVersion(RawBatch batch, RawRecordWrite record, Inspection inspection, int version, bool isLatest)
    {
        IReadOnlyList<SyncIssue> issues = inspection.Issue is { } issue ? [.. record.Issues, issue] : [.. record.Issues];
        return new StoredVersion
        {
            Version = version,
            IsLatest = isLatest,
            Payload = record.Payload.ToArray(),
            IsJson = inspection.IsJson,
            Hash = record.Hash,
            FetchedAt = batch.FetchedAt,
            RunId = batch.RunId,
            IsPartial = record.IsPartial,
            Issues = issues,
            HttpStatusCode = record.HttpStatusCode,
            ErrorMessage = record.ErrorMessage,
        };
    }

    public ValueTask<RawRecord?> GetLatestAsync(StreamId stream, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(Keys(stream, create: false) is { } keys && keys.TryGetValue(key, out var state)
                ? ToRecord(stream, key, state, state.Latest)
                : null);
        }
    }

    public IAsyncEnumerable<RawRecord> GetHistoryAsync(StreamId stream, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        List<RawRecord> history;
        lock (_gate)
        {
            history = Keys(stream, create: false) is { } keys && keys.TryGetValue(key, out var state)
                ? state.Versions.ConvertAll(version => ToRecord(stream, key, state, version))
                : [];
        }

        return Yield(history, cancellationToken);
    }

    public IAsyncEnumerable<RawRecord> GetChangedSinceAsync(StreamId stream, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var changed = new List<RawRecord>();
        lock (_gate)
        {
            if (Keys(stream, create: false) is { } keys)
            {
                foreach (var (key, state) in keys)
                {
                    var version = state.Latest;
                    if (version.FetchedAt > since)
                    {
                        changed.Add(ToRecord(stream, key, state, version));
                    }
                }
            }
        }

        changed.Sort(static (left, right) =>
        {
            var order = left.FetchedAt.CompareTo(right.FetchedAt);
            return order != 0 ? order : string.CompareOrdinal(left.Key, right.Key);
        });
        return Yield(changed, cancellationToken);
    }

    public ValueTask<int> MarkMissingDeletedAsync(StreamId stream, DateTimeOffset seenSince, DateTimeOffset deletedAt, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var count = 0;
        lock (_gate)
        {
            if (Keys(stream, create: false) is { } keys)
            {
                foreach (var state in keys.Values)
                {
                    if (state.DeletedAt is null && state.LastSeenAt < seenSince)
                    {
                        state.DeletedAt = deletedAt;
                        count++;
                    }
                }
            }
        }

        return ValueTask.FromResult(count);
    }

    public ValueTask<IReadOnlyList<string>> ResolveMissingPartialsAsync(StreamId stream, DateTimeOffset seenSince, DateTimeOffset resolvedAt, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var resolved = new List<string>();
        lock (_gate)
        {
            if (Keys(stream, create: false) is { } keys)
            {
                foreach (var (key, state) in keys)
                {
                    if (state.DeletedAt is null && state.LatestIsPartial && state.LastSeenAt < seenSince)
                    {
                        state.DeletedAt = resolvedAt;
                        state.RetryStatus = RetryStatus.Resolved;
                        state.NextRetryAt = null;
                        resolved.Add(key);
                    }
                }
            }
        }

        return ValueTask.FromResult<IReadOnlyList<string>>(resolved);
    }

    public ValueTask<long> CountLatestAsync(StreamId stream, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(Keys(stream, create: false) is { } keys
                ? keys.Values.LongCount(state => state.DeletedAt is null && !state.LatestIsPartial)
                : 0L);
        }
    }
}
