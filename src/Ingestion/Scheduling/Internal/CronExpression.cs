using CronosExpression = Cronos.CronExpression;
using CronosFormat = Cronos.CronFormat;

namespace Ingestion.Scheduling.Internal;

/// <summary>
/// A cron expression evaluated in a time zone, by Cronos. Five fields (minute hour day month weekday), six with seconds first, or a
/// macro (<c>@hourly</c>, <c>@daily</c>, <c>@weekly</c>, <c>@monthly</c>, <c>@yearly</c>). Local times skipped by a spring-forward
/// fire at the transition; local times repeated by a fall-back fire once, at their first occurrence.
/// </summary>
internal sealed class CronExpression
{
    private readonly CronosExpression _schedule;

    private CronExpression(string expression, CronosExpression schedule, TimeZoneInfo timeZone)
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
        CronosExpression? schedule;
        if (text.StartsWith('@'))
        {
            // Cronos knows more macros (@every_minute, @every_second); the scheduler promises these, so it accepts these.
            var macro = text.ToLowerInvariant();
            if (macro is not ("@hourly" or "@daily" or "@midnight" or "@weekly" or "@monthly" or "@yearly" or "@annually"))
            {
                error = $"The cron macro '{text}' is unknown; use @hourly, @daily, @weekly, @monthly or @yearly.";
                return false;
            }

            schedule = CronosExpression.Parse(macro);
        }
        else
        {
            var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            if (fields is not (5 or 6))
            {
                error = $"The cron expression '{text}' has {fields} fields; use 5 (minute hour day month weekday) or 6 (seconds first).";
                return false;
            }

            if (!CronosExpression.TryParse(text, fields == 6 ? CronosFormat.IncludeSeconds : CronosFormat.Standard, out schedule))
            {
                error = $"The cron expression '{text}' is not valid.";
                return false;
            }
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

    /// <summary>The first fire instant strictly after <paramref name="after"/>, in UTC, or <see langword="null"/> when there is none.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after)
    {
        var from = after;
        while (_schedule.GetNextOccurrence(from, TimeZone) is { } next)
        {
            // Cronos fires interval schedules (@hourly, */15) in both passes of a repeated fall-back hour; the scheduler promises
            // one fire per local time, so the second pass is skipped. The repeated hour is finite, so this ends.
            if (!IsSecondPassOfRepeatedTime(next))
            {
                // In UTC, as before Cronos: the instant is stored and compared, and Npgsql writes timestamptz only with offset 0.
                return next.ToUniversalTime();
            }

            from = next;
        }

        return null;
    }

    // Cronos returns an occurrence with the offset in force at that instant: in a repeated local time the first pass has the larger
    // (daylight) offset, the second the smaller.
    private bool IsSecondPassOfRepeatedTime(DateTimeOffset occurrence) =>
        TimeZone.IsAmbiguousTime(occurrence) && occurrence.Offset < TimeZone.GetAmbiguousTimeOffsets(occurrence).Max();

    public override string ToString() => $"{Expression} ({TimeZone.Id})";
}
