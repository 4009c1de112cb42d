namespace Ingestion;

/// <summary>
/// A cron schedule that enqueues <see cref="IngestionJobTypes.Sync"/> jobs for one source (every top-level stream) or one stream.
/// </summary>
public sealed record ScheduleDefinition
{
    /// <summary>The schedule's name, unique within the store (for example <c>employes/employees</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The source to sync.</summary>
    public required string Source { get; init; }

    /// <summary>The stream to sync, or <see langword="null"/> for every top-level stream of the source.</summary>
    public string? Stream { get; init; }

    /// <summary>
    /// The cron expression: five fields (minute hour day month weekday), six with seconds first, or one of
    /// <c>@hourly</c>, <c>@daily</c>, <c>@weekly</c>, <c>@monthly</c>, <c>@yearly</c>.
    /// </summary>
    public required string Cron { get; init; }

    /// <summary>The IANA (or Windows) time zone the expression is evaluated in. Defaults to <c>UTC</c>.</summary>
    public string TimeZone { get; init; } = "UTC";

    /// <summary>Whether the schedule fires. Defaults to <see langword="true"/>.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The name a schedule gets when none is given: <c>source</c> or <c>source/stream</c>.</summary>
    /// <param name="source">The source.</param>
    /// <param name="stream">The stream, or <see langword="null"/>.</param>
    /// <returns>The default name.</returns>
    public static string DefaultName(string source, string? stream) => stream is null ? source : string.Concat(source, "/", stream);
}

/// <summary>A schedule with its tracked state, as the <see cref="IScheduleStore"/> keeps it.</summary>
public sealed record ScheduleState
{
    /// <summary>The definition.</summary>
    public required ScheduleDefinition Definition { get; init; }

    /// <summary>The schedule's name.</summary>
    public string Name => Definition.Name;

    /// <summary>Whether the schedule fires: enabled by its definition and not disabled after failures.</summary>
    public bool Enabled { get; init; }

    /// <summary>Why the schedule was disabled (for example after too many consecutive failures), or <see langword="null"/>.</summary>
    public string? DisabledReason { get; init; }

    /// <summary>The next fire time, or <see langword="null"/> when not yet computed (a new or re-enabled schedule).</summary>
    public DateTimeOffset? NextRunAt { get; init; }

    /// <summary>The last slot that fired (enqueued its sync job).</summary>
    public DateTimeOffset? LastRunAt { get; init; }

    /// <summary>When a run started by this schedule last succeeded.</summary>
    public DateTimeOffset? LastSuccessfulRunAt { get; init; }

    /// <summary>Runs finished (succeeded or failed) that this schedule started.</summary>
    public long TotalRuns { get; init; }

    /// <summary>Failed runs since the last success.</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>The last failed run's error, or <see langword="null"/>.</summary>
    public string? LastError { get; init; }
}

/// <summary>The outcome of one run a schedule started, reported by the sync job's handler.</summary>
public sealed record ScheduleRunOutcome
{
    /// <summary>Whether the run succeeded.</summary>
    public required bool Succeeded { get; init; }

    /// <summary>When the run finished.</summary>
    public required DateTimeOffset FinishedAt { get; init; }

    /// <summary>What went wrong, for a failed run.</summary>
    public string? Error { get; init; }

    /// <summary>
    /// Disable the schedule when its consecutive failures reach this many (with the reason recorded);
    /// <see langword="null"/> never disables.
    /// </summary>
    public int? DisableAfterFailures { get; init; }
}

/// <summary>One fire of a schedule: the slot that came due, the next slot, and the job to enqueue.</summary>
public sealed record ScheduleFiring
{
    /// <summary>The schedule's name.</summary>
    public required string Name { get; init; }

    /// <summary>The slot that came due: the store fires only while the schedule's next run is still this value (compare-and-set).</summary>
    public required DateTimeOffset DueAt { get; init; }

    /// <summary>The next slot after now, or <see langword="null"/> when the expression has no further occurrence.</summary>
    public required DateTimeOffset? NextRunAt { get; init; }

    /// <summary>The sync job; its dedup key is the schedule and the slot.</summary>
    public required JobRequest Job { get; init; }
}
