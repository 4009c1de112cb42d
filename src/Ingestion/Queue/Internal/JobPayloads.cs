using System.Text;
using System.Text.Json;

namespace Ingestion.Queue.Internal;

/// <summary>
/// The payload of an <see cref="IngestionJobTypes.Sync"/> job: which source (and optionally which stream) to sync, and why.
/// Serialized as <c>{"source":"employes","stream":"employees","trigger":"manual","parameters":{...}}</c>.
/// </summary>
internal sealed record SyncJobPayload
{
    /// <summary>The source name.</summary>
    public required string Source { get; init; }

    /// <summary>The stream name, or <see langword="null"/> to sync every top-level stream of the source.</summary>
    public string? Stream { get; init; }

    /// <summary>What asked for the sync (for example <c>manual</c>, <c>schedule</c>, <c>retry</c>). Defaults to <c>manual</c>.</summary>
    public string Trigger { get; init; } = "manual";

    /// <summary>Whether to start from the first page instead of a stored checkpoint.</summary>
    public bool IgnoreCheckpoint { get; init; }

    /// <summary>Parameters for the run (see <see cref="SyncOptions.Parameters"/>).</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>The schedule that enqueued the job (trigger <c>schedule</c>), or <see langword="null"/>.</summary>
    public string? Schedule { get; init; }

    /// <summary>The schedule's slot that fired, for a scheduled run.</summary>
    public DateTimeOffset? ScheduledAt { get; init; }

    /// <summary>Serializes the payload as JSON.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => JobPayloadJson.Write(writer =>
    {
        writer.WriteString("source", Source);
        if (Stream is not null)
        {
            writer.WriteString("stream", Stream);
        }

        writer.WriteString("trigger", Trigger);
        if (IgnoreCheckpoint)
        {
            writer.WriteBoolean("ignoreCheckpoint", true);
        }

        if (Parameters.Count > 0)
        {
            writer.WriteStartObject("parameters");
            foreach (var (name, value) in Parameters)
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
        }

        if (Schedule is not null)
        {
            writer.WriteString("schedule", Schedule);
        }

        if (ScheduledAt is { } scheduledAt)
        {
            writer.WriteString("scheduledAt", scheduledAt);
        }
    });

    /// <summary>Reads a payload written by <see cref="ToJson"/>.</summary>
    /// <param name="json">The job's payload.</param>
    /// <returns>The payload.</returns>
    /// <exception cref="FormatException">The payload is not a sync job payload.</exception>
    public static SyncJobPayload Parse(string json) => JobPayloadJson.Read(json, "sync", root =>
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty("parameters", out var p) && p.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in p.EnumerateObject())
            {
                parameters[property.Name] = property.Value.GetString() ?? string.Empty;
            }
        }

        return new SyncJobPayload
        {
            Source = JobPayloadJson.RequiredString(root, "source"),
            Stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null,
            Trigger = root.TryGetProperty("trigger", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "manual",
            IgnoreCheckpoint = root.TryGetProperty("ignoreCheckpoint", out var i) && i.ValueKind == JsonValueKind.True,
            Parameters = parameters,
            Schedule = root.TryGetProperty("schedule", out var schedule) && schedule.ValueKind == JsonValueKind.String ? schedule.GetString() : null,
            ScheduledAt = root.TryGetProperty("scheduledAt", out var at) && at.ValueKind == JsonValueKind.String && at.TryGetDateTimeOffset(out var when)
                ? when
                : null,
        };
    });
}

/// <summary>
/// The payload of an <see cref="IngestionJobTypes.Derive"/> job: changed record keys of one stream whose derived output is
/// rebuilt by every registered <see cref="IDeriver"/> that takes the stream as input.
/// Serialized as <c>{"source":"employes","stream":"employments","keys":["1","2"]}</c>.
/// </summary>
internal sealed record DeriveJobPayload
{
    /// <summary>The stream whose records changed.</summary>
    public required StreamId Stream { get; init; }

    /// <summary>The changed record keys.</summary>
    public required IReadOnlyList<string> Keys { get; init; }

    /// <summary>Serializes the payload as JSON.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => JobPayloadJson.Write(writer =>
    {
        writer.WriteString("source", Stream.Source);
        writer.WriteString("stream", Stream.Stream);
        writer.WriteStartArray("keys");
        foreach (var key in Keys)
        {
            writer.WriteStringValue(key);
        }

        writer.WriteEndArray();
    });

    /// <summary>Reads a payload written by <see cref="ToJson"/>.</summary>
    /// <param name="json">The job's payload.</param>
    /// <returns>The payload.</returns>
    /// <exception cref="FormatException">The payload is not a derive job payload.</exception>
    public static DeriveJobPayload Parse(string json) => JobPayloadJson.Read(json, "derive", root =>
    {
        if (!root.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("The derive job payload has no 'keys' array.");
        }

        var list = new List<string>(keys.GetArrayLength());
        foreach (var key in keys.EnumerateArray())
        {
            list.Add(key.GetString() ?? throw new FormatException("The derive job payload has a key that is not a string."));
        }

        return new DeriveJobPayload
        {
            Stream = new StreamId(JobPayloadJson.RequiredString(root, "source"), JobPayloadJson.RequiredString(root, "stream")),
            Keys = list,
        };
    });
}

/// <summary>
/// The payload of an <see cref="IngestionJobTypes.Webhook"/> job: the inbox entry to process.
/// Serialized as <c>{"source":"jibble","inboxId":42}</c>.
/// </summary>
internal sealed record WebhookJobPayload
{
    /// <summary>The source the delivery came from.</summary>
    public required string Source { get; init; }

    /// <summary>The id of the delivery in the <see cref="IWebhookInbox"/>.</summary>
    public required long InboxId { get; init; }

    /// <summary>Serializes the payload as JSON.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => JobPayloadJson.Write(writer =>
    {
        writer.WriteString("source", Source);
        writer.WriteNumber("inboxId", InboxId);
    });

    /// <summary>Reads a payload written by <see cref="ToJson"/>.</summary>
    /// <param name="json">The job's payload.</param>
    /// <returns>The payload.</returns>
    /// <exception cref="FormatException">The payload is not a webhook job payload.</exception>
    public static WebhookJobPayload Parse(string json) => JobPayloadJson.Read(json, "webhook", root => new WebhookJobPayload
    {
        Source = JobPayloadJson.RequiredString(root, "source"),
        InboxId = root.TryGetProperty("inboxId", out var id) && id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out var value)
            ? value
            : throw new FormatException("The webhook job payload has no numeric 'inboxId'."),
    });
}

internal static class JobPayloadJson
{
    public static string Write(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    public static T Read<T>(string json, string kind, Func<JsonElement, T> read)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"The {kind} job payload is not a JSON object.");
            }

            return read(document.RootElement);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new FormatException($"The {kind} job payload is not valid: {ex.Message}", ex);
        }
    }

    public static string RequiredString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw new FormatException($"The job payload has no '{name}'.");
}
