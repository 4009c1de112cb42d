using System.Globalization;
using Ingestion.Connectors.Jibble;

namespace Ingestion.Connectors.Tests.Derivation;

/// <summary>
/// People, groups and time entries changed at random: sessions added (some across midnight, linked both ways or not),
/// entries retimed, moved to another day or person, archived or otherwise made inactive, unlinked and deleted; people
/// renamed, moved between groups and removed; groups renamed and removed.
/// </summary>
internal sealed class JibbleHistory(int seed) : IVendorHistory
{
    private static readonly DateOnly FirstDay = new(2026, 3, 1);
    private static readonly string[] Statuses = ["Active", "Active", "Archived", "Deleted", "Removed", "Inactive"];
    private readonly Random _random = new(seed);
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Name, string GroupId)> _people = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _groups = new(StringComparer.Ordinal);
    private int _next;

    public void Mutate()
    {
        for (var i = _random.Next(1, 5); i > 0; i--)
        {
            var roll = _random.Next(100);
            if (roll < 30 || _entries.Count == 0)
            {
                AddSession();
            }
            else if (roll < 40)
            {
                Pick().Time += TimeSpan.FromMinutes(_random.Next(-240, 240));
            }
            else if (roll < 52)
            {
                Pick().Day = Pick().Day.AddDays(_random.Next(-2, 3));
            }
            else if (roll < 55)
            {
                Pick().Person = Person();
            }
            else if (roll < 63)
            {
                Pick().Status = Statuses[_random.Next(Statuses.Length)];
            }
            else if (roll < 68)
            {
                var entry = Pick();
                (entry.Previous, entry.Next) = (null, null);
            }
            else if (roll < 76)
            {
                _entries.Remove(Pick().Id);
            }
            else if (roll < 86)
            {
                _people[Person()] = ($"Person {_random.Next(100)}", Group());
            }
            else if (roll < 89)
            {
                _people.Remove(Person());
            }
            else if (roll < 97)
            {
                _groups[Group()] = $"Group {_random.Next(100)}";
            }
            else
            {
                _groups.Remove(Group());
            }
        }
    }

    public IReadOnlyDictionary<StreamId, IReadOnlyDictionary<string, string>> Snapshot() =>
        new Dictionary<StreamId, IReadOnlyDictionary<string, string>>
        {
            [new StreamId(JibbleOptions.DefaultName, JibbleStreams.Groups)] = _groups.ToDictionary(g => g.Key, g => $$"""{"id":"{{g.Key}}","name":"{{g.Value}}","status":"Active"}""", StringComparer.Ordinal),
            [new StreamId(JibbleOptions.DefaultName, JibbleStreams.People)] = _people.ToDictionary(
                p => p.Key, p => $$"""{"id":"{{p.Key}}","fullName":"{{p.Value.Name}}","groupId":"{{p.Value.GroupId}}","status":"Joined"}""", StringComparer.Ordinal),
            [new StreamId(JibbleOptions.DefaultName, JibbleStreams.TimeEntries)] = _entries.Values.ToDictionary(e => e.Id, e => e.Json(), StringComparer.Ordinal),
        };

    private void AddSession()
    {
        var person = Person();
        var day = FirstDay.AddDays(_random.Next(6));
        var clockIn = new Entry($"t{_next++}", person, day, "In", day.ToDateTime(new TimeOnly(_random.Next(6, 23), 0), DateTimeKind.Utc));
        _entries[clockIn.Id] = clockIn;
        if (_random.Next(5) == 0)
        {
            return; // an In without Out
        }

        var outTime = clockIn.Time + TimeSpan.FromHours(_random.Next(1, 10));
        var outDay = DateOnly.FromDateTime(outTime) != day && _random.Next(2) == 0 ? DateOnly.FromDateTime(outTime) : day;
        var clockOut = new Entry($"t{_next++}", person, outDay, "Out", outTime) { ClientType = _random.Next(6) == 0 ? "AutoOut" : "Web" };
        if (_random.Next(10) < 7)
        {
            (clockIn.Next, clockOut.Previous) = (clockOut.Id, clockIn.Id);
        }

        _entries[clockOut.Id] = clockOut;
    }

    private Entry Pick() => _entries.Values.ElementAt(_random.Next(_entries.Count));

    private string Person() => $"p{_random.Next(4)}";

    private string Group() => $"g{_random.Next(2)}";

    private sealed class Entry(string id, string person, DateOnly day, string type, DateTime time)
    {
        public string Id { get; } = id;

        public string Person { get; set; } = person;

        public DateOnly Day { get; set; } = day;

        public string Type { get; } = type;

        public DateTime Time { get; set; } = time;

        public string Status { get; set; } = "Active";

        public string ClientType { get; set; } = "Web";

        public string? Previous { get; set; }

        public string? Next { get; set; }

        public string Json() =>
            $$"""{"id":"{{Id}}","personId":"{{Person}}","type":"{{Type}}","status":"{{Status}}","clientType":"{{ClientType}}","time":"{{Time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}","belongsToDate":"{{Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}}","previousTimeEntryId":{{Quoted(Previous)}},"nextTimeEntryId":{{Quoted(Next)}}}""";

        private static string Quoted(string? id) => id is null ? "null" : $"\"{id}\"";
    }
}
