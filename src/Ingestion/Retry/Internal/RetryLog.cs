using Microsoft.Extensions.Logging;

namespace Ingestion.Retry.Internal;

internal static partial class RetryLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "Retry {Attempt} of partial record {Key} of {Stream} succeeded: {Records} records stored")]
    public static partial void Succeeded(ILogger logger, int attempt, string key, StreamId stream, int records);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Retry {Attempt} of partial record {Key} of {Stream} failed ({Error}); next retry at {NextRetryAt}")]
    public static partial void Failed(ILogger logger, int attempt, string key, StreamId stream, string error, DateTimeOffset nextRetryAt);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Partial record {Key} of {Stream} given up after retry {Attempt}: {Error}")]
    public static partial void GaveUp(ILogger logger, string key, StreamId stream, int attempt, string error);
}
