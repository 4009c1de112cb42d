using Microsoft.Extensions.Logging;

namespace Ingestion.Dashboard.Internal;

/// <summary>The log lines of the dashboard's and the API's actions: what was done, to what, and by whom. Never a secret.</summary>
internal static partial class OperationsLog
{
    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Sync now of {Source}/{Stream} ({Mode}) requested by {Who}.")]
    public static partial void SyncNow(ILogger logger, string source, string stream, SyncNowMode mode, string who);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Information, Message = "Retry now of {Stream} key {Key} requested by {Who}: {Count} partial records made due.")]
    public static partial void RetryNow(ILogger logger, StreamId stream, string key, int count, string who);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Information, Message = "Requeue of dead job {JobId} requested by {Who}: {Outcome}.")]
    public static partial void Requeue(ILogger logger, long jobId, string outcome, string who);

    [LoggerMessage(EventId = 9004, Level = LogLevel.Information, Message = "Schedule {Schedule} {Change} by {Who}: {Outcome}.")]
    public static partial void Schedule(ILogger logger, string schedule, string change, string outcome, string who);

    [LoggerMessage(EventId = 9005, Level = LogLevel.Warning, Message = "Ingestion {Surface} refused a request from {Who}: {Reason}.")]
    public static partial void Refused(ILogger logger, string surface, string who, string reason);
}
