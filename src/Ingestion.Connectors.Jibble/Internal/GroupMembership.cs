using System.Collections.Concurrent;
using System.Text.Json;

namespace Ingestion.Connectors.Jibble.Internal;

/// <summary>
/// The people seen in the filtered groups of one source, learned from its People pages, so that time entries can be asked
/// for those people only. The set only grows while the process runs: someone who left a group is still fetched (more is
/// stored, nothing is lost) until the host restarts.
/// </summary>
internal sealed class GroupMembership(IReadOnlyCollection<string> groups)
{
    private readonly HashSet<string> _groups = new(groups.Select(g => Guid.Parse(g).ToString("D")), StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, byte> _people = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<string> Groups => _groups;

    public bool IsKnown => !_people.IsEmpty;

    public IReadOnlyList<string> People => [.. _people.Keys.Order(StringComparer.Ordinal)];

    public void Observe(ReadOnlySpan<byte> person)
    {
        try
        {
            var reader = new Utf8JsonReader(person);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
                && root.TryGetProperty("groupId", out var group) && group.ValueKind == JsonValueKind.String
                && _groups.Contains(group.GetString()!))
            {
                _people.TryAdd(id.GetString()!, 0);
            }
        }
        catch (JsonException)
        {
            // A malformed person is stored raw and flagged by the engine; it just adds nobody here.
        }
    }

    /// <summary>A selector that passes People records through unchanged and notes the members of the filtered groups.</summary>
    public RecordSelector Observing(RecordSelector inner) => new ObservingSelector(inner, this);

    private sealed class ObservingSelector(RecordSelector inner, GroupMembership membership) : RecordSelector
    {
        public override RecordSelection Select(ReadOnlyMemory<byte> body)
        {
            var selection = inner.Select(body);
            foreach (var record in selection.Records)
            {
                membership.Observe(record.Span);
            }

            return selection;
        }
    }
}
