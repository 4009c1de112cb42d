using System.Text;
using System.Text.Json;

namespace Ingestion;

/// <summary>The payload of an <see cref="IngestionJobTypes.Sync"/> job: what to sync and, for a scheduled run, which schedule and slot.</summary>
public sealed record SyncJobPayload
{
    /// <summary>The source to sync.</summary>
    public required string Source { get; init; }

    /// <summary>The stream, or <see langword="null"/> for every top-level stream of the source.</summary>
    public string? Stream { get; init; }

    /// <summary>The schedule that enqueued the job, or <see langword="null"/> for a manual run.</summary>
    public string? Schedule { get; init; }

    /// <summary>The schedule's slot that fired, for a scheduled run.</summary>
    public DateTimeOffset? ScheduledAt { get; init; }

    /// <summary>Writes the payload as JSON.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("source", Source);
            if (Stream is not null)
            {
                writer.WriteString("stream", Stream);
            }

            if (Schedule is not null)
            {
                writer.WriteString("schedule", Schedule);
            }

            if (ScheduledAt is { } at)
            {
                writer.WriteString("scheduledAt", at);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Reads a payload written by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The payload.</returns>
    /// <exception cref="FormatException">The text is not JSON, or has no <c>source</c>.</exception>
    public static SyncJobPayload Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("source", out var source)
                || source.ValueKind != JsonValueKind.String
                || string.IsNullOrWhiteSpace(source.GetString()))
            {
                throw new FormatException("A sync job's payload needs a \"source\" string.");
            }

            return new SyncJobPayload
            {
                Source = source.GetString()!,
                Stream = String(root, "stream"),
                Schedule = String(root, "schedule"),
                ScheduledAt = root.TryGetProperty("scheduledAt", out var at) && at.ValueKind == JsonValueKind.String && at.TryGetDateTimeOffset(out var value)
                    ? value
                    : null,
            };
        }
        catch (JsonException exception)
        {
            throw new FormatException($"A sync job's payload is not valid JSON: {exception.Message}", exception);
        }
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
