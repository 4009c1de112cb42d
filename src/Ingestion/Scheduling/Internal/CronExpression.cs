using NCrontab;

namespace Ingestion.Scheduling.Internal;

/// <summary>
/// A cron expression evaluated in a time zone. Five fields (minute hour day month weekday), six with seconds first, or a macro
/// (<c>@hourly</c>, <c>@daily</c>, <c>@weekly</c>, <c>@monthly</c>, <c>@yearly</c>). Local times skipped by a spring-forward fire at
/// the transition; local times repeated by a fall-back fire once, at their first occurrence.
/// </summary>
internal sealed class CronExpression
{
    private static readonly DateTime End = new(9999, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
    private readonly CrontabSchedule _schedule;

    private CronExpression(string expression, CrontabSchedule schedule, TimeZoneInfo timeZone)
    {
        Expression = expression;
        _schedule = schedule;
        TimeZone = timeZone;
    }

    public string Expression { get; }

    public TimeZoneInfo TimeZone { get; }

    /// <summary>Parses <paramref name="expression"/> for <paramref name="timeZoneId"/>; throws <see cref="FormatException"/> with the reason.</summary>
    public static CronExpression Parse(string expression, string timeZoneId)
    {
        if (!TryParse(expression, timeZoneId, out var cron, out var error))
        {
            throw new FormatException(error);
        }

        return cron;
    }

    public static bool TryParse(string? expression, string? timeZoneId, out CronExpression cron, out string error)
    {
        cron = null!;
        if (string.IsNullOrWhiteSpace(expression))
        {
            error = "The cron expression is empty.";
            return false;
        }

        var text = expression.Trim();
        var expanded = text.ToUpperInvariant() switch
        {
            "@HOURLY" => "0 * * * *",
            "@DAILY" or "@MIDNIGHT" => "0 0 * * *",
            "@WEEKLY" => "0 0 * * 0",
            "@MONTHLY" => "0 0 1 * *",
            "@YEARLY" or "@ANNUALLY" => "0 0 1 1 *",
            _ when text.StartsWith('@') => null,
            _ => text,
        };
        if (expanded is null)
        {
            error = $"The cron macro '{text}' is unknown; use @hourly, @daily, @weekly, @monthly or @yearly.";
            return false;
        }

        var fields = expanded.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        if (fields is not (5 or 6))
        {
            error = $"The cron expression '{text}' has {fields} fields; use 5 (minute hour day month weekday) or 6 (seconds first).";
            return false;
        }

        var schedule = CrontabSchedule.TryParse(expanded, new CrontabSchedule.ParseOptions { IncludingSeconds = fields == 6 });
        if (schedule is null)
        {
            error = $"The cron expression '{text}' is not valid.";
            return false;
        }

        if (!TryFindTimeZone(timeZoneId, out var zone, out error))
        {
            return false;
        }

        cron = new CronExpression(text, schedule, zone);
        error = string.Empty;
        return true;
    }

    public static bool TryFindTimeZone(string? timeZoneId, out TimeZoneInfo zone, out string error)
    {
        zone = TimeZoneInfo.Utc;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(timeZoneId))
        {
            return true;
        }

        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(timeZoneId.Trim());
            return true;
        }
        catch (Exception exception) when (exception is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            error = $"The time zone '{timeZoneId}' is not known on this machine; use an IANA id such as 'Europe/Amsterdam'.";
            return false;
        }
    }

    /// <summary>The first fire instant strictly after <paramref name="after"/>, or <see langword="null"/> when there is none.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after)
    {
        var afterUtc = after.UtcDateTime;
        var local = DateTime.SpecifyKind(TimeZoneInfo.ConvertTimeFromUtc(afterUtc, TimeZone), DateTimeKind.Unspecified);
        for (var guard = 0; guard < 10_000; guard++)
        {
            var candidate = _schedule.GetNextOccurrence(local, End);
            if (candidate >= End)
            {
                return null;
            }

            DateTime utc;
            if (TimeZone.IsInvalidTime(candidate))
            {
                // Skipped by a spring-forward: fire at the transition, the first instant whose local time is past the candidate.
                utc = FirstInstantAfterLocal(candidate);
            }
            else if (TimeZone.IsAmbiguousTime(candidate))
            {
                // Repeated by a fall-back: only the first occurrence (the larger offset) fires.
                var offsets = TimeZone.GetAmbiguousTimeOffsets(candidate);
                utc = candidate - offsets.Max();
            }
            else
            {
                utc = candidate - TimeZone.GetUtcOffset(candidate);
            }

            utc = DateTime.SpecifyKind(utc, DateTimeKind.Utc);
            if (utc > afterUtc)
            {
                return new DateTimeOffset(utc);
            }

            local = candidate;
        }

        return null;
    }

    private DateTime FirstInstantAfterLocal(DateTime localCandidate)
    {
        // The gap is a few hours at most; search a window around it for the first UTC instant whose local time is later.
        var low = DateTime.SpecifyKind(localCandidate, DateTimeKind.Utc).AddHours(-16).Ticks;
        var high = DateTime.SpecifyKind(localCandidate, DateTimeKind.Utc).AddHours(16).Ticks;
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            var localAtMiddle = TimeZoneInfo.ConvertTimeFromUtc(new DateTime(middle, DateTimeKind.Utc), TimeZone);
            if (localAtMiddle > localCandidate)
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return new DateTime(low, DateTimeKind.Utc);
    }

    public override string ToString() => $"{Expression} ({TimeZone.Id})";
}
