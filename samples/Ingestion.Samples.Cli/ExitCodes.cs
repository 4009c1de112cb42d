namespace Ingestion.Samples.Cli;

/// <summary>
/// The exit codes scripts can rely on. The usage and service codes follow BSD <c>sysexits.h</c>.
/// </summary>
public static class ExitCodes
{
    /// <summary>Everything ran and nothing needs attention.</summary>
    public const int Ok = 0;

    /// <summary>It ran, but with issues: a partial run, a tripped snapshot guard, warnings, a degraded stream, retries that failed.</summary>
    public const int CompletedWithIssues = 1;

    /// <summary>At least one stream run failed, or a stream is unhealthy.</summary>
    public const int Failed = 2;

    /// <summary>Bad arguments: a missing or malformed option, an unknown source or stream, a range that runs backwards.</summary>
    public const int Usage = 64;

    /// <summary>The database is unavailable (cannot connect, refused, timed out).</summary>
    public const int Unavailable = 69;

    /// <summary>The configuration is invalid: no connection string, or a source's settings failed validation.</summary>
    public const int Configuration = 78;

    /// <summary>The run was cancelled (Ctrl+C); what was committed stays committed.</summary>
    public const int Cancelled = 130;
}
