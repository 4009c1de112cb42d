using System.Globalization;
using System.Text.Json;

namespace Ingestion.Connectors.Jibble.Deriving.Internal;

/// <summary>The fields of a Jibble time entry that pairing needs, read from its raw JSON.</summary>
internal sealed record TimeEntry(
    string Id,
    string PersonId,
    DateOnly BelongsToDate,
    TimeEntryType Type,
    DateTimeOffset Time,
    string TimeText,
    string? LocalTime,
    string? Status,
    string? ClientType,
    string? PreviousId = null,
    string? NextId = null)
{
    /// <summary>
    /// Whether the entry no longer counts: <c>Archived</c> (Jibble's own word), or <c>Deleted</c>, <c>Removed</c> or
    /// <c>Inactive</c>, which other Jibble objects use for the same and an entry may carry too.
    /// </summary>
    public bool IsInactive => Status?.Trim() is { } status
        && (status.Equals("Archived", StringComparison.OrdinalIgnoreCase)
            || status.Equals("Deleted", StringComparison.OrdinalIgnoreCase)
            || status.Equals("Removed", StringComparison.OrdinalIgnoreCase)
            || status.Equals("Inactive", StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether the entry links to an entry of its own (<c>previousTimeEntryId</c> or <c>nextTimeEntryId</c>), which may be dated another day.</summary>
    public bool IsLinked => PreviousId is not null || NextId is not null;

    public bool IsAutoOut => string.Equals(ClientType, "AutoOut", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads an entry; <see langword="null"/> when a field pairing needs is missing or unreadable.</summary>
    public static TimeEntry? TryRead(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || Text(root, "id") is not { } id
                || Text(root, "personId") is not { } personId
                || Text(root, "belongsToDate") is not { } dateText
                || !DateOnly.TryParseExact(dateText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                || Text(root, "time") is not { } timeText
                || !DateTimeOffset.TryParse(timeText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
            {
                return null;
            }

            var type = Text(root, "type") switch
            {
                "In" or "ClockIn" => TimeEntryType.In,
                "Out" or "ClockOut" => TimeEntryType.Out,
                _ => TimeEntryType.Other,
            };
            return new TimeEntry(id, personId, date, type, time, timeText, Text(root, "localTime"), Text(root, "status"), Text(root, "clientType"), Text(root, "previousTimeEntryId"), Text(root, "nextTimeEntryId"));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Reads the person and day an entry belongs to.</summary>
    public static (string PersonId, string BelongsToDate)? TryReadDay(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object && Text(root, "personId") is { } person && Text(root, "belongsToDate") is { } date
                ? (person, date)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>The kind of a time entry.</summary>
internal enum TimeEntryType
{
    /// <summary>A clock-in (<c>In</c>, or <c>ClockIn</c> from older clients).</summary>
    In,

    /// <summary>A clock-out (<c>Out</c>, or <c>ClockOut</c>).</summary>
    Out,

    /// <summary>Anything else (breaks, unknown types); not paired.</summary>
    Other,
}
