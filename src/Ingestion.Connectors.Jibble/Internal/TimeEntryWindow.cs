using System.Globalization;

namespace Ingestion.Connectors.Jibble.Internal;

/// <summary>
/// The <c>belongsToDate</c> range one time-entries run fetches: the run's <c>from</c>/<c>to</c> parameters, or the configured
/// backfill, or the incremental window (the stored watermark, already moved back by the trailing open days, and never less than
/// the last <see cref="JibbleOptions.LastHours"/> hours), up to tomorrow (a person ahead of UTC is already on the next day).
/// An incremental run due for reconciliation (<see cref="JibbleOptions.Reconciliation"/>) reaches back its window of days instead.
/// </summary>
internal readonly record struct TimeEntryWindow(DateOnly From, DateOnly To, string Reason)
{
    private const string DateFormat = "yyyy-MM-dd";

    public static TimeEntryWindow For(JibbleOptions options, StreamRequestContext context, ReconciliationClock? reconciliation = null)
    {
        var window = Base(options, context);
        if (reconciliation is null || !options.Reconciliation.Enabled)
        {
            return window;
        }

        var now = context.RunStartedAt;
        var forced = context.Parameters.TryGetValue(JibbleStreams.ReconcileParameter, out var reconcile)
            && string.Equals(reconcile, "true", StringComparison.OrdinalIgnoreCase);
        if (window.Reason == "watermark" && (forced || reconciliation.IsDue(now, options.Reconciliation.Every)))
        {
            reconciliation.Reconciled(now);
            var from = DateOnly.FromDateTime(now.UtcDateTime).AddDays(-options.Reconciliation.WindowDays);
            return window with { From = from < window.From ? from : window.From, Reason = "reconciliation" };
        }

        if (window.Reason is "first run from Backfill:From" or "last hours")
        {
            // A first run: nothing older is in the store, so nothing there can be stale yet.
            reconciliation.Reconciled(now);
        }

        return window;
    }

    private static TimeEntryWindow Base(JibbleOptions options, StreamRequestContext context)
    {
        var today = DateOnly.FromDateTime(context.RunStartedAt.UtcDateTime);
        var tomorrow = today.AddDays(1);
        var parameters = context.Parameters;
        if (parameters.TryGetValue(JibbleStreams.FromParameter, out var fromText))
        {
            var from = ParseDate(fromText, JibbleStreams.FromParameter);
            var to = parameters.TryGetValue(JibbleStreams.ToParameter, out var toText) ? ParseDate(toText, JibbleStreams.ToParameter) : tomorrow;
            return Checked(from, to, "run parameters");
        }

        if (parameters.TryGetValue(JibbleStreams.BackfillParameter, out var backfill)
            && string.Equals(backfill, "true", StringComparison.OrdinalIgnoreCase))
        {
            var from = options.Backfill.From ?? throw new InvalidOperationException(
                "A backfill run needs Backfill:From in the Jibble options (or 'from' and 'to' run parameters).");
            return Checked(from, options.Backfill.To ?? tomorrow, "backfill");
        }

        var recent = DateOnly.FromDateTime(context.RunStartedAt.UtcDateTime.AddHours(-options.LastHours));
        if (context.Watermark is { } watermark && TryParseDate(watermark, out var since))
        {
            return new TimeEntryWindow(since < recent ? since : recent, tomorrow, "watermark");
        }

        if (options.Backfill.From is { } first)
        {
            return Checked(first, options.Backfill.To ?? tomorrow, "first run from Backfill:From");
        }

        return new TimeEntryWindow(recent.AddDays(-options.TrailingOpenDays), tomorrow, "last hours");
    }

    /// <summary>The OData filter: <c>Edm.Date</c> literals are unquoted (a quoted date is a 400).</summary>
    public string ToFilter() =>
        $"belongsToDate ge {From.ToString(DateFormat, CultureInfo.InvariantCulture)} and belongsToDate le {To.ToString(DateFormat, CultureInfo.InvariantCulture)}";

    private static TimeEntryWindow Checked(DateOnly from, DateOnly to, string reason) =>
        to < from
            ? throw new InvalidOperationException($"The time-entry window ends ({to:yyyy-MM-dd}) before it starts ({from:yyyy-MM-dd}).")
            : new TimeEntryWindow(from, to, reason);

    private static DateOnly ParseDate(string text, string parameter) =>
        TryParseDate(text, out var date)
            ? date
            : throw new InvalidOperationException($"The run parameter '{parameter}' must be a date as yyyy-MM-dd; it is '{text}'.");

    private static bool TryParseDate(string text, out DateOnly date)
    {
        if (DateOnly.TryParseExact(text, DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
        {
            return true;
        }

        // A watermark written as a timestamp still gives its date.
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
        {
            date = DateOnly.FromDateTime(instant.UtcDateTime);
            return true;
        }

        return false;
    }
}

/// <summary>When one source last reconciled its time entries (in memory: the first incremental run after a start is due).</summary>
internal sealed class ReconciliationClock
{
    private readonly Lock _gate = new();
    private DateTimeOffset? _last;

    public bool IsDue(DateTimeOffset now, TimeSpan every)
    {
        lock (_gate)
        {
            return _last is not { } last || now - last >= every;
        }
    }

    public void Reconciled(DateTimeOffset now)
    {
        lock (_gate)
        {
            _last = now;
        }
    }
}
