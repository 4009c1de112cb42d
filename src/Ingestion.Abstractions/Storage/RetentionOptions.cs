namespace Ingestion;

/// <summary>
/// How long a store keeps what it no longer needs (configuration section <c>Ingestion:Retention</c>). A rule left
/// <see langword="null"/> keeps everything of its kind. The defaults keep a year of history and remove only what nobody
/// reads any more: superseded versions older than a year beyond each key's newest ten, runs older than a year, retry
/// attempts older than 90 days and processed webhook deliveries older than 30 days; deleted keys are kept.
/// </summary>
public sealed class RetentionOptions
{
    /// <summary>
    /// A superseded raw version older than this (counted from when it stopped being the latest) may be removed once it is also
    /// beyond the key's <see cref="SupersededVersionsToKeep"/> newest superseded versions; <see langword="null"/> removes by
    /// count alone when <see cref="SupersededVersionsToKeep"/> is set. Default 365 days.
    /// </summary>
    public TimeSpan? SupersededVersionsMaxAge { get; set; } = TimeSpan.FromDays(365);

    /// <summary>
    /// The newest superseded versions of each key that are kept whatever their age (at least 1: the version before the latest
    /// is always kept). Default 10. With both this and <see cref="SupersededVersionsMaxAge"/> <see langword="null"/>, every
    /// version is kept.
    /// </summary>
    public int? SupersededVersionsToKeep { get; set; } = 10;

    /// <summary>A key soft-deleted longer ago than this is removed with all its versions and retry log. Default: kept.</summary>
    public TimeSpan? DeletedKeysMaxAge { get; set; }

    /// <summary>Finished runs that started longer ago than this leave the run log. Default 365 days.</summary>
    public TimeSpan? RunLogMaxAge { get; set; } = TimeSpan.FromDays(365);

    /// <summary>Retry attempts older than this leave the retry log. Default 90 days.</summary>
    public TimeSpan? RetryLogMaxAge { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Processed (or rejected) webhook deliveries received longer ago than this leave the inbox. Default 30 days.</summary>
    public TimeSpan? WebhookInboxMaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Rows removed per statement and transaction: small, so that no lock is held for long. Default 1,000.</summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>Overrides of the raw-data rules for single sources, by source name.</summary>
    public IDictionary<string, SourceRetention> Sources { get; } = new Dictionary<string, SourceRetention>(StringComparer.Ordinal);

    /// <summary>
    /// The raw-data rules that hold for <paramref name="source"/>: its override where it has one, else these options'; for
    /// <see langword="null"/>, these options' own (the rules of every source without an override).
    /// </summary>
    /// <param name="source">The source name, or <see langword="null"/>.</param>
    /// <returns>The rules.</returns>
    public SourceRetention For(string? source)
    {
        var own = source is not null && Sources.TryGetValue(source, out var found) ? found : null;
        if (own?.KeepEverything == true)
        {
            return new SourceRetention { KeepEverything = true };
        }

        return new SourceRetention
        {
            SupersededVersionsMaxAge = own?.SupersededVersionsMaxAge ?? SupersededVersionsMaxAge,
            SupersededVersionsToKeep = own?.SupersededVersionsToKeep ?? SupersededVersionsToKeep,
            DeletedKeysMaxAge = own?.DeletedKeysMaxAge ?? DeletedKeysMaxAge,
        };
    }
}

/// <summary>One source's raw-data retention rules; a rule left <see langword="null"/> takes the store-wide one.</summary>
public sealed class SourceRetention
{
    /// <summary>Keeps every version and every deleted key of the source, whatever the store-wide rules say.</summary>
    public bool KeepEverything { get; set; }

    /// <summary>See <see cref="RetentionOptions.SupersededVersionsMaxAge"/>.</summary>
    public TimeSpan? SupersededVersionsMaxAge { get; set; }

    /// <summary>See <see cref="RetentionOptions.SupersededVersionsToKeep"/>.</summary>
    public int? SupersededVersionsToKeep { get; set; }

    /// <summary>See <see cref="RetentionOptions.DeletedKeysMaxAge"/>.</summary>
    public TimeSpan? DeletedKeysMaxAge { get; set; }

    /// <summary>Whether superseded versions of the source are ever removed under these rules.</summary>
    public bool RemovesVersions => !KeepEverything && (SupersededVersionsMaxAge is not null || SupersededVersionsToKeep is not null);

    /// <summary>The superseded versions kept whatever their age: <see cref="SupersededVersionsToKeep"/>, at least 1.</summary>
    public int VersionsKept => Math.Max(SupersededVersionsToKeep ?? 1, 1);
}
