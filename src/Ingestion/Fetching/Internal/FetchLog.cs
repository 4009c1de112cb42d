using Microsoft.Extensions.Logging;

namespace Ingestion.Fetching.Internal;

/// <summary>The fetcher's log messages. URLs passed here are always redacted first.</summary>
internal static partial class FetchLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Sending {Method} {Url} for {Source}/{Stream}, attempt {Attempt}")]
    public static partial void Sending(ILogger logger, string method, string url, string source, string stream, int attempt);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Attempt {Attempt} of {Method} {Url} for {Source}/{Stream} failed: {Reason}")]
    public static partial void AttemptFailed(ILogger logger, int attempt, string method, string url, string source, string stream, string reason);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Retrying a request of {Source}/{Stream} in {DelayMs} ms (retry {Retry})")]
    public static partial void Retrying(ILogger logger, string source, string stream, double delayMs, int retry);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Credentials of source {Source} were rejected with 401; refreshing them once")]
    public static partial void Refreshing(ILogger logger, string source);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "The rate budget of source {Source} needs {WaitMs} ms, more than its maximum wait of {MaxWaitMs} ms; {Stream} stops here and resumes next run")]
    public static partial void BudgetExhausted(ILogger logger, string source, string stream, double waitMs, double maxWaitMs);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Debug, Message = "Page {Page} of {Source}/{Stream}: {Records} records, HTTP {HttpStatus}, {Attempts} attempts, {Bytes} bytes")]
    public static partial void PageFetched(ILogger logger, int page, string source, string stream, int records, int httpStatus, int attempts, int bytes);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "Page {Page} of {Source}/{Stream} ({Url}) ended {FetchStatus} after {Attempts} attempts: {Error}")]
    public static partial void PageFailed(ILogger logger, int page, string source, string stream, string url, FetchStatus fetchStatus, int attempts, string? error);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Warning, Message = "Paging of {Source}/{Stream} stopped after page {Page}: {Reason}")]
    public static partial void PagingGuard(ILogger logger, string source, string stream, int page, string reason);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Debug, Message = "A request of {Source}/{Stream} was redirected ({HttpStatus}) to {Target}; followed {Credentials}")]
    public static partial void Redirected(ILogger logger, string source, string stream, int httpStatus, string target, string credentials);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "The circuit breaker of source {Source} opened: its requests fail as CircuitOpen for {BreakSeconds} s")]
    public static partial void CircuitOpened(ILogger logger, string source, double breakSeconds);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Information, Message = "The circuit breaker of source {Source} closed: its requests go out again")]
    public static partial void CircuitClosed(ILogger logger, string source);
}
