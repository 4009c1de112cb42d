using Ingestion.Running.Internal;

namespace Ingestion.Tests.Running;

public sealed class WatermarksTests
{
    [Theory]
    [InlineData("2025-04-01T12:00:00Z", "2025-04-01T11:55:00Z")]
    [InlineData("2025-04-01T12:00:00.250+02:00", "2025-04-01T09:55:00.25Z")]
    [InlineData("2025-04-01", "2025-03-31")]
    [InlineData("1712345678", "1712345678")]
    [InlineData("cursor-abc", "cursor-abc")]
    public void The_overlap_moves_timestamps_back_and_leaves_other_watermarks_alone(string watermark, string expected) =>
        Assert.Equal(expected, Watermarks.ApplyOverlap(watermark, TimeSpan.FromMinutes(5)));

    [Theory]
    [InlineData("2025-01-02T00:00:00+01:00", "2025-01-01T23:30:00Z", "2025-01-01T23:30:00Z")]
    [InlineData("9", "10", "10")]
    [InlineData("b", "a", "b")]
    [InlineData(null, "a", "a")]
    [InlineData("a", null, "a")]
    public void The_greater_watermark_wins_by_instant_number_or_ordinal(string? current, string? candidate, string expected) =>
        Assert.Equal(expected, Watermarks.Max(current, candidate));
}
