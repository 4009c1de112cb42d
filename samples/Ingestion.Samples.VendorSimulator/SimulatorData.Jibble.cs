namespace Ingestion.Samples.VendorSimulator;

// Jibble: the generated groups, people and time entries, their queries and mutations.
public sealed partial class SimulatorData
{
    private static readonly string[] GroupNames =
    [
        "Kitchen", "Front Desk", "Warehouse", "Drivers", "Cleaning", "Support", "Sales", "Workshop", "Night Shift",
    ];

    private static readonly TimeSpan[] Offsets =
    [
        TimeSpan.FromHours(7), TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromHours(-5),
        new(5, 30, 0),
    ];

    private int _nightShifts;

    internal List<JibbleGroup> Groups { get; } = [];

    internal List<JibblePerson> People { get; } = [];

    internal List<JibbleTimeEntry> TimeEntries { get; } = [];

    /// <summary>Ids of all Jibble people.</summary>
    public IReadOnlyList<Guid> PersonIds
    {
        get { lock (Sync) { return [.. People.Select(p => p.Id)]; } }
    }

    /// <summary>Number of Jibble time entries (all statuses).</summary>
    public int TimeEntryCount
    {
        get { lock (Sync) { return TimeEntries.Count; } }
    }

    /// <summary>Number of Jibble time entries whose <c>belongsToDate</c> is in the closed range.</summary>
    public int CountTimeEntries(DateOnly from, DateOnly to)
    {
        lock (Sync)
        {
            return TimeEntries.Count(t => t.BelongsToDate >= from && t.BelongsToDate <= to);
        }
    }

    /// <summary>Renames a Jibble person and moves its <c>updatedAt</c>.</summary>
    public void RenamePerson(Guid personId, string firstName, string lastName)
    {
        lock (Sync)
        {
            var person = People.Find(p => p.Id == personId) ?? throw new KeyNotFoundException($"Person {personId} not found.");
            person.FirstName = firstName;
            person.LastName = lastName;
            person.UpdatedAt = new DateTimeOffset(NextStamp(), TimeSpan.Zero);
        }
    }

    /// <summary>
    /// Adds a Jibble time entry (<paramref name="type"/> <c>In</c> or <c>Out</c>) for a person at a UTC instant. Its
    /// <c>belongsToDate</c> is the person's local date of <paramref name="time"/> unless given. Returns the new id.
    /// </summary>
    public Guid AddTimeEntry(Guid personId, string type, DateTimeOffset time, string clientType = "Web", DateOnly? belongsToDate = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        lock (Sync)
        {
            var person = People.Find(p => p.Id == personId) ?? throw new KeyNotFoundException($"Person {personId} not found.");
            var local = time.ToOffset(person.UtcOffset);
            var previous = TimeEntries.Where(t => t.PersonId == personId && t.Time <= time).MaxBy(t => t.Time);
            var entry = new JibbleTimeEntry
            {
                Id = NewGuid(_mutationRandom),
                PersonId = personId,
                Type = type,
                ClientType = clientType,
                Time = TruncateFraction(time.ToUniversalTime(), 2),
                FractionDigits = 2,
                Offset = person.UtcOffset,
                BelongsToDate = belongsToDate ?? DateOnly.FromDateTime(local.DateTime),
                PreviousTimeEntryId = type == "Out" ? previous?.Id : null,
                IsManual = clientType == "Web",
                DeviceName = "Chrome",
                Os = "Windows",
            };
            if (type == "Out" && previous is not null && previous.Type == "In")
            {
                previous.NextTimeEntryId = entry.Id;
            }

            var index = TimeEntries.FindLastIndex(t => t.Time <= entry.Time) + 1;
            TimeEntries.Insert(index, entry);
            if (person.LatestTimeEntryTime is null || person.LatestTimeEntryTime < entry.Time)
            {
                person.LatestTimeEntryTime = entry.Time;
            }

            return entry.Id;
        }
    }

    /// <summary>Sets a time entry's status to <c>Archived</c>.</summary>
    public void ArchiveTimeEntry(Guid timeEntryId)
    {
        lock (Sync)
        {
            var entry = TimeEntries.Find(t => t.Id == timeEntryId) ?? throw new KeyNotFoundException($"Time entry {timeEntryId} not found.");
            entry.Status = "Archived";
        }
    }

    private void GenerateJibble(Random random)
    {
        var reference = new DateTimeOffset(Reference, TimeSpan.Zero);
        var groupCount = Math.Max(3, Math.Min(GroupNames.Length, _options.PeopleCount / 20));
        for (var g = 0; g < groupCount; g++)
        {
            var created = reference.AddDays(-random.Next(400, 900));
            Groups.Add(new JibbleGroup
            {
                Id = NewGuid(random),
                Name = GroupNames[g],
                Status = g == groupCount - 1 ? "Removed" : "Active",
                CreatedAt = created,
                UpdatedAt = created.AddDays(random.Next(1, 300)),
            });
        }

        for (var i = 0; i < _options.PeopleCount; i++)
        {
            var first = Pick(random, FirstNames);
            var last = Pick(random, Surnames);
            var invited = reference.AddDays(-random.Next(60, 800)).AddMinutes(random.Next(1440));
            var removed = i > 0 && random.Next(20) == 0;
            var person = new JibblePerson
            {
                Id = NewGuid(random),
                UserId = NewGuid(random),
                GroupId = random.Next(8) == 0 ? null : Groups[random.Next(Groups.Count - 1)].Id,
                FirstName = first,
                LastName = last,
                Email = $"{first.ToLowerInvariant()}.{last.ToLowerInvariant()}{i}@example.com",
                CountryCode = "NL",
                Role = i == 0 ? "Owner" : random.Next(10) switch { 0 => "Admin", 1 => "Manager", _ => "Member" },
                Code = "E-" + (i + 1).ToString("000", System.Globalization.CultureInfo.InvariantCulture),
                Status = removed ? "Removed" : "Joined",
                InvitedAt = invited,
                JoinDate = invited.AddHours(random.Next(1, 72)),
                CreatedAt = invited,
                WorkStartDate = DateOnly.FromDateTime(invited.AddDays(random.Next(1, 10)).Date),
                UtcOffset = Offsets[random.Next(Offsets.Length)],
                AutomaticOutAtTime = random.Next(3) == 0 ? new TimeOnly(23, 59) : new TimeOnly(18, 0),
            };
            person.UpdatedAt = invited.AddDays(random.Next(1, 50));
            if (removed)
            {
                person.RemovedAt = reference.AddDays(-random.Next(40, 200));
                person.UpdatedAt = person.RemovedAt.Value;
            }

            People.Add(person);
        }

        var firstDay = DateOnly.FromDateTime(Reference).AddDays(-_options.TimeEntryDays);
        var lastDay = DateOnly.FromDateTime(Reference).AddDays(-1);
        foreach (var person in People)
        {
            if (person.Status != "Joined")
            {
                continue;
            }

            for (var day = firstDay; day <= lastDay; day = day.AddDays(1))
            {
                var weekend = day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
                if (random.Next(100) >= (weekend ? 10 : 85))
                {
                    continue;
                }

                GenerateDay(random, person, day, isLastDay: day == lastDay);
            }
        }

        TimeEntries.Sort((a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : a.Id.CompareTo(b.Id));
        foreach (var person in People)
        {
            person.LatestTimeEntryTime = null;
        }

        var byId = People.ToDictionary(p => p.Id);
        foreach (var entry in TimeEntries)
        {
            byId[entry.PersonId].LatestTimeEntryTime = entry.Time;
        }
    }

    private void GenerateDay(Random random, JibblePerson person, DateOnly day, bool isLastDay)
    {
        var roll = random.Next(100);
        var nightShift = roll < 3;
        var localStart = nightShift
            ? day.ToDateTime(new TimeOnly(21, 30)).AddMinutes(random.Next(60))
            : day.ToDateTime(new TimeOnly(7, 0)).AddMinutes(random.Next(180));
        localStart = localStart.AddTicks(random.NextInt64(TimeSpan.TicksPerMinute));
        var start = new DateTimeOffset(localStart, person.UtcOffset);
        var archived = random.Next(100) < 2;

        var inEntry = NewEntry(random, person, "In", "Web", start, day);
        if (isLastDay && random.Next(4) == 0)
        {
            // Still working: an In without an Out.
            TimeEntries.Add(inEntry);
            return;
        }

        JibbleTimeEntry outEntry;
        if (!nightShift && roll < 8)
        {
            // Forgot to clock out: the system clocks the person out at the organization's automatic out time.
            var autoOut = new DateTimeOffset(day.ToDateTime(person.AutomaticOutAtTime), person.UtcOffset);
            outEntry = NewEntry(random, person, "Out", "AutoOut", autoOut, day, fractionDigits: 0);
        }
        else
        {
            // Night shifts end after midnight and belong to the day the shift started, or (with JibbleNightShiftsBothDatings,
            // every other one) the out is dated the day it happened.
            var worked = TimeSpan.FromMinutes(nightShift ? random.Next(420, 540) : random.Next(240, 600));
            var outDay = nightShift && _options.JibbleNightShiftsBothDatings && (_nightShifts++ % 2 == 1) ? day.AddDays(1) : day;
            outEntry = NewEntry(random, person, "Out", random.Next(5) == 0 ? "Mobile" : "Web", start + worked, outDay);
        }

        inEntry.NextTimeEntryId = outEntry.Id;
        outEntry.PreviousTimeEntryId = inEntry.Id;
        if (archived)
        {
            inEntry.Status = "Archived";
            outEntry.Status = "Archived";
        }

        TimeEntries.Add(inEntry);
        TimeEntries.Add(outEntry);
    }

    private static JibbleTimeEntry NewEntry(Random random, JibblePerson person, string type, string clientType, DateTimeOffset time, DateOnly belongsTo, int? fractionDigits = null) => new()
    {
        Id = NewGuid(random),
        PersonId = person.Id,
        Type = type,
        ClientType = clientType,
        Time = TruncateFraction(time.ToUniversalTime(), fractionDigits ??= random.Next(0, 8)),
        FractionDigits = fractionDigits.Value,
        Offset = person.UtcOffset,
        BelongsToDate = belongsTo,
        IsEndOfDay = clientType == "AutoOut",
        DeviceName = clientType == "Mobile" ? "iPhone" : clientType == "AutoOut" ? "System" : "Firefox",
        Os = clientType == "Mobile" ? "iOS" : "Linux",
    };

    private static DateTimeOffset TruncateFraction(DateTimeOffset value, int digits)
    {
        var unit = (long)Math.Pow(10, 7 - digits);
        return new DateTimeOffset(value.Ticks - (value.Ticks % unit), value.Offset);
    }
}
