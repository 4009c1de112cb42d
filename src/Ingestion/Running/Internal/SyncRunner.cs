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
internal sealed class SyncRunner : ISyncRunner
{
    // Enough to amortise a store transaction, small enough that a stopped run has written nearly everything it fetched.
    private const int FanOutBatchRecords = 500;

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
        IJobQueue? jobQueue = null)
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
        if (collector is null || report.Status is RunStatus.Failed or RunStatus.Cancelled)
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
        var run = await StartRunAsync(plan, options, fansOut: false, cancellationToken).ConfigureAwait(false);
        try
        {
            if (PrepareFirstRequest(run) is { } first)
            {
                await FetchAsync(run, first, parent: null, collector, cancellationToken).ConfigureAwait(false);
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
        var run = await StartRunAsync(plan, options, fansOut: true, cancellationToken).ConfigureAwait(false);
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
                    if (!await WriteAsync(run, pageNumber: 0, [write], state: null, pendingParents: null, batchCursor: null, collector: null, token).ConfigureAwait(false))
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
            await WriteAsync(run, pageNumber: 0, rest.Writes, state: null, pendingParents: null, rest.Cursor, collector: null, CancellationToken.None, buffered: true).ConfigureAwait(false);
        }

        return await FinishRunAsync(run, parentsComplete).ConfigureAwait(false);
    }

    private async Task<StreamRun> StartRunAsync(StreamPlan plan, SyncOptions options, bool fansOut, CancellationToken cancellationToken)
    {
        var state = await _stateStore.GetAsync(plan.Id, cancellationToken).ConfigureAwait(false) ?? new SyncState { Stream = plan.Id };
        var run = new StreamRun(plan, options, fansOut, state, _time.GetUtcNow(), _time.GetTimestamp(), Math.Max(1, _options.MaxIssuesPerReport), cancellationToken)
        {
            ChildWrites = fansOut && !options.DryRun ? new ChildWriteBuffer(FanOutBatchRecords) : null,
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

    private string? StartWatermark(StreamRun run)
    {
        if (run.Stream.Mode != SyncMode.Incremental || run.Stream.Incremental is not { } incremental)
        {
            return null;
        }

        var watermark = run.Options.WatermarkOverride ?? run.State.Watermark;
        if (watermark is null)
        {
            return incremental.InitialValue;
        }

        var moved = Watermarks.ApplyOverlap(watermark, incremental.Overlap);
        if (!string.Equals(moved, watermark, StringComparison.Ordinal))
        {
            run.AddIssue(new SyncIssue(IssueKind.Overlap, $"The watermark {watermark} was moved back by {incremental.Overlap} to {moved}."));
        }

        return moved;
    }

    private PageRequest? PrepareFirstRequest(StreamRun run)
    {
        if (run.State.Checkpoint is { } checkpoint && !run.Options.IgnoreCheckpoint)
        {
            try
            {
                var resumed = PageRequest.FromCheckpoint(checkpoint);
                run.ResumedFromCheckpoint = true;
                run.AddIssue(new SyncIssue(IssueKind.Other, "The run resumed from the checkpoint of an earlier run that ended early; it saw only the rest of the data."));
                return resumed;
            }
            catch (FormatException)
            {
                SyncRunnerLog.CheckpointUnreadable(_logger, run.Source.Name, run.Stream.Name);
                run.AddIssue(new SyncIssue(IssueKind.Other, "The stored checkpoint could not be read; the run started from the first page."));
            }
        }

        run.RequestWatermark = StartWatermark(run);
        try
        {
            return PrepareRequest(run, placeholder => run.Options.Parameters.GetValueOrDefault(placeholder), parentKey: null);
        }
        catch (InvalidOperationException exception)
        {
            run.MarkConfigurationFailed($"Stream '{run.Stream.Name}' of source '{run.Source.Name}': {exception.Message} Top-level streams fill placeholders from SyncOptions.Parameters.");
            return null;
        }
    }

    // Base address + path (placeholders URL-escaped) → query → paginator's first parameters → watermark → PrepareRequest.
    private static PageRequest PrepareRequest(StreamRun run, Func<string, string?> placeholderValue, string? parentKey)
    {
        var stream = run.Stream;
        var path = run.Plan.Template.Fill(placeholderValue);
        var request = new PageRequest(
            stream.Method,
            new Uri(run.Source.BaseAddress, path),
            stream.Body,
            stream.Body.IsEmpty ? null : stream.BodyContentType);
        foreach (var (name, value) in stream.Query)
        {
            request = request.WithQueryParameter(name, value);
        }

        request = stream.Paginator.PrepareFirst(request);
        if (run.RequestWatermark is { } watermark && stream.Incremental?.RequestParameter is { } parameter)
        {
            request = request.WithQueryParameter(parameter, watermark);
        }

        if (stream.PrepareRequest is { } prepare)
        {
            request = prepare(request, new StreamRequestContext
            {
                Stream = stream,
                Watermark = run.RequestWatermark,
                RunStartedAt = run.StartedAt,
                ParentKey = parentKey,
                Parameters = run.Options.Parameters,
                ReportIssue = run.AddIssue,
                MarkPartialView = run.MarkPartialView,
            });
        }

        return request;
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

    private async Task<PageStep> ProcessPageAsync(StreamRun run, FetchedPage page, string? parentKey, ParentCollector? collector, CancellationToken cancellationToken)
    {
        run.CountPage(page, parentKey);
        var tags = Tags(run);
        IngestionTelemetry.SyncPages.Add(1, tags);

        List<RawRecordWrite> writes;
        List<(ChildStreamPlan Child, ParentValues Parent)>? pendingParents = null;
        string? batchCursor = null;
        var failed = !page.Outcome.IsSuccess;
        if (failed)
        {
            switch (page.Outcome.Status)
            {
                case FetchStatus.Cancelled:
                    run.MarkStopped();
                    return PageStep.StopRun;

                case FetchStatus.BudgetExhausted:
                    // Not a failure of the data: the page is fetched next run, from the checkpoint.
                    run.MarkBudgetExhausted(page.Request.ToCheckpoint());
                    if (!run.HasIssue(IssueKind.BudgetExhausted))
                    {
                        run.AddIssue(new SyncIssue(IssueKind.BudgetExhausted, $"The rate budget of source '{run.Source.Name}' ran out; the next run resumes from the checkpoint. {page.Outcome.Error}".TrimEnd()));
                    }

                    SyncRunnerLog.BudgetExhausted(_logger, run.Source.Name, run.Stream.Name);
                    return PageStep.StopRun;
            }

            run.MarkFailedPage(page.Outcome.Status, page.Outcome.IssueKind);
            SyncRunnerLog.PageFailed(_logger, run.Source.Name, run.Stream.Name, page.PageNumber, page.Outcome.Status, page.Outcome.HttpStatusCode, page.Outcome.Error);
            writes = [FailedPageWrite(run, page, parentKey)];
        }
        else
        {
            run.CountFetched(page.Records.Count);
            writes = BuildWrites(run, page, collector, ref pendingParents, ref batchCursor);
        }

        SyncState? state = null;
        if (!run.FansOut)
        {
            state = run.State with
            {
                Watermark = Watermarks.Max(run.State.Watermark, batchCursor),

                // A failed page is kept as a partial record with its own retry request, so the next run starts afresh
                // rather than resuming at a page that may fail again and again; a cycle would only repeat itself.
                Checkpoint = failed || page.StopReason == PageStopReason.Cycle ? null : page.NextRequest?.ToCheckpoint(),
                UpdatedAt = _time.GetUtcNow(),
            };
        }

        var written = await WriteAsync(run, page.PageNumber, writes, state, pendingParents, batchCursor, collector, cancellationToken).ConfigureAwait(false);
        run.Options.Progress?.Report(run.Progress(_time.GetElapsedTime(run.StartTimestamp)));
        if (!written)
        {
            return PageStep.StopRun;
        }

        // A failed page the fetcher skipped past (it carries the next request) does not end the chain.
        return failed && page.NextRequest is null ? PageStep.StopChain : PageStep.Continue;
    }

    private List<RawRecordWrite> BuildWrites(StreamRun run, FetchedPage page, ParentCollector? collector, ref List<(ChildStreamPlan, ParentValues)>? pendingParents, ref string? batchCursor)
    {
        var writes = new List<RawRecordWrite>(page.Records.Count);
        Dictionary<string, int>? positions = page.Records.Count > 1 ? new Dictionary<string, int>(page.Records.Count, StringComparer.Ordinal) : null;
        var cursor = run.Plan.Cursor;
        foreach (var record in page.Records)
        {
            var span = record.Payload.Span;
            var write = new RawRecordWrite { Key = record.Key, Payload = record.Payload, Hash = run.Plan.Hash(span) };
            if (positions is not null && positions.TryGetValue(record.Key, out var earlier))
            {
                writes[earlier] = write;
                run.AddIssue(new SyncIssue(IssueKind.DuplicateKey, $"The key '{record.Key}' appeared more than once on page {page.PageNumber}; the last occurrence was kept.", record.Key));
            }
            else
            {
                positions?.Add(record.Key, writes.Count);
                writes.Add(write);
            }

            if (cursor?.Read(span) is { } value)
            {
                batchCursor = Watermarks.Max(batchCursor, value);
            }

            if (collector is not null)
            {
                pendingParents ??= [];
                foreach (var child in collector.Children)
                {
                    pendingParents.Add((child, child.Capture(record.Key, span)));
                }
            }
        }

        return writes;
    }

    private static RawRecordWrite FailedPageWrite(StreamRun run, FetchedPage page, string? parentKey)
    {
        var outcome = page.Outcome;
        var kind = outcome.IssueKind ?? IssueKindOf(outcome.Status);
        var key = parentKey ?? "page:" + RequestRedaction.PathAndQuery(page.Request.Uri, run.Source.Authenticator);
        var message = $"Fetching {(parentKey is null ? "page " + page.PageNumber : "the records of parent '" + parentKey + "'")} failed: {outcome.Status}{(outcome.HttpStatusCode is { } code ? " (HTTP " + code + ")" : string.Empty)}{(outcome.Error is { } error ? ": " + error : string.Empty)}";
        if (!page.Issues.Any(issue => issue.Kind == kind))
        {
            run.AddIssue(new SyncIssue(kind, message, key, outcome.HttpStatusCode));
        }

        return PartialWrite(run.Plan, key, kind, message, outcome.HttpStatusCode, outcome.IsRetryable, page.Request.ToCheckpoint(), outcome.Error);
    }

    private static RawRecordWrite PartialWrite(StreamPlan plan, string key, IssueKind kind, string message, int? httpStatusCode, bool retryable, string? retryRequest, string? error = null) => new()
    {
        Key = key,
        Payload = ReadOnlyMemory<byte>.Empty,
        Hash = plan.EmptyPayloadHash,
        IsPartial = true,
        Issues = [new SyncIssue(kind, message, key, httpStatusCode)],
        HttpStatusCode = httpStatusCode,
        ErrorMessage = error ?? message,
        IsRetryable = retryable,
        RetryRequest = retryRequest,
    };

    /// <summary>Writes one batch with its state (or just the state when there are no records). Returns <see langword="false"/> when the write failed or was cancelled.</summary>
    private async Task<bool> WriteAsync(StreamRun run, int pageNumber, List<RawRecordWrite> writes, SyncState? state, List<(ChildStreamPlan Child, ParentValues Parent)>? pendingParents, string? batchCursor, ParentCollector? collector, CancellationToken cancellationToken, bool buffered = false)
    {
        if (!buffered && run.ChildWrites is { } buffer && state is null && pendingParents is null && writes.Count > 0)
        {
            if (buffer.Add(writes, batchCursor) is not { } ready)
            {
                return true;
            }

            (writes, batchCursor, pageNumber) = (ready.Writes, ready.Cursor, 0);
        }

        try
        {
            if (run.DryRun)
            {
                await ClassifyWithoutWritingAsync(run, writes, batchCursor, state, cancellationToken).ConfigureAwait(false);
            }
            else if (writes.Count > 0)
            {
                var batch = new RawBatch { Stream = run.Id, RunId = run.RunId, FetchedAt = _time.GetUtcNow(), Records = writes, State = state, Hasher = run.Plan.Hasher };
                var result = await RetryWhileUnreachableAsync(run, token => _rawStore.WriteBatchAsync(batch, token).AsTask(), cancellationToken).ConfigureAwait(false);
                run.Commit(result.New, result.Changed, result.Unchanged, result.Partial, result.ChangedKeys, result.Issues, batchCursor, state);
                RecordOutcomes(run, result.New, result.Changed, result.Unchanged, result.Partial);
            }
            else if (state is not null && (!string.Equals(state.Checkpoint, run.State.Checkpoint, StringComparison.Ordinal) || !string.Equals(state.Watermark, run.State.Watermark, StringComparison.Ordinal)))
            {
                await RetryWhileUnreachableAsync(run, async token => { await _stateStore.SaveAsync(state, token).ConfigureAwait(false); return true; }, cancellationToken).ConfigureAwait(false);
                run.Commit(0, 0, 0, 0, [], [], batchCursor, state);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            run.MarkStopped();
            return false;
        }
#pragma warning disable CA1031 // A failed batch is reported on the run; the records and state of committed batches stay.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            SyncRunnerLog.BatchFailed(_logger, exception, run.Source.Name, run.Stream.Name, pageNumber);
            var what = pageNumber > 0 ? $"page {pageNumber}" : $"a batch of {writes.Count} records";
            if (StoreOutage.IsUnavailable(exception))
            {
                run.MarkStoreUnavailable($"Writing {what} failed because the store could not be reached for {Fetching.Internal.Describe.Duration(_options.StoreOutageTolerance)} ({exception.GetType().Name}: {exception.Message}); the batch and its state were not committed and are fetched again next run.");
            }
            else
            {
                run.MarkStoreFailed($"Writing {what} to the raw store failed ({exception.GetType().Name}: {exception.Message}); the batch and its state were not committed.");
            }

            return false;
        }

        if (pendingParents is not null && collector is not null)
        {
            foreach (var (child, parent) in pendingParents)
            {
                collector.Add(child, parent);
            }
        }

        if (!run.DryRun)
        {
            await _liveness.BeatIfDueAsync(run, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private Task<T> RetryWhileUnreachableAsync<T>(StreamRun run, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        StoreOutage.RetryAsync(
            work,
            _options.StoreOutageTolerance,
            _time,
            (exception, delay) => SyncRunnerLog.StoreUnreachable(_logger, run.Source.Name, run.Stream.Name, exception.Message, delay.TotalMilliseconds),
            cancellationToken);

    // In a dry run the store is only read: a record is new, changed or unchanged against its stored latest version.
    private async Task ClassifyWithoutWritingAsync(StreamRun run, List<RawRecordWrite> writes, string? batchCursor, SyncState? state, CancellationToken cancellationToken)
    {
        int @new = 0, changed = 0, unchanged = 0, partial = 0;
        var changedKeys = new List<string>();
        foreach (var write in writes)
        {
            if (write.IsPartial)
            {
                partial++;
                continue;
            }

            var latest = await _rawStore.GetLatestAsync(run.Id, write.Key, cancellationToken).ConfigureAwait(false);
            if (latest is null)
            {
                @new++;
                changedKeys.Add(write.Key);
            }
            else if (!latest.IsPartial && latest.DeletedAt is null && (latest.Hash == write.Hash || (latest.Hash.Algorithm != write.Hash.Algorithm && run.Plan.Matches(latest.Hash, write.Payload.Span))))
            {
                unchanged++;
            }
            else
            {
                changed++;
                changedKeys.Add(write.Key);
            }
        }

        run.Commit(@new, changed, unchanged, partial, changedKeys, [], batchCursor, state);
    }

    private async Task<(SyncReport Report, bool SawEverything)> FinishRunAsync(StreamRun run, bool parentsComplete)
    {
        var stream = run.Stream;
        var sawEverything = parentsComplete && run.SawEverything;
        var guardTripped = false;
        long deleted = 0;

        if (stream.Mode == SyncMode.FullSnapshot && sawEverything)
        {
            (guardTripped, deleted) = await ApplySnapshotGuardAsync(run).ConfigureAwait(false);
            if (guardTripped && !run.DryRun && stream.SnapshotGuard.RetryAfter is { } retryAfter)
            {
                await QueueGuardRetryAsync(run, retryAfter).ConfigureAwait(false);
            }
        }
        else if (!run.DryRun && run.FansOut && stream.Mode == SyncMode.Incremental && sawEverything && run.MaxCursor is not null)
        {
            // Every parent's batches are committed: the shared watermark can move now, never earlier.
            var watermark = Watermarks.Max(run.State.Watermark, run.MaxCursor);
            await SaveStateAsync(run, run.State with { Watermark = watermark, UpdatedAt = _time.GetUtcNow() }).ConfigureAwait(false);
        }

        if (!run.DryRun && !run.FansOut && run.BudgetExhausted && run.BudgetCheckpoint is { } checkpoint)
        {
            await SaveStateAsync(run, run.State with { Checkpoint = checkpoint, UpdatedAt = _time.GetUtcNow() }).ConfigureAwait(false);
        }

        var status = run switch
        {
            { Cancelled: true } => RunStatus.Cancelled,
            { Unauthorized: true } or { ConfigurationFailed: true } or { StoreUnavailable: true } => RunStatus.Failed,
            { HadFailedPage: true, CompleteRecords: 0 } or { StoreFailed: true, CompleteRecords: 0 } => RunStatus.Failed,
            { HadFailedPage: true } or { StoreFailed: true } or { BudgetExhausted: true } or { StoppedEarly: true } => RunStatus.Partial,
            _ when guardTripped => RunStatus.Partial,
            _ => RunStatus.Succeeded,
        };

        if (status == RunStatus.Cancelled && !run.HasIssue(IssueKind.Cancelled))
        {
            run.AddIssue(new SyncIssue(IssueKind.Cancelled, "The run was cancelled; committed batches stay committed."));
        }

        var report = run.ToReport(status, _time.GetUtcNow(), guardTripped, deleted, run.FansOut ? Watermarks.Max(run.State.Watermark, run.MaxCursor) : run.State.Watermark);
        report = report with { LastSeenAt = report.CompletedAt };
        if (!run.DryRun)
        {
            await RecordRunAsync(run, report).ConfigureAwait(false);
        }

        var duration = report.Duration;
        var tags = Tags(run);
        tags.Add(IngestionTelemetry.StatusTag, status.ToString());
        IngestionTelemetry.SyncRunDuration.Record(duration.TotalSeconds, tags);
        SyncRunnerLog.RunFinished(_logger, report.RunId, run.Source.Name, stream.Name, status, report.Pages, report.Requests, report.RecordsFetched, report.RecordsNew, report.RecordsChanged, report.RecordsUnchanged, report.RecordsPartial, report.RecordsDeleted, report.Issues.Count, duration.TotalMilliseconds);
        if (run.Activity is { } activity)
        {
            activity.SetTag(IngestionTelemetry.StatusTag, status.ToString());
            activity.SetTag("ingestion.pages", report.Pages);
            activity.SetTag("ingestion.records", report.RecordsFetched);
            if (status == RunStatus.Failed)
            {
                activity.SetStatus(ActivityStatusCode.Error, report.Issues.FirstOrDefault(i => i.Severity != IssueSeverity.Info)?.Message);
            }

            activity.Dispose();
        }

        return (report, sawEverything && !guardTripped);
    }

    private async Task<(bool GuardTripped, long Deleted)> ApplySnapshotGuardAsync(StreamRun run)
    {
        var guard = run.Stream.SnapshotGuard;
        var count = run.CompleteRecords;
        var lastGood = run.State.LastGoodSnapshotCount;
        string? trippedBecause = null;
        if (guard.Enabled)
        {
            if (count == 0 && !guard.AllowEmpty)
            {
                trippedBecause = lastGood is { } last
                    ? $"The snapshot came back empty; the last good snapshot had {last} records. Nothing was marked deleted."
                    : "The snapshot came back empty. Nothing was marked deleted.";
            }
            else if (count > 0 && lastGood is > 0 && count < lastGood.Value * guard.MinimumRatio)
            {
                trippedBecause = $"The snapshot has {count} records, fewer than {guard.MinimumRatio:P0} of the last good snapshot's {lastGood}. Nothing was marked deleted.";
            }
        }

        if (trippedBecause is not null)
        {
            run.AddIssue(new SyncIssue(IssueKind.SnapshotGuardTripped, trippedBecause));
            SyncRunnerLog.GuardTripped(_logger, run.Source.Name, run.Stream.Name, count, lastGood);
            return (true, 0);
        }

        if (run.DryRun)
        {
            return (false, 0);
        }

        long deleted = 0;
        var now = _time.GetUtcNow();
        try
        {
            if (guard.SoftDeleteMissing)
            {
                deleted = await _rawStore.MarkMissingDeletedAsync(run.Id, run.StartedAt, now, run.UserCancellation).ConfigureAwait(false);
                if (deleted > 0)
                {
                    // A deletion changes what was derived from the record, like an edit does: derivers hear of it as a changed key.
                    // Stores may keep times to the microsecond only: the bound is rounded down to one.
                    var since = run.StartedAt.AddTicks(-(run.StartedAt.UtcTicks % TimeSpan.TicksPerMicrosecond));
                    run.AddChangedKeys(await _rawStore.GetKeysDeletedSinceAsync(run.Id, since, run.UserCancellation).ConfigureAwait(false));
                }
            }
        }
        catch (OperationCanceledException) when (run.UserCancellation.IsCancellationRequested)
        {
            run.MarkStopped();
            return (false, 0);
        }
#pragma warning disable CA1031 // Reported on the run; the records stay as they are.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            SyncRunnerLog.BatchFailed(_logger, exception, run.Source.Name, run.Stream.Name, run.Pages);
            run.MarkStoreFailed($"Marking missing records deleted failed ({exception.GetType().Name}: {exception.Message}).");
            return (false, 0);
        }

        await SaveStateAsync(run, run.State with { LastGoodSnapshotCount = count, LastGoodSnapshotAt = now, UpdatedAt = now }).ConfigureAwait(false);
        return (false, deleted);
    }

    // A tripped guard kept the last good snapshot; a later sync gets another chance at a good one.
    private async Task QueueGuardRetryAsync(StreamRun run, TimeSpan retryAfter)
    {
        if (_jobQueue is null)
        {
            run.AddIssue(new SyncIssue(IssueKind.SnapshotGuardTripped, $"No job queue is registered, so no retry was queued: sync {run.Id} again to replace the kept snapshot."));
            return;
        }

        var runAt = _time.GetUtcNow() + retryAfter;
        try
        {
            var payload = new SyncJobPayload { Source = run.Source.Name, Stream = run.Stream.Name, Trigger = "retry" }.ToJson();
            var queued = await _jobQueue.EnqueueAsync(
                new JobRequest { JobType = IngestionJobTypes.Sync, Payload = payload, RunAt = runAt, DedupKey = $"guard-retry:{run.Id}" },
                run.UserCancellation).ConfigureAwait(false);
            run.AddIssue(new SyncIssue(IssueKind.SnapshotGuardTripped, queued.Deduplicated
                ? $"A retry of {run.Id} was already queued (job {queued.JobId})."
                : $"A retry of {run.Id} was queued for {runAt:O} (job {queued.JobId})."));
        }
        catch (OperationCanceledException) when (run.UserCancellation.IsCancellationRequested)
        {
            run.MarkStopped();
        }
#pragma warning disable CA1031 // Reported on the run; the kept snapshot is unaffected.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            SyncRunnerLog.BookkeepingFailed(_logger, exception, run.Source.Name, run.Stream.Name);
            run.AddIssue(new SyncIssue(IssueKind.SnapshotGuardTripped, $"Queueing a retry of {run.Id} failed ({exception.GetType().Name}: {exception.Message}); sync the stream again."));
        }
    }

    private async Task SaveStateAsync(StreamRun run, SyncState state)
    {
        try
        {
            await _stateStore.SaveAsync(state, CancellationToken.None).ConfigureAwait(false);
            run.State = state;
        }
#pragma warning disable CA1031 // Reported on the run; committed batches are unaffected.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            SyncRunnerLog.BatchFailed(_logger, exception, run.Source.Name, run.Stream.Name, run.Pages);
            run.MarkStoreFailed($"Saving the sync state failed ({exception.GetType().Name}: {exception.Message}).");
        }
    }

    // The end of the run is recorded even when the run was cancelled, so the log never shows it running forever.
    private async Task RecordRunAsync(StreamRun run, SyncReport report)
    {
        try
        {
            // A run that failed because the store was down waits out a short outage once more to record how it ended. If the
            // store stays down, this process keeps the report and records it when its next run finds the store back; a process
            // that ends first leaves the row running, and a later run closes it as abandoned.
            try
            {
                await RetryWhileUnreachableAsync(run, async token => { await _runLog.SaveAsync(report, token).ConfigureAwait(false); return true; }, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception exception) when (StoreOutage.IsUnavailable(exception))
            {
                _liveness.KeepUnrecorded(report);
                throw;
            }

            if (report.Status != RunStatus.Cancelled)
            {
                await _liveness.CountInHealthAsync(report, CancellationToken.None).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // The report is still returned to the caller.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            SyncRunnerLog.BookkeepingFailed(_logger, exception, run.Source.Name, run.Stream.Name);
        }
    }

    private async Task<IReadOnlyList<ParentValues>> LoadStoredParentsAsync(StreamPlan plan, ChildStreamPlan asChild, CancellationToken cancellationToken)
    {
        var parentId = new StreamId(plan.Source.Name, plan.Stream.Parent!.Stream);
        var parents = new List<ParentValues>();
        await foreach (var record in _rawStore.QueryLatestAsync(parentId, query: null, cancellationToken).ConfigureAwait(false))
        {
            if (!record.IsPartial && record.IsJson)
            {
                parents.Add(asChild.Capture(record.Key, record.Payload.Span));
            }
        }

        return parents;
    }

    private static void RecordOutcomes(StreamRun run, int @new, int changed, int unchanged, int partial)
    {
        Add(@new, "new");
        Add(changed, "changed");
        Add(unchanged, "unchanged");
        Add(partial, "partial");

        void Add(int count, string outcome)
        {
            if (count > 0)
            {
                var tags = Tags(run);
                tags.Add(IngestionTelemetry.OutcomeTag, outcome);
                IngestionTelemetry.SyncRecords.Add(count, tags);
            }
        }
    }

    private static string Unexpected(Exception exception) => $"The run stopped unexpectedly: {exception.GetType().Name}: {exception.Message}";

    private static TagList Tags(StreamRun run) => new()
    {
        { IngestionTelemetry.SourceTag, run.Source.Name },
        { IngestionTelemetry.StreamTag, run.Stream.Name },
    };

    private static IssueKind IssueKindOf(FetchStatus status) => status switch
    {
        FetchStatus.Transient => IssueKind.Transient,
        FetchStatus.RateLimited => IssueKind.RateLimited,
        FetchStatus.Unauthorized => IssueKind.Unauthorized,
        FetchStatus.Forbidden => IssueKind.Forbidden,
        FetchStatus.NotFound => IssueKind.NotFound,
        FetchStatus.MalformedBody => IssueKind.MalformedBody,
        FetchStatus.Empty => IssueKind.Empty,
        FetchStatus.Cancelled => IssueKind.Cancelled,
        FetchStatus.BudgetExhausted => IssueKind.BudgetExhausted,
        FetchStatus.CircuitOpen => IssueKind.CircuitOpen,
        _ => IssueKind.Other,
    };

    private enum PageStep
    {
        Continue,

        /// <summary>This request chain ends (a failed page); other parents of a child stream go on.</summary>
        StopChain,

        /// <summary>The whole run ends (cancelled, budget exhausted, store failure).</summary>
        StopRun,
    }
}
