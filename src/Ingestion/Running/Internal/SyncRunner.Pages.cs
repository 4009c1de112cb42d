using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Ingestion.Fetching.Internal;
using Ingestion.Queue.Internal;
using Ingestion.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Ingestion.Running.Internal;

/// <summary>Page processing of the sync runner: turning fetched pages into record batches and writing them with the stream state.</summary>
internal sealed partial class SyncRunner
{
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

        // A failed page is kept as a partial record with its own retry request, so the next run starts afresh rather than
        // resuming at a page that may fail again and again; a cycle would only repeat itself.
        var checkpoint = failed || page.StopReason == PageStopReason.Cycle ? null : page.NextRequest?.ToCheckpoint();
        var written = run.Batch is { } batch
            ? await AddToBatchAsync(run, batch, page.PageNumber, writes, batchCursor, checkpoint, pendingParents, collector, cancellationToken).ConfigureAwait(false)
            : await WriteAsync(run, new PageRange(page.PageNumber, page.PageNumber), writes, state: null, pendingParents, batchCursor, collector, cancellationToken).ConfigureAwait(false);
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
        var positions = page.Records.Count > 1 ? new Dictionary<string, int>(page.Records.Count, StringComparer.Ordinal) : null;
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
        var kind = outcome.IssueKind ?? outcome.Status.ToIssueKind();
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
    private async Task<bool> WriteAsync(StreamRun run, PageRange pages, List<RawRecordWrite> writes, SyncState? state, List<(ChildStreamPlan Child, ParentValues Parent)>? pendingParents, string? batchCursor, ParentCollector? collector, CancellationToken cancellationToken, bool buffered = false)
    {
        if (run.Lease is { } lease && !await lease.RenewIfDueAsync(CancellationToken.None).ConfigureAwait(false))
        {
            // Another run holds the stream now: writing on would interleave with it.
            MarkLeaseLost(run);
            return false;
        }

        if (!buffered && run.ChildWrites is { } buffer && state is null && pendingParents is null && writes.Count > 0)
        {
            if (buffer.Add(writes, batchCursor) is not { } ready)
            {
                return true;
            }

            (writes, batchCursor, pages) = (ready.Writes, ready.Cursor, default);
        }

        try
        {
            if (run.DryRun)
            {
                await ClassifyWithoutWritingAsync(run, writes, batchCursor, state, cancellationToken).ConfigureAwait(false);
            }
            else if (writes.Count > 0)
            {
                var batch = new RawBatch { Stream = run.Id, RunId = run.RunId, FetchedAt = _time.GetUtcNow(), Records = writes, State = state, Hasher = run.Plan.Hasher, RequiresLease = run.Lease is not null };
                var result = await RetryWhileUnreachableAsync(run, token => _rawStore.WriteBatchAsync(batch, token).AsTask(), cancellationToken).ConfigureAwait(false);
                run.Commit(result.New, result.Changed, result.Unchanged, result.Partial, result.ChangedKeys, result.Issues, batchCursor, state);
                RecordOutcomes(run, result.New, result.Changed, result.Unchanged, result.Partial);
                if (!await HandOnChangedKeysAsync(run, result.ChangedKeys, pages.Describe(writes.Count), cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }
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
        catch (StreamLeaseLostException exception)
        {
            // The store found the stream taken after the run last renewed its hold, and refused the batch.
            SyncRunnerLog.BatchFailed(_logger, exception, pages.Describe(writes.Count), run.Source.Name, run.Stream.Name);
            MarkLeaseLost(run);
            return false;
        }
#pragma warning disable CA1031 // A failed batch is reported on the run; the records and state of committed batches stay.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            var what = pages.Describe(writes.Count);
            SyncRunnerLog.BatchFailed(_logger, exception, what, run.Source.Name, run.Stream.Name);
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

    private void MarkLeaseLost(StreamRun run)
    {
        if (!run.HasIssue(IssueKind.LeaseLost))
        {
            run.MarkInterrupted(IssueKind.LeaseLost, $"The run's hold on the stream lapsed (it made no progress for {Fetching.Internal.Describe.Duration(_options.AbandonRunsAfter)}, or could not reach the store to renew it) and another run took the stream; this run stopped writing, and what it had not committed is left to that run.");
        }
    }

    /// <summary>
    /// Adds a page to the run's batch and writes the batch when it is due; a page that repeats a key of the batch waits for
    /// the batch to be written first. Returns <see langword="false"/> when a write failed or was cancelled.
    /// </summary>
    private async Task<bool> AddToBatchAsync(StreamRun run, PageBatch batch, int pageNumber, List<RawRecordWrite> writes, string? cursor, string? checkpoint, List<(ChildStreamPlan, ParentValues)>? parents, ParentCollector? collector, CancellationToken cancellationToken)
    {
        if (!batch.IsEmpty && batch.Repeats(writes) && !await WriteBatchAsync(run, batch, collector, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        return !batch.Add(pageNumber, writes, cursor, checkpoint, parents) || await WriteBatchAsync(run, batch, collector, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the run's batch with the state of its last page; the batch is empty afterwards, written or not.</summary>
    private Task<bool> WriteBatchAsync(StreamRun run, PageBatch batch, ParentCollector? collector, CancellationToken cancellationToken)
    {
        var pages = new PageRange(batch.FirstPage, batch.LastPage);
        var (cursor, parents) = (batch.Cursor, batch.Parents);
        var state = run.State with
        {
            Watermark = Watermarks.Max(run.State.Watermark, cursor),
            Checkpoint = batch.Checkpoint,
            UpdatedAt = _time.GetUtcNow(),
        };
        return WriteAsync(run, pages, batch.Take(), state, parents, cursor, collector, cancellationToken);
    }

    /// <summary>The pages a batch holds, by number; none (default) for a batch that gathers child-stream pages.</summary>
    private readonly record struct PageRange(int First, int Last)
    {
        public string Describe(int records) => First == 0 ? $"a batch of {records} records" : First == Last ? $"page {First}" : $"pages {First}-{Last}";
    }

    /// <summary>
    /// Gives a committed batch's new and changed keys to <see cref="SyncOptions.OnChangedKeys"/>, when the caller set it. Returns
    /// <see langword="false"/> when the handler failed: the run stops there, so no later batch's keys go unheard.
    /// </summary>
    private async Task<bool> HandOnChangedKeysAsync(StreamRun run, IReadOnlyList<string> keys, string what, CancellationToken cancellationToken)
    {
        if (run.Options.OnChangedKeys is not { } onChangedKeys || keys.Count == 0)
        {
            return true;
        }

        try
        {
            await onChangedKeys(run.Id, keys, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            run.MarkStopped();
            return false;
        }
#pragma warning disable CA1031 // The caller's handler failed; the run reports it, and what was committed stays.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            SyncRunnerLog.ChangedKeysHandlerFailed(_logger, exception, run.Source.Name, run.Stream.Name, keys.Count);
            run.MarkInterrupted(IssueKind.Other, $"The {keys.Count} new and changed keys of {what} were committed, but the changed-keys handler (SyncOptions.OnChangedKeys) failed on them ({exception.GetType().Name}: {exception.Message}); the run stopped there.");
            return false;
        }
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
}
