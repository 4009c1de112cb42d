namespace Ingestion.Connectors.Jibble;

/// <summary>The stream names of a Jibble source, and the run parameters its time-entries stream understands.</summary>
public static class JibbleStreams
{
    /// <summary>People of the organization (full snapshot).</summary>
    public const string People = "people";

    /// <summary>Groups of the organization (full snapshot).</summary>
    public const string Groups = "groups";

    /// <summary>Clock-in and clock-out events (incremental by <c>belongsToDate</c>).</summary>
    public const string TimeEntries = "time-entries";

    /// <summary>
    /// Run parameter (<see cref="SyncOptions.Parameters"/>) with the first <c>belongsToDate</c> to fetch, as <c>yyyy-MM-dd</c>;
    /// with <see cref="ToParameter"/> it replaces the incremental window for that run.
    /// </summary>
    public const string FromParameter = "from";

    /// <summary>Run parameter with the last <c>belongsToDate</c> to fetch, as <c>yyyy-MM-dd</c>; defaults to today.</summary>
    public const string ToParameter = "to";

    /// <summary>Run parameter that, set to <c>true</c>, fetches the configured <see cref="JibbleBackfillOptions"/> range.</summary>
    public const string BackfillParameter = "backfill";

    /// <summary>
    /// Run parameter that, set to <c>true</c>, makes an incremental time-entries run a reconciliation (the last
    /// <see cref="JibbleReconciliationOptions.WindowDays"/> days) even when none is due.
    /// </summary>
    public const string ReconcileParameter = "reconcile";

    /// <summary>
    /// Run parameter with comma-separated group ids (GUIDs) that replaces <see cref="JibbleOptions.GroupFilter"/> for that run:
    /// <see cref="People"/> and <see cref="Groups"/> are fetched for these groups only, and <see cref="TimeEntries"/> only of the
    /// people seen in them (sync <see cref="People"/> first). A value that is not a list of GUIDs fails the run with a
    /// configuration issue naming the parameter.
    /// </summary>
    public const string GroupParameter = "group";
}
