using System.Diagnostics;

namespace Ingestion.Running.Internal;

/// <summary>
/// The state of one stream run while it goes: counters, issues, what stopped it and the last committed sync state.
/// Child-stream runs update it from several parents at once, so every change takes the lock.
/// </summary>
internal sealed class StreamRun
{
    private readonly object _gate = new();
    private readonly List<SyncIssue> _issues = [];
    private readonly List<string> _changedKeys = [];
    private readonly int _maxIssues;
    private int _unlistedIssues;

    public StreamRun(StreamPlan plan, SyncOptions options, bool fansOut, SyncState state, DateTimeOffset startedAt, long startTimestamp, int maxIssues, CancellationToken userCancellation)
    {
        Plan = plan;
        Options = options;
        FansOut = fansOut;
        State = state;
        StartedAt = startedAt;
        StartTimestamp = startTimestamp;
        UserCancellation = userCancellation;
        _maxIssues = maxIssues;
    }

    public Guid RunId { get; init; } = Guid.NewGuid();

    public StreamPlan Plan { get; }

    public StreamId Id => Plan.Id;

    public SourceDefinition Source => Plan.Source;

    public StreamDefinition Stream => Plan.Stream;

    public SyncOptions Options { get; }

    public bool DryRun => Options.DryRun;

    /// <summary>Whether the run fans out over parent records (a child stream): batches then carry no sync state.</summary>
    public bool FansOut { get; }

    /// <summary>Where a fan-out run gathers its parents' pages into batches; <see langword="null"/> for other runs and dry runs.</summary>
    public ChildWriteBuffer? ChildWrites { get; init; }

    /// <summary>The pages of a top-level stream not yet written; none for a fan-out, whose pages go to <see cref="ChildWrites"/>.</summary>
    public PageBatch? Batch { get; init; }

    public DateTimeOffset StartedAt { get; }

    public long StartTimestamp { get; }

    public CancellationToken UserCancellation { get; }

    public Activity? Activity { get; set; }

    /// <summary>The run's hold on its stream; <see langword="null"/> in a dry run or when the store has no <see cref="IStreamLeases"/>.</summary>
    public StreamLeaseKeeper? Lease { get; init; }


    /// <summary>The store could not be reached even after retrying: the run fails, whatever it committed before.</summary>
    public bool StoreUnavailable { get; private set; }

    private long _lastHeartbeatTicks;

    /// <summary>The stream's state as last committed (or, in a dry run, as it would be).</summary>
    public SyncState State { get; set; }

    /// <summary>The highest cursor value of the committed batches (child streams save it at the end).</summary>
    public string? MaxCursor { get; private set; }

    /// <summary>The watermark the first request was prepared with, after the overlap.</summary>
    public string? RequestWatermark { get; set; }

    public bool ResumedFromCheckpoint { get; set; }

    /// <summary>Whether the first request covers only part of the data set (a per-run filter; see <see cref="StreamRequestContext.MarkPartialView"/>).</summary>
    public bool PartialView { get; private set; }

    public string? BudgetCheckpoint { get; private set; }

    public int Requests { get; private set; }

    public int Pages { get; private set; }

    public long Fetched { get; private set; }

    public long New { get; private set; }

    public long Changed { get; private set; }

    public long Unchanged { get; private set; }

    public long Partial { get; private set; }

    /// <summary>Complete records committed (or, in a dry run, seen): the snapshot size.</summary>
    public long CompleteRecords { get; private set; }

    public bool HadFailedPage { get; private set; }

    public bool Unauthorized { get; private set; }

    public bool BudgetExhausted { get; private set; }

    public bool Cancelled { get; private set; }

    /// <summary>A batch could not be written, or the run was interrupted by an unexpected error.</summary>
    public bool StoreFailed { get; private set; }

    public bool ConfigurationFailed { get; private set; }

    /// <summary>Paging stopped at a guard (cycle, page or record bound) or ended suspiciously: the run did not see everything.</summary>
    public bool StoppedEarly { get; private set; }

    /// <summary>Whether the run saw the whole data set: the condition for the snapshot guard and soft deletes.</summary>
    public bool SawEverything =>
        !HadFailedPage && !BudgetExhausted && !Cancelled && !StoreFailed && !ConfigurationFailed && !StoppedEarly && !ResumedFromCheckpoint && !PartialView;

    public IReadOnlyList<string> ChangedKeys => _changedKeys;

    public void AddIssue(SyncIssue issue)
    {
        lock (_gate)
        {
            AddIssueLocked(issue);
        }
    }

    /// <summary>Counts a page and keeps its issues; a child stream's page issues name the parent record they concern.</summary>
    public void CountPage(FetchedPage page, string? parentKey = null)
    {
        lock (_gate)
        {
            Pages++;
            Requests += page.RequestCount;
            foreach (var issue in page.Issues)
            {
                AddIssueLocked(parentKey is not null && issue.Key is null
                    ? issue with { Key = parentKey, Message = $"Parent '{parentKey}': {issue.Message}" }
                    : issue);
                if (issue.Kind == IssueKind.SuspiciousTruncation)
                {
                    StoppedEarly = true;
                }
            }

            if (page.StopReason is PageStopReason.Cycle or PageStopReason.MaxPages or PageStopReason.MaxRecords or PageStopReason.UntrustedHost)
            {
                StoppedEarly = true;
            }
        }
    }

    public void CountFetched(int records)
    {
        lock (_gate)
        {
            Fetched += records;
        }
    }

    public void MarkFailedPage(FetchStatus status, IssueKind? interpretedKind = null)
    {
        lock (_gate)
        {
            HadFailedPage = true;
            Unauthorized |= status == FetchStatus.Unauthorized;

            // A failure the source's error interpreter calls a configuration error fails the run, like a 401 does.
            ConfigurationFailed |= interpretedKind == IssueKind.Configuration;
        }
    }

    public void MarkBudgetExhausted(string? checkpoint)
    {
        lock (_gate)
        {
            BudgetExhausted = true;
            BudgetCheckpoint ??= checkpoint;
        }
    }

    public void MarkStopped()
    {
        lock (_gate)
        {
            Cancelled |= UserCancellation.IsCancellationRequested;
        }
    }

    public void MarkStoreFailed(string message) => MarkInterrupted(IssueKind.StoreFailure, message);

    /// <summary>Whether a heartbeat is due at <paramref name="now"/>; claims it, so concurrent parents of a fan-out record one.</summary>
    public bool TryClaimHeartbeat(DateTimeOffset now, TimeSpan interval)
    {
        var last = Interlocked.Read(ref _lastHeartbeatTicks);
        var due = (last == 0 ? StartedAt.UtcTicks : last) + interval.Ticks;
        return now.UtcTicks >= due && Interlocked.CompareExchange(ref _lastHeartbeatTicks, now.UtcTicks, last) == last;
    }

    public void MarkStoreUnavailable(string message)
    {
        lock (_gate)
        {
            StoreUnavailable = true;
        }

        MarkInterrupted(IssueKind.StoreUnavailable, message);
    }

    /// <summary>Something other than a page failure stopped (part of) the run: a store failure or an unexpected error.</summary>
    public void MarkInterrupted(IssueKind kind, string message, string? key = null)
    {
        lock (_gate)
        {
            StoreFailed = true;
            AddIssueLocked(new SyncIssue(kind, message, key));
        }
    }

    public void MarkPartialView() => PartialView = true;

    public void MarkConfigurationFailed(string message)
    {
        lock (_gate)
        {
            ConfigurationFailed = true;
            AddIssueLocked(new SyncIssue(IssueKind.Configuration, message));
        }
    }

    /// <summary>Keeps the keys for the report, unless the caller takes them as they come (<see cref="SyncOptions.OnChangedKeys"/>).</summary>
    public void AddChangedKeys(IReadOnlyList<string> keys)
    {
        if (Options.OnChangedKeys is not null)
        {
            return;
        }

        lock (_gate)
        {
            _changedKeys.AddRange(keys);
        }
    }

    public void Commit(int @new, int changed, int unchanged, int partial, IReadOnlyList<string> changedKeys, IReadOnlyList<SyncIssue> issues, string? batchCursor, SyncState? state)
    {
        lock (_gate)
        {
            New += @new;
            Changed += changed;
            Unchanged += unchanged;
            Partial += partial;
            CompleteRecords += @new + changed + unchanged;
            if (Options.OnChangedKeys is null)
            {
                _changedKeys.AddRange(changedKeys);
            }

            foreach (var issue in issues)
            {
                AddIssueLocked(issue);
            }

            MaxCursor = Watermarks.Max(MaxCursor, batchCursor);
            if (state is not null)
            {
                State = state;
            }
        }
    }

    public SyncProgress Progress(TimeSpan elapsed)
    {
        lock (_gate)
        {
            return new SyncProgress(Id, Pages, Fetched, Requests, elapsed);
        }
    }

    public SyncReport ToReport(RunStatus status, DateTimeOffset? completedAt, bool guardTripped, long deleted, string? watermark)
    {
        lock (_gate)
        {
            var issues = new List<SyncIssue>(_issues);
            if (_unlistedIssues > 0)
            {
                issues.Add(new SyncIssue(IssueKind.Other, $"{_unlistedIssues} further issue(s) were not listed."));
            }

            return new SyncReport
            {
                RunId = RunId,
                Stream = Id,
                Status = status,
                StartedAt = StartedAt,
                CompletedAt = completedAt,
                DryRun = DryRun,
                Requests = Requests,
                Pages = Pages,
                RecordsFetched = Fetched,
                RecordsNew = New,
                RecordsChanged = Changed,
                RecordsUnchanged = Unchanged,
                RecordsPartial = Partial,
                RecordsDeleted = deleted,
                GuardTripped = guardTripped,
                Watermark = watermark,
                Issues = issues,
                ChangedKeys = status == RunStatus.Running ? [] : [.. _changedKeys],
            };
        }
    }

    public bool HasIssue(IssueKind kind)
    {
        lock (_gate)
        {
            return _issues.Exists(issue => issue.Kind == kind);
        }
    }

    private void AddIssueLocked(SyncIssue issue)
    {
        if (_issues.Count < _maxIssues)
        {
            _issues.Add(issue);
        }
        else
        {
            _unlistedIssues++;
        }
    }
}
