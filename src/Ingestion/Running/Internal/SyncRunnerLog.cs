using Microsoft.Extensions.Logging;

namespace Ingestion.Running.Internal;

internal static partial class SyncRunnerLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Sync run {RunId} of {Source}/{Stream} started (dry run: {DryRun})")]
    public static partial void RunStarted(ILogger logger, Guid runId, string source, string stream, bool dryRun);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information,
        Message = "Sync run {RunId} of {Source}/{Stream} ended {Status}: {Pages} pages, {Requests} requests, {Fetched} fetched, {New} new, {Changed} changed, {Unchanged} unchanged, {Partial} partial, {Deleted} deleted, {IssueCount} issues in {DurationMs} ms")]
    public static partial void RunFinished(ILogger logger, Guid runId, string source, string stream, RunStatus status, int pages, int requests, long fetched, long @new, long changed, long unchanged, long partial, long deleted, int issueCount, double durationMs);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Page {Page} of {Source}/{Stream} failed ({FetchStatus}, HTTP {HttpStatus}): {Error}; stored as a partial record")]
    public static partial void PageFailed(ILogger logger, string source, string stream, int page, FetchStatus fetchStatus, int? httpStatus, string? error);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "Writing {What} of {Source}/{Stream} to the store failed; it was not committed")]
    public static partial void BatchFailed(ILogger logger, Exception exception, string what, string source, string stream);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Snapshot guard tripped for {Source}/{Stream}: {Count} records against {LastGoodCount} in the last good snapshot; nothing was marked deleted")]
    public static partial void GuardTripped(ILogger logger, string source, string stream, long count, long? lastGoodCount);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "The rate budget of {Source} ran out during {Source}/{Stream}; the next run resumes from the checkpoint")]
    public static partial void BudgetExhausted(ILogger logger, string source, string stream);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Error, Message = "Sync of {Source}/{Stream} stopped unexpectedly")]
    public static partial void RunCrashed(ILogger logger, Exception exception, string source, string stream);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "Recording the run log or health of {Source}/{Stream} failed")]
    public static partial void BookkeepingFailed(ILogger logger, Exception exception, string source, string stream);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning, Message = "The stored checkpoint of {Source}/{Stream} could not be read; starting from the first page")]
    public static partial void CheckpointUnreadable(ILogger logger, string source, string stream);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "The store of {Source}/{Stream} is unreachable ({Error}); retrying in {DelayMs} ms")]
    public static partial void StoreUnreachable(ILogger logger, string source, string stream, string error, double delayMs);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "Run {RunId} of {Source}/{Stream} was last seen at {LastSeenAt:O} and has been closed as abandoned")]
    public static partial void RunAbandoned(ILogger logger, Guid runId, string source, string stream, DateTimeOffset lastSeenAt);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Debug, Message = "The heartbeat of run {RunId} of {Source}/{Stream} could not be recorded")]
    public static partial void HeartbeatFailed(ILogger logger, Exception exception, Guid runId, string source, string stream);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Information, Message = "{Source}/{Stream} did not start: run {HolderRunId} on {Holder} holds the stream")]
    public static partial void RunSkipped(ILogger logger, string source, string stream, Guid holderRunId, string holder);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Warning, Message = "Run {RunId} of {Source}/{Stream} lost the stream's lease; it stops writing")]
    public static partial void LeaseLost(ILogger logger, Guid runId, string source, string stream);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Warning, Message = "The lease of run {RunId} on {Source}/{Stream} could not be renewed or released; it expires on its own")]
    public static partial void LeaseRenewalFailed(ILogger logger, Exception exception, Guid runId, string source, string stream);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Error, Message = "The changed-keys handler failed on {Count} committed keys of {Source}/{Stream}; the run stops")]
    public static partial void ChangedKeysHandlerFailed(ILogger logger, Exception exception, string source, string stream, int count);
}
