namespace Ingestion.Connectors.Jibble.Deriving.Internal;

/// <summary>One paired session of a person's day.</summary>
internal sealed record WorkSession(TimeEntry? ClockIn, TimeEntry? ClockOut)
{
    /// <summary>
    /// <c>complete</c>, <c>auto_clocked_out</c> (closed by Jibble's automatic clock-out, not by the person), <c>missing_out</c>
    /// (an In without Out) or <c>missing_in</c> (an Out without In).
    /// </summary>
    public string Status => (ClockIn, ClockOut) switch
    {
        (not null, not null) when IsAutoOut => "auto_clocked_out",
        (not null, not null) => "complete",
        (not null, null) => "missing_out",
        _ => "missing_in",
    };

    public bool IsIncomplete => ClockIn is null || ClockOut is null;

    public bool IsAutoOut => ClockOut?.IsAutoOut == true;

    /// <summary>
    /// The worked minutes of a session the person closed. An automatic clock-out happens when someone forgot to clock out, so
    /// its span is not worked time: it is kept apart in <see cref="AutoClockOutMinutes"/> and a sum of durations stays true.
    /// </summary>
    public double? DurationMinutes => ClockIn is not null && ClockOut is not null && !IsAutoOut ? Minutes : null;

    /// <summary>The span up to an automatic clock-out, for review; <see langword="null"/> for every other session.</summary>
    public double? AutoClockOutMinutes => ClockIn is not null && IsAutoOut ? Minutes : null;

    private double Minutes => Math.Round((ClockOut!.Time - ClockIn!.Time).TotalMinutes, 2);

    /// <summary>The id of the entry that opens the session, stable across re-derivations.</summary>
    public string AnchorId => (ClockIn ?? ClockOut)!.Id;

    public DateTimeOffset StartsAt => (ClockIn ?? ClockOut)!.Time;
}

/// <summary>
/// Pairs one person's entries of one <c>belongsToDate</c> in time order: an In opens a session, the next Out closes it.
/// An In that follows an open In leaves the first without Out; an Out with nothing open is an Out without In. Inactive
/// entries (archived, deleted) and types other than In and Out are ignored. Ties in time put Out before In (a clock-out and a new clock-in in
/// the same instant), then order by id, so the result never depends on the order entries were read in.
/// </summary>
internal static class WorkSessionPairing
{
    /// <summary>
    /// Pairs the entries of one day. Where Jibble links entries both ways (the In's <c>nextTimeEntryId</c> is the Out and the Out's
    /// <c>previousTimeEntryId</c> the In), the links decide across midnight whatever day each side is dated: an In of this day takes the Out it links to from
    /// <paramref name="neighbours"/>, and an Out of this day linked from another day's In is left to that day. Entries without
    /// links fall back to the date rule.
    /// </summary>
    /// <param name="day">The person's entries of the day.</param>
    /// <param name="neighbours">The person's entries of the days around it, by id.</param>
    public static IReadOnlyList<WorkSession> Pair(IReadOnlyList<TimeEntry> day, IReadOnlyDictionary<string, TimeEntry> neighbours)
    {
        var date = day.Count > 0 ? day[0].BelongsToDate : default;
        var linked = new List<WorkSession>();
        var rest = new List<TimeEntry>(day.Count);
        foreach (var entry in day)
        {
            if (entry.IsInactive || entry.Type == TimeEntryType.Other)
            {
                continue;
            }

            if (entry.Type == TimeEntryType.In && Linked(entry.NextId, TimeEntryType.Out) is { } outEntry && outEntry.BelongsToDate != date
                && outEntry.PreviousId == entry.Id)
            {
                linked.Add(new WorkSession(entry, outEntry));
            }
            else if (entry.Type == TimeEntryType.Out && Linked(entry.PreviousId, TimeEntryType.In) is { } inEntry && inEntry.BelongsToDate != date
                && inEntry.NextId == entry.Id)
            {
                // Belongs to the session its In opened on another day.
            }
            else
            {
                rest.Add(entry);
            }
        }

        return [.. linked, .. Pair(rest)];

        TimeEntry? Linked(string? id, TimeEntryType type) =>
            id is not null && neighbours.TryGetValue(id, out var other) && other.Type == type && !other.IsInactive ? other : null;
    }

    public static IReadOnlyList<WorkSession> Pair(IEnumerable<TimeEntry> entries)
    {
        var ordered = entries
            .Where(e => !e.IsInactive && e.Type != TimeEntryType.Other)
            .OrderBy(e => e.Time)
            .ThenBy(e => e.Type == TimeEntryType.Out ? 0 : 1)
            .ThenBy(e => e.Id, StringComparer.Ordinal);

        var sessions = new List<WorkSession>();
        TimeEntry? open = null;
        foreach (var entry in ordered)
        {
            if (entry.Type == TimeEntryType.In)
            {
                if (open is not null)
                {
                    sessions.Add(new WorkSession(open, null));
                }

                open = entry;
            }
            else if (open is not null)
            {
                sessions.Add(new WorkSession(open, entry));
                open = null;
            }
            else
            {
                sessions.Add(new WorkSession(null, entry));
            }
        }

        if (open is not null)
        {
            sessions.Add(new WorkSession(open, null));
        }

        return sessions;
    }
}
