using Microsoft.Extensions.Logging;

namespace Ingestion.Connectors.Employes.Internal;

internal static partial class EmployesLog
{
    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning,
        Message = "The Employes API token of source '{Source}' expires at {ExpiresAt:u}, in {Days} days; generate a new one and set {TokenKey}.")]
    public static partial void TokenExpiresSoon(ILogger logger, string source, DateTimeOffset expiresAt, double days, string tokenKey);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning,
        Message = "The Employes API token of source '{Source}' expired at {ExpiresAt:u}; requests will fail with 401 until a new one is set in {TokenKey}.")]
    public static partial void TokenExpired(ILogger logger, string source, DateTimeOffset expiresAt, string tokenKey);
}
