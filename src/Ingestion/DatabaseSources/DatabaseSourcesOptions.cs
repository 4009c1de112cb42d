namespace Ingestion;

/// <summary>Options of the loader of stored source definitions (<c>AddDatabaseSources()</c>). Validated when the host starts.</summary>
public sealed class DatabaseSourcesOptions
{
    /// <summary>
    /// How often the stored definitions are read, picking up added, changed and disabled ones without a restart.
    /// Defaults to 30 seconds; between 1 second and 1 hour.
    /// </summary>
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(30);
}
