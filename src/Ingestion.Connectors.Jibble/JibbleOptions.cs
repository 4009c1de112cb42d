namespace Ingestion.Connectors.Jibble;

/// <summary>
/// Settings of one Jibble account, bound from configuration (for example the <c>Jibble</c> section) and validated when the
/// host starts. Unset properties keep the documented defaults, which point at Jibble's production hosts.
/// </summary>
public sealed class JibbleOptions
{
    /// <summary>The source name used when none is given: <c>jibble</c>.</summary>
    public const string DefaultName = "jibble";

    /// <summary>The largest <c>$top</c> Jibble is known to honour; larger pages are cut silently (and paged past by their count).</summary>
    public const int MaxPageSize = 1000;

    /// <summary>The OAuth2 token endpoint. Defaults to <c>https://identity.prod.jibble.io/connect/token</c>.</summary>
    public Uri TokenEndpoint { get; set; } = new("https://identity.prod.jibble.io/connect/token");

    /// <summary>The workspace API (<c>People</c>, <c>Groups</c>). Defaults to <c>https://workspace.prod.jibble.io/v1/</c>.</summary>
    public Uri WorkspaceAddress { get; set; } = new("https://workspace.prod.jibble.io/v1/");

    /// <summary>The time-tracking API (<c>TimeEntries</c>). Defaults to <c>https://time-tracking.prod.jibble.io/v1/</c>.</summary>
    public Uri TimeTrackingAddress { get; set; } = new("https://time-tracking.prod.jibble.io/v1/");

    /// <summary>The API client id from Jibble's organization settings ("API credentials"). Required.</summary>
    public string? ClientId { get; set; }

    /// <summary>The API client secret. Required; never logged.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>
    /// The <c>$top</c> of every page, from 1 to <see cref="MaxPageSize"/>. Every page asks <c>$count=true</c> and paging goes on
    /// with <c>$skip</c> until the count is reached, so a server that returns fewer rows than asked (a lower cap) does not end
    /// the run early. Defaults to 1,000.
    /// </summary>
    public int PageSize { get; set; } = MaxPageSize;

    /// <summary>
    /// The incremental window: every run fetches time entries whose <c>belongsToDate</c> lies within at least the last this
    /// many hours (and everything since the stored watermark). Defaults to 24.
    /// </summary>
    public int LastHours { get; set; } = 24;

    /// <summary>
    /// How many days before the stored watermark each incremental run fetches again, because a day stays open until the
    /// automatic clock-out and entries of past days can be edited or archived. Defaults to 2.
    /// </summary>
    public int TrailingOpenDays { get; set; } = 2;

    /// <summary>
    /// The periodic long re-pull of time entries that brings late edits and archives of past days into the store (the frequent
    /// runs re-pull only the trailing open days). Enabled by default: 35 days, once a day.
    /// </summary>
    public JibbleReconciliationOptions Reconciliation { get; set; } = new();

    /// <summary>
    /// The most ids one <c>$filter</c> lists (group filters become one <c>personId eq ...</c> per member); longer lists are
    /// sent in chunks whose results are merged, since OData servers cap a filter's node count (100 by default) and the request
    /// line's length. From 1 to 30; defaults to 20.
    /// </summary>
    public int MaxFilterIds { get; set; } = 20;

    /// <summary>The date range of a backfill: where the first run starts, and the range of runs asked for a backfill.</summary>
    public JibbleBackfillOptions Backfill { get; set; } = new();

    /// <summary>
    /// Group ids to limit the sync to: <c>People</c> are fetched for these groups only, <c>Groups</c> only these groups, and time
    /// entries only of the people in them. Empty (the default) syncs the whole organization.
    /// </summary>
    public IList<string> GroupFilter { get; } = [];

    /// <summary>Whether every run only fetches and reports, writing nothing. Defaults to <see langword="false"/>.</summary>
    public bool DryRun { get; set; }

    /// <summary>A request budget per minute shared by the account's streams, or <see langword="null"/> (the default) for none.</summary>
    public int? RequestsPerMinute { get; set; }

    /// <summary>
    /// Timeouts, retries and circuit breaking of the account's requests (the <c>Resilience</c> section, the same shape for every
    /// source); unset values keep their defaults, which here are a 30-second attempt timeout and 4 retries.
    /// </summary>
    public ResilienceSettings Resilience { get; set; } = new() { AttemptTimeout = TimeSpan.FromSeconds(30), MaxRetries = 4 };
}

/// <summary>The date range of a Jibble backfill (dates are <c>belongsToDate</c> values).</summary>
public sealed class JibbleBackfillOptions
{
    /// <summary>
    /// The first date to fetch when the account has never been synced, and the start of a backfill run; <see langword="null"/>
    /// (the default) starts a first run at the <see cref="JibbleOptions.LastHours"/> window.
    /// </summary>
    public DateOnly? From { get; set; }

    /// <summary>The last date a backfill run fetches; <see langword="null"/> (the default) for up to today.</summary>
    public DateOnly? To { get; set; }
}

/// <summary>
/// The periodic reconciliation of a Jibble time-entries stream: an incremental run that is due for it fetches the last
/// <see cref="WindowDays"/> days instead of the trailing open days, so corrections made weeks later still reach the store.
/// </summary>
public sealed class JibbleReconciliationOptions
{
    /// <summary>Whether incremental runs reconcile when due. Defaults to <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How many days back a reconciliation run fetches, from 1 to 366. Defaults to 35 (a month-end correction made a week later).</summary>
    public int WindowDays { get; set; } = 35;

    /// <summary>
    /// How often a reconciliation is due, at least an hour. Defaults to one day. The first incremental run after the host
    /// starts is due (the time of the last one is kept in memory), and a first run counts as one.
    /// </summary>
    public TimeSpan Every { get; set; } = TimeSpan.FromDays(1);
}
