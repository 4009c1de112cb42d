namespace Ingestion;

/// <summary>Options of the sync runner. Configure them with <c>services.Configure&lt;SyncRunnerOptions&gt;(...)</c>.</summary>
public sealed class SyncRunnerOptions
{
    /// <summary>How many failed runs in a row make a stream unhealthy (a first failure only degrades it). Defaults to 3.</summary>
    public int UnhealthyAfterConsecutiveFailures { get; set; } = 3;

    /// <summary>The most issues one report lists; further ones are counted in a closing issue. Defaults to 1,000.</summary>
    public int MaxIssuesPerReport { get; set; } = 1_000;
}
