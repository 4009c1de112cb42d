using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Ingestion.Queue.Internal;
using Ingestion.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Ingestion.Running.Internal;

/// <summary>
/// Runs stream syncs: first request (placeholders, watermark with overlap, paginator, <see cref="StreamDefinition.PrepareRequest"/>)
/// or the stored checkpoint → fetcher pages → hashed record batches written with the new sync state → snapshot guard,
/// run log and health. Child streams fan out over the parent records with bounded concurrency.
/// </summary>
internal sealed partial class SyncRunner : ISyncRunner
{
    private static readonly SyncOptions DefaultOptions = new();

    private readonly ISourceCatalog _catalog;
    private readonly IFetcher _fetcher;
    private readonly IRawStore _rawStore;
    private readonly ISyncStateStore _stateStore;
    private readonly IRunLog _runLog;
    private readonly IHealthStore _healthStore;
    private readonly TimeProvider _time;
    private readonly SyncRunnerOptions _options;
    private readonly IJobQueue? _jobQueue;
    private readonly ILogger _logger;
    private readonly RunLiveness _liveness;
    private readonly IStreamLeases? _leases;
    // Weak keys: a source replaced at run time gets new stream definitions, and the plans of the old ones go with them.
    private readonly ConditionalWeakTable<StreamDefinition, StreamPlan> _plans = new();

    public SyncRunner(
        ISourceCatalog catalog,
        IFetcher fetcher,
        IRawStore rawStore,
        ISyncStateStore stateStore,
        IRunLog runLog,
        IHealthStore healthStore,
        TimeProvider time,
        IOptions<SyncRunnerOptions> options,
        ILoggerFactory? loggerFactory = null,
        IJobQueue? jobQueue = null,
        IStreamLeases? streamLeases = null)
    {
        _catalog = catalog;
        _fetcher = fetcher;
        _rawStore = rawStore;
        _stateStore = stateStore;
        _runLog = runLog;
        _healthStore = healthStore;
        _time = time;
        _options = options.Value;
        _jobQueue = jobQueue;
        _leases = streamLeases;
        _logger = (ILogger?)loggerFactory?.CreateLogger<SyncRunner>() ?? NullLogger.Instance;
        _liveness = new RunLiveness(runLog, healthStore, rawStore, time, options, loggerFactory);
    }

    public async Task<IReadOnlyList<SyncReport>> SyncStreamAsync(string source, string stream, SyncOptions? options, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(stream);
        var definition = FindSource(source);
        var streamDefinition = definition.FindStream(stream)
            ?? throw new ArgumentException($"Source '{source}' has no stream '{stream}'. Its streams: {string.Join(", ", definition.Streams.Select(s => s.Name))}.", nameof(stream));
        options = EffectiveOptions(options ?? DefaultOptions, definition);

        var reports = new List<SyncReport>();
        var plan = PlanFor(definition, streamDefinition);
        if (plan.AsChild is { } asChild)
        {
            // A child stream synced on its own fans out over the parent's stored records.
            var parents = await LoadStoredParentsAsync(plan, asChild, cancellationToken).ConfigureAwait(false);
            await RunTreeAsync(plan, parents, parentsComplete: true, options, reports, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await RunTreeAsync(plan, parents: null, parentsComplete: true, options, reports, cancellationToken).ConfigureAwait(false);
        }

        return reports;
    }

    public async Task<IReadOnlyList<SyncReport>> SyncSourceAsync(string source, SyncOptions? options, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        var definition = FindSource(source);
        options = EffectiveOptions(options ?? DefaultOptions, definition);

        var reports = new List<SyncReport>();
        foreach (var stream in definition.Streams)
        {
            if (stream.Parent is not null)
            {
                continue;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            await RunTreeAsync(PlanFor(definition, stream), parents: null, parentsComplete: true, options, reports, cancellationToken).ConfigureAwait(false);
        }

        return reports;
    }

    // A source configured as dry run never writes, whatever the caller asked for.
    private static SyncOptions EffectiveOptions(SyncOptions options, SourceDefinition source) =>
        source.DryRun && !options.DryRun
            ? new SyncOptions
            {
                DryRun = true,
                Progress = options.Progress,
                WatermarkOverride = options.WatermarkOverride,
                IgnoreCheckpoint = options.IgnoreCheckpoint,
                Parameters = options.Parameters,
                IncludeChildren = options.IncludeChildren,
            }
            : options;

    private SourceDefinition FindSource(string source) =>
        _catalog.Find(source)
        ?? throw new ArgumentException($"Source '{source}' is not registered. Registered sources: {string.Join(", ", _catalog.Sources.Select(s => s.Name))}.", nameof(source));

    private StreamPlan PlanFor(SourceDefinition source, StreamDefinition stream) =>
        _plans.GetOrAdd(stream, static (s, state) => new StreamPlan(state.Source, s, state.Algorithm), (Source: source, Algorithm: _rawStore.HashAlgorithm));

    // Runs one stream, then each child stream over the parent records this run committed. A stream that fails
    // unexpectedly is reported as failed; it never stops its siblings.
    private async Task RunTreeAsync(StreamPlan plan, IReadOnlyList<ParentValues>? parents, bool parentsComplete, SyncOptions options, List<SyncReport> reports, CancellationToken cancellationToken)
    {
        var collector = options.IncludeChildren && plan.Children.Count > 0 ? new ParentCollector(plan.Children) : null;
        SyncReport report;
        bool sawEverything;
        try
        {
            (report, sawEverything) = parents is null
                ? await RunStreamAsync(plan, collector, options, cancellationToken).ConfigureAwait(false)
                : await RunFanOutAsync(plan, parents, parentsComplete, collector, options, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            var now = _time.GetUtcNow();
            reports.Add(new SyncReport { RunId = Guid.NewGuid(), Stream = plan.Id, Status = RunStatus.Cancelled, StartedAt = now, CompletedAt = now, DryRun = options.DryRun, Issues = [new SyncIssue(IssueKind.Cancelled, "The run was cancelled.")] });
            return;
        }
#pragma warning disable CA1031 // A broken stream (a store that is down, a bug) must not stop the other streams: it is reported as failed.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            SyncRunnerLog.RunCrashed(_logger, exception, plan.Source.Name, plan.Stream.Name);
            var now = _time.GetUtcNow();
            reports.Add(new SyncReport
            {
                RunId = Guid.NewGuid(),
                Stream = plan.Id,
                Status = RunStatus.Failed,
                StartedAt = now,
                CompletedAt = now,
                DryRun = options.DryRun,
                Issues = [StoreOutage.IsUnavailable(exception)
                    ? new SyncIssue(IssueKind.StoreUnavailable, $"The store could not be reached: {Unexpected(exception)}")
                    : new SyncIssue(IssueKind.Other, Unexpected(exception))],
            });
            return;
        }

        reports.Add(report);
        if (collector is null || report.Status is RunStatus.Failed or RunStatus.Cancelled or RunStatus.Skipped)
        {
            return;
        }

        foreach (var child in collector.Children)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            var childPlan = PlanFor(plan.Source, child.Stream);
            await RunTreeAsync(childPlan, collector.ParentsFor(child), sawEverything, options, reports, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(SyncReport Report, bool SawEverything)> RunStreamAsync(StreamPlan plan, ParentCollector? collector, SyncOptions options, CancellationToken cancellationToken)
    {
        var (run, skipped) = await StartRunAsync(plan, options, fansOut: false, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            return (skipped!, false);
        }

        await using var lease = run.Lease;
        try
        {
            try
            {
                if (PrepareFirstRequest(run) is { } first)
                {
                    await FetchAsync(run, first, parent: null, collector, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                // What the run fetched is written even when it stopped early (so not with its token): it is data the vendor
                // already sent.
                if (run.Batch is { IsEmpty: false } batch)
                {
                    await WriteBatchAsync(run, batch, collector, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            run.MarkStopped();
        }
#pragma warning disable CA1031 // The run ends as failed or partial with the error as an issue; committed batches stay.
        catch (Exception exception) when (exception is not OperationCanceledException)
#pragma warning restore CA1031
        {
            SyncRunnerLog.RunCrashed(_logger, exception, plan.Source.Name, plan.Stream.Name);
            if (StoreOutage.IsUnavailable(exception))
            {
                run.MarkStoreUnavailable($"The store could not be reached: {Unexpected(exception)}");
            }
            else
            {
                run.MarkInterrupted(IssueKind.Other, Unexpected(exception));
            }
        }

        return await FinishRunAsync(run, parentsComplete: true).ConfigureAwait(false);
    }

    private async Task<(SyncReport Report, bool SawEverything)> RunFanOutAsync(StreamPlan plan, IReadOnlyList<ParentValues> parents, bool parentsComplete, ParentCollector? collector, SyncOptions options, CancellationToken cancellationToken)
    {
        var (run, skipped) = await StartRunAsync(plan, options, fansOut: true, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            return (skipped!, false);
        }

        await using var lease = run.Lease;
        var childPlan = plan.AsChild!;

        // Stops the other parents when the budget runs out or the store fails; the caller's token means cancellation.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = plan.Stream.MaxConcurrency, CancellationToken = stop.Token };
        try
        {
            await Parallel.ForEachAsync(parents, parallel, async (parent, token) =>
            {
                if (childPlan.DescribeMissing(parent) is { } missing)
                {
                    var write = PartialWrite(plan, parent.Key, IssueKind.MissingKey, missing, httpStatusCode: null, retryable: false, retryRequest: null);
                    if (!await WriteAsync(run, pages: default, [write], state: null, pendingParents: null, batchCursor: null, collector: null, token).ConfigureAwait(false))
                    {
                        await stop.CancelAsync().ConfigureAwait(false);
                    }

                    return;
                }

                try
                {
                    var first = PrepareRequest(run, placeholder => childPlan.ValueOf(parent, placeholder), parent.Key);
                    if (!await FetchAsync(run, first, parent.Key, collector, token).ConfigureAwait(false))
                    {
                        await stop.CancelAsync().ConfigureAwait(false);
                    }
                }
#pragma warning disable CA1031 // One parent's unexpected error is that parent's issue; the other parents go on.
                catch (Exception exception) when (exception is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    SyncRunnerLog.RunCrashed(_logger, exception, plan.Source.Name, plan.Stream.Name);
                    run.MarkInterrupted(IssueKind.Other, $"Parent '{parent.Key}': {Unexpected(exception)}", parent.Key);
                }
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            run.MarkStopped();
        }

        // What the parents fetched is written even when the run stopped early: it is data the vendor already sent.
        if (run.ChildWrites?.TakeRest() is { } rest)
        {
            await WriteAsync(run, pages: default, rest.Writes, state: null, pendingParents: null, rest.Cursor, collector: null, CancellationToken.None, buffered: true).ConfigureAwait(false);
        }

        return await FinishRunAsync(run, parentsComplete).ConfigureAwait(false);
    }

    // Returns the run, or (when another run holds the stream) no run and the report that says so. The lease comes first, so
    // the state the run starts from is the one the previous holder left.
    private async Task<(StreamRun? Run, SyncReport? Skipped)> StartRunAsync(StreamPlan plan, SyncOptions options, bool fansOut, CancellationToken cancellationToken)
    {
        var runId = Guid.NewGuid();
        StreamLeaseKeeper? lease = null;
        if (!options.DryRun && _leases is not null)
        {
            (lease, var holder) = await StreamLeaseKeeper.TryTakeAsync(
                _leases, plan.Id, runId, _time, _options.AbandonRunsAfter, _options.RunHeartbeatInterval, _logger, cancellationToken).ConfigureAwait(false);
            if (lease is null)
            {
                SyncRunnerLog.RunSkipped(_logger, plan.Source.Name, plan.Stream.Name, holder.RunId, holder.Holder);
                return (null, Skipped(plan.Id, runId, _time.GetUtcNow(), holder));
            }
        }

        try
        {
            return (await StartHeldRunAsync(plan, options, fansOut, runId, lease, cancellationToken).ConfigureAwait(false), null);
        }
        catch when (lease is not null)
        {
            await lease.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<StreamRun> StartHeldRunAsync(StreamPlan plan, SyncOptions options, bool fansOut, Guid runId, StreamLeaseKeeper? lease, CancellationToken cancellationToken)
    {
        var state = await _stateStore.GetAsync(plan.Id, cancellationToken).ConfigureAwait(false) ?? new SyncState { Stream = plan.Id };
        var run = new StreamRun(plan, options, fansOut, state, _time.GetUtcNow(), _time.GetTimestamp(), Math.Max(1, _options.MaxIssuesPerReport), cancellationToken)
        {
            RunId = runId,
            Lease = lease,
            ChildWrites = fansOut && !options.DryRun ? new ChildWriteBuffer(_options.BatchRecords) : null,
            Batch = fansOut ? null : new PageBatch(_options.BatchRecords, _options.BatchDelay, _time),
        };
        run.Activity = IngestionTelemetry.ActivitySource.StartActivity("ingestion.sync", ActivityKind.Internal);
        run.Activity?.SetTag(IngestionTelemetry.SourceTag, plan.Source.Name);
        run.Activity?.SetTag(IngestionTelemetry.StreamTag, plan.Stream.Name);
        run.Activity?.SetTag("ingestion.run_id", run.RunId.ToString());
        run.Activity?.SetTag("ingestion.dry_run", options.DryRun);
        SyncRunnerLog.RunStarted(_logger, run.RunId, plan.Source.Name, plan.Stream.Name, options.DryRun);

        if (!options.DryRun)
        {
            await CloseAbandonedRunsAsync(run, cancellationToken).ConfigureAwait(false);
            await _runLog.SaveAsync(run.ToReport(RunStatus.Running, completedAt: null, guardTripped: false, deleted: 0, state.Watermark) with { LastSeenAt = run.StartedAt }, cancellationToken).ConfigureAwait(false);
        }

        // Child streams share one watermark over all parents; it is applied to each parent's request.
        if (fansOut)
        {
            run.RequestWatermark = StartWatermark(run);
        }

        return run;
    }

    private static SyncReport Skipped(StreamId stream, Guid runId, DateTimeOffset now, StreamLease holder) => new()
    {
        RunId = runId,
        Stream = stream,
        Status = RunStatus.Skipped,
        StartedAt = now,
        CompletedAt = now,
        Issues = [new SyncIssue(
            IssueKind.AlreadyRunning,
            $"Run {holder.RunId} on {holder.Holder} holds the stream (taken at {holder.AcquiredAt:O}, held until {holder.ExpiresAt:O} unless renewed); this run did not start.")],
    };

    // Reports this process could not record earlier go first, then the runs a dead process left as running are closed, all
    // before this run is recorded, so health counts them in order.
    private async Task CloseAbandonedRunsAsync(StreamRun run, CancellationToken cancellationToken)
    {
        try
        {
            await _liveness.RecordKeptReportsAsync(cancellationToken).ConfigureAwait(false);
            await _liveness.CloseAbandonedAsync(run.RunId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException && !StoreOutage.IsUnavailable(exception))
        {
            SyncRunnerLog.BookkeepingFailed(_logger, exception, run.Source.Name, run.Stream.Name);
        }
    }

    /// <summary>Fetches and writes the pages of one request chain. Returns <see langword="false"/> when the whole run should stop.</summary>
    private async Task<bool> FetchAsync(StreamRun run, PageRequest first, string? parent, ParentCollector? collector, CancellationToken cancellationToken)
    {
        var request = new FetchRequest { Source = run.Source, Stream = run.Stream, FirstRequest = first, ParentKey = parent };
        try
        {
            await foreach (var page in _fetcher.FetchAsync(request, cancellationToken).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                var step = await ProcessPageAsync(run, page, parent, collector, cancellationToken).ConfigureAwait(false);
                if (step != PageStep.Continue)
                {
                    return step != PageStep.StopRun;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            run.MarkStopped();
            return false;
        }

        return true;
    }
}
