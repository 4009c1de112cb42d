using Ingestion.Scheduling.Internal;

namespace Ingestion.Tests.Scheduling;

public sealed class CronExpressionTests
{
    private static DateTimeOffset Utc(int year, int month, int day, int hour, int minute, int second = 0) =>
        new(year, month, day, hour, minute, second, TimeSpan.Zero);

    private static List<DateTimeOffset> Fires(CronExpression cron, DateTimeOffset from, DateTimeOffset to)
    {
        var fires = new List<DateTimeOffset>();
        var at = from;
        while (cron.NextAfter(at) is { } next && next <= to)
        {
            fires.Add(next);
            at = next;
        }

        return fires;
    }

    [Theory]
    [InlineData("*/15 * * * *", "2025-03-01T10:07:00Z", "2025-03-01T10:15:00Z")]
    [InlineData("0 9,17 * * 1-5", "2025-03-01T10:07:00Z", "2025-03-03T09:00:00Z")] // Saturday → Monday 09:00
    [InlineData("30 */5 * * * *", "2025-03-01T10:07:00Z", "2025-03-01T10:10:30Z")] // six fields: seconds first
    [InlineData("*/10 * * * * *", "2025-03-01T10:07:05Z", "2025-03-01T10:07:10Z")]
    [InlineData("@hourly", "2025-03-01T10:07:00Z", "2025-03-01T11:00:00Z")]
    [InlineData("@daily", "2025-03-01T10:07:00Z", "2025-03-02T00:00:00Z")]
    [InlineData("@weekly", "2025-03-01T10:07:00Z", "2025-03-02T00:00:00Z")] // Sunday
    [InlineData("@monthly", "2025-03-01T10:07:00Z", "2025-04-01T00:00:00Z")]
    [InlineData("@yearly", "2025-03-01T10:07:00Z", "2026-01-01T00:00:00Z")]
    [InlineData("@HOURLY", "2025-03-01T10:00:00Z", "2025-03-01T11:00:00Z")] // strictly after, and macros ignore case
    public void Every_form_gives_the_next_slot_in_utc(string expression, string after, string expected)
    {
        var cron = CronExpression.Parse(expression, "UTC");

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), cron.NextAfter(DateTimeOffset.Parse(after, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("* * *", "3 fields")]
    [InlineData("* * * * * * *", "7 fields")]
    [InlineData("61 * * * *", "not valid")]
    [InlineData("@fortnightly", "unknown")]
    [InlineData("", "empty")]
    public void Bad_expressions_are_refused_with_the_reason(string expression, string reason)
    {
        Assert.False(CronExpression.TryParse(expression, "UTC", out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_time_zone_is_refused_by_name()
    {
        Assert.False(CronExpression.TryParse("@daily", "Mars/Olympus_Mons", out _, out var error));
        Assert.Contains("Mars/Olympus_Mons", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Local_times_follow_the_zone_offset()
    {
        var cron = CronExpression.Parse("0 9 * * *", "Europe/Amsterdam");

        Assert.Equal(Utc(2025, 1, 15, 8, 0), cron.NextAfter(Utc(2025, 1, 15, 0, 0))); // CET, UTC+1
        Assert.Equal(Utc(2025, 7, 15, 7, 0), cron.NextAfter(Utc(2025, 7, 15, 0, 0))); // CEST, UTC+2
    }

    [Fact]
    public void Fire_times_are_utc_instants_whatever_the_zone()
    {
        // Stores write them as timestamptz, which Npgsql accepts only with offset 0.
        var cron = CronExpression.Parse("0 9 * * *", "Europe/Amsterdam");

        var next = cron.NextAfter(Utc(2025, 7, 15, 0, 0));

        Assert.Equal(TimeSpan.Zero, next!.Value.Offset);
        Assert.Equal(new DateTimeOffset(2025, 7, 15, 7, 0, 0, TimeSpan.Zero), next.Value);
    }

    [Fact]
    public void Amsterdam_spring_forward_fires_a_skipped_time_once_at_the_transition()
    {
        // 2025-03-30: 02:00 CET jumps to 03:00 CEST at 01:00 UTC, so 02:30 does not exist that day.
        var cron = CronExpression.Parse("30 2 * * *", "Europe/Amsterdam");

        var fires = Fires(cron, Utc(2025, 3, 28, 12, 0), Utc(2025, 3, 31, 12, 0));

        Assert.Equal(
            [Utc(2025, 3, 29, 1, 30), Utc(2025, 3, 30, 1, 0), Utc(2025, 3, 31, 0, 30)],
            fires);
    }

    [Fact]
    public void Amsterdam_spring_forward_collapses_every_skipped_slot_into_one_fire()
    {
        var cron = CronExpression.Parse("*/15 * * * *", "Europe/Amsterdam");

        var fires = Fires(cron, Utc(2025, 3, 30, 0, 40), Utc(2025, 3, 30, 1, 30));

        // 01:45 CET, 02:00-02:45 (skipped) → one fire at the transition, which is also 03:00 CEST; then 03:15 CEST onwards.
        Assert.Equal([Utc(2025, 3, 30, 0, 45), Utc(2025, 3, 30, 1, 0), Utc(2025, 3, 30, 1, 15), Utc(2025, 3, 30, 1, 30)], fires);
    }

    [Fact]
    public void Amsterdam_fall_back_fires_a_repeated_time_once()
    {
        // 2025-10-26: 03:00 CEST falls back to 02:00 CET at 01:00 UTC, so 02:30 happens twice (00:30 and 01:30 UTC).
        var cron = CronExpression.Parse("30 2 * * *", "Europe/Amsterdam");

        var fires = Fires(cron, Utc(2025, 10, 24, 12, 0), Utc(2025, 10, 27, 12, 0));

        Assert.Equal(
            [Utc(2025, 10, 25, 0, 30), Utc(2025, 10, 26, 0, 30), Utc(2025, 10, 27, 1, 30)],
            fires);
    }

    [Fact]
    public void Amsterdam_fall_back_does_not_fire_again_from_inside_the_repeated_hour()
    {
        var cron = CronExpression.Parse("45 2 * * *", "Europe/Amsterdam");

        // 01:10 UTC is 02:10 CET, the second pass of the repeated hour; 02:45 already fired at 00:45 UTC.
        Assert.Equal(Utc(2025, 10, 27, 1, 45), cron.NextAfter(Utc(2025, 10, 26, 1, 10)));
    }

    [Fact]
    public void Hourly_in_Amsterdam_keeps_every_real_hour_once_across_both_transitions()
    {
        var cron = CronExpression.Parse("@hourly", "Europe/Amsterdam");

        var spring = Fires(cron, Utc(2025, 3, 29, 23, 0), Utc(2025, 3, 30, 3, 0));
        var autumn = Fires(cron, Utc(2025, 10, 25, 23, 0), Utc(2025, 10, 26, 3, 0));

        // Spring: 01:00 CET, 03:00 CEST (the transition), 04:00, 05:00 CEST.
        Assert.Equal([Utc(2025, 3, 30, 0, 0), Utc(2025, 3, 30, 1, 0), Utc(2025, 3, 30, 2, 0), Utc(2025, 3, 30, 3, 0)], spring);

        // Autumn: 02:00 CEST fires, the repeated 02:00 CET does not, then 03:00 CET.
        Assert.Equal([Utc(2025, 10, 26, 0, 0), Utc(2025, 10, 26, 2, 0), Utc(2025, 10, 26, 3, 0)], autumn);
    }
}
