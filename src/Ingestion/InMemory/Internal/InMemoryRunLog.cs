namespace Ingestion.InMemory.Internal;

/// <summary>The run log in memory: one report per run, overwritten by the run's later saves; batches add their counts to it.</summary>
internal sealed class InMemoryRunLog : IRunLog
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, SyncReport> _runs = [];

    public ValueTask SaveAsync(SyncReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            // The changed keys are for derivation and are not kept, as in the PostgreSQL run log.
            _runs[report.RunId] = report with { ChangedKeys = [], Issues = [.. report.Issues] };
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<SyncReport?> GetAsync(Guid runId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(_runs.GetValueOrDefault(runId));
        }
    }

    public ValueTask<IReadOnlyList<SyncReport>> GetRecentAsync(StreamId? stream, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        cancellationToken.ThrowIfCancellationRequested();
        List<SyncReport> reports;
        lock (_gate)
        {
            reports = stream is { } only ? [.. _runs.Values.Where(report => report.Stream == only)] : [.. _runs.Values];
        }

        reports.Sort(static (left, right) =>
        {
            var order = right.StartedAt.CompareTo(left.StartedAt);
            return order != 0 ? order : left.RunId.CompareTo(right.RunId);
        });
        return ValueTask.FromResult<IReadOnlyList<SyncReport>>(reports.Count > limit ? reports[..limit] : reports);
    }

    /// <summary>Adds a committed batch's counts to its run, when the run is logged.</summary>
    public void AddBatchCounts(Guid runId, int created, int changed, int unchanged, int partial)
    {
        lock (_gate)
        {
            if (_runs.TryGetValue(runId, out var report))
            {
                _runs[runId] = report with
                {
                    RecordsNew = report.RecordsNew + created,
                    RecordsChanged = report.RecordsChanged + changed,
                    RecordsUnchanged = report.RecordsUnchanged + unchanged,
                    RecordsPartial = report.RecordsPartial + partial,
                };
            }
        }
    }

    /// <summary>Removes (or counts) the finished runs that started before <paramref name="before"/>.</summary>
    public long RemoveFinishedBefore(DateTimeOffset before, bool dryRun)
    {
        lock (_gate)
        {
            var old = _runs.Where(run => run.Value.CompletedAt is not null && run.Value.StartedAt < before).Select(run => run.Key).ToList();
            if (!dryRun)
            {
                old.ForEach(runId => _runs.Remove(runId));
            }

            return old.Count;
        }
    }
}
