using System.Globalization;

namespace Ingestion.Running.Internal;

/// <summary>
/// Watermarks are strings as the vendor sends them. Numbers compare as numbers, timestamps as instants,
/// anything else ordinally; the overlap only moves timestamps.
/// </summary>
internal static class Watermarks
{
    private const string DateOnlyFormat = "yyyy-MM-dd";
    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'";

    /// <summary>Moves a timestamp watermark back by <paramref name="overlap"/>; other watermarks are returned as they are.</summary>
    public static string ApplyOverlap(string watermark, TimeSpan overlap)
    {
        if (overlap <= TimeSpan.Zero || IsNumber(watermark) || !TryParseTimestamp(watermark, out var instant))
        {
            return watermark;
        }

        var moved = instant - overlap;
        return IsDateOnly(watermark)
            ? moved.UtcDateTime.ToString(DateOnlyFormat, CultureInfo.InvariantCulture)
            : moved.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);
    }

    /// <summary>Returns the greater of two watermarks; <see langword="null"/> counts as the smallest.</summary>
    public static string? Max(string? current, string? candidate)
    {
        if (candidate is null)
        {
            return current;
        }

        if (current is null)
        {
            return candidate;
        }

        return Compare(candidate, current) > 0 ? candidate : current;
    }

    /// <summary>Compares two cursor values: as numbers when both are numbers, as instants when both are timestamps, else ordinally.</summary>
    public static int Compare(string left, string right)
    {
        if (decimal.TryParse(left, NumberStyles.Number, CultureInfo.InvariantCulture, out var leftNumber)
            && decimal.TryParse(right, NumberStyles.Number, CultureInfo.InvariantCulture, out var rightNumber))
        {
            return leftNumber.CompareTo(rightNumber);
        }

        if (TryParseTimestamp(left, out var leftInstant) && TryParseTimestamp(right, out var rightInstant))
        {
            return leftInstant.CompareTo(rightInstant);
        }

        return string.CompareOrdinal(left, right);
    }

    private static bool IsNumber(string value) =>
        decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out _);

    // Only values that look like dates are parsed, so that short tokens ("1.5", "v2") are not read as dates.
    private static bool TryParseTimestamp(string value, out DateTimeOffset instant)
    {
        instant = default;
        return value.Length >= 8
            && value.AsSpan().IndexOfAny('-', '/', ':') >= 0
            && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out instant);
    }

    private static bool IsDateOnly(string value) =>
        value.Length == DateOnlyFormat.Length
        && DateOnly.TryParseExact(value, DateOnlyFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out _);
}
