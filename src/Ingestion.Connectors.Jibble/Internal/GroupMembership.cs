using System.Collections.Concurrent;
using System.Text.Json;

namespace Ingestion.Connectors.Jibble.Internal;

/// <summary>
/// The group of every person one source has seen in its People pages, so that time entries of any group's members can be asked
/// for (Jibble cannot filter time entries by group). A person seen again in another group moves there; someone no longer returned
/// keeps their last group until the host restarts (more is fetched, nothing is lost).
/// </summary>
internal sealed class GroupMembership
{
    private readonly ConcurrentDictionary<string, string> _groupOf = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether any person has been seen yet.</summary>
    public bool IsKnown => !_groupOf.IsEmpty;

    /// <summary>The members of <paramref name="groups"/> seen so far, ordered, and the groups none of whose members was seen.</summary>
    public (IReadOnlyList<string> People, IReadOnlyList<string> GroupsWithoutMembers) MembersOf(IReadOnlyCollection<string> groups)
    {
        var wanted = new HashSet<string>(groups, StringComparer.OrdinalIgnoreCase);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var people = new List<string>();
        foreach (var (person, group) in _groupOf)
        {
            if (wanted.Contains(group))
            {
                people.Add(person);
                seen.Add(group);
            }
        }

        people.Sort(StringComparer.Ordinal);
        return (people, [.. groups.Where(g => !seen.Contains(g))]);
    }

    public void Observe(ReadOnlySpan<byte> record)
    {
        try
        {
            var reader = new Utf8JsonReader(record);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && Guid.TryParse(id.GetString(), out var personId)
                && root.TryGetProperty("groupId", out var group))
            {
                var person = personId.ToString("D");
                if (group.ValueKind == JsonValueKind.String && Guid.TryParse(group.GetString(), out var groupId))
                {
                    _groupOf[person] = groupId.ToString("D");
                }
                else if (group.ValueKind == JsonValueKind.Null)
                {
                    _groupOf.TryRemove(person, out _);
                }
            }
        }
        catch (JsonException)
        {
            // A malformed person is stored raw and flagged by the engine; it just adds nobody here.
        }
    }

    /// <summary>A selector that passes People records through unchanged and notes each person's group.</summary>
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
