using System.Globalization;
using System.Text.Json;
using Ingestion.Connectors.Jibble.Deriving.Internal;

namespace Ingestion.Connectors.Jibble;

/// <summary>
/// Derives work sessions from a Jibble source's time entries. The input key is one person's day,
/// <c>{personId}/{belongsToDate}</c>; its entries are paired In → Out in time order (see the record fields below).
/// Each session is one <see cref="DerivedRecord"/> of kind <c>work_session</c>, keyed
/// <c>{personId}/{belongsToDate}/{id of the opening entry}</c>, so deriving again replaces rather than duplicates.
/// <para>
/// Payload fields: <c>personId</c>, <c>belongsToDate</c>, <c>clockInId</c>, <c>clockIn</c>, <c>clockInLocal</c>,
/// <c>clockOutId</c>, <c>clockOut</c>, <c>clockOutLocal</c>, <c>durationMinutes</c> (null unless complete),
/// <c>status</c> (<c>complete</c>, <c>missing_out</c> for an In without Out, <c>missing_in</c> for an Out without In),
/// <c>incomplete</c>, <c>autoClockOut</c> (the Out was Jibble's automatic clock-out, <c>clientType</c> <c>AutoOut</c>: the person
/// forgot, so the duration is not real work), and the links <c>personKnown</c>, <c>personName</c>, <c>groupId</c>,
/// <c>groupKnown</c>, <c>groupName</c>, filled when the person and group have been synced and left empty when not.
/// Entries whose status means they no longer count (<c>Archived</c>, <c>Deleted</c>, <c>Removed</c>, <c>Inactive</c>) are ignored.
/// A day is read with its neighbours only (one query for the person's entries dated the day before, the day and the day
/// after), never the person's whole history. The person and group names follow People and Groups: a change of a person
/// derives that person's days again, and a change of a group the days of its people. Sessions are per <c>belongsToDate</c>: a night shift whose Out is after midnight pairs when
/// Jibble assigns the Out to the shift's day (it does), and an In whose day has no Out stays <c>missing_out</c>.
/// </para>
/// </summary>
public sealed partial class WorkSessionDeriver : ILookupDeriver
{
    /// <summary>The kind of every derived record.</summary>
    public const string Kind = "work_session";

    private readonly StreamId _timeEntries;
    private readonly StreamId _people;
    private readonly StreamId _groups;

    /// <summary>Creates the deriver for the Jibble source <paramref name="sourceName"/>.</summary>
    /// <param name="sourceName">The source name the account was registered with. Defaults to <c>jibble</c>.</param>
    public WorkSessionDeriver(string sourceName = JibbleOptions.DefaultName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceName);
        SourceName = sourceName;
        Name = sourceName + ".work-sessions";
        _timeEntries = new StreamId(sourceName, JibbleStreams.TimeEntries);
        _people = new StreamId(sourceName, JibbleStreams.People);
        _groups = new StreamId(sourceName, JibbleStreams.Groups);
        Inputs = [_timeEntries, _people, _groups];
    }

    /// <summary>The Jibble source whose entries this deriver reads.</summary>
    public string SourceName { get; }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    /// <remarks>4: entries whose status is <c>Deleted</c>, <c>Removed</c> or <c>Inactive</c> are ignored like <c>Archived</c> ones.</remarks>
    public int Version => 4;

    /// <inheritdoc />
    public IReadOnlyList<StreamId> Inputs { get; }

    /// <summary>Builds the input key of one person's day.</summary>
    /// <param name="personId">The person id.</param>
    /// <param name="belongsToDate">The day.</param>
    /// <returns><c>{personId}/{yyyy-MM-dd}</c>.</returns>
    public static string InputKeyFor(string personId, DateOnly belongsToDate) =>
        personId + "/" + belongsToDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public string? GetInputKey(StreamId stream, string recordKey, ReadOnlyMemory<byte> payload)
    {
        if (stream != _timeEntries || TimeEntry.TryReadDay(payload.Span) is not { } day)
        {
            return null;
        }

        return day.PersonId + "/" + day.BelongsToDate;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<DerivedRecord>> DeriveAsync(string inputKey, DerivationContext context, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(inputKey);
        ArgumentNullException.ThrowIfNull(context);
        var slash = inputKey.LastIndexOf('/');
        if (slash <= 0
            || !DateOnly.TryParseExact(inputKey.AsSpan(slash + 1), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            throw new ArgumentException($"'{inputKey}' is not a work-session input key ({{personId}}/{{yyyy-MM-dd}}).", nameof(inputKey));
        }

        var personId = inputKey[..slash];
        var entries = new List<TimeEntry>();
        var neighbours = new Dictionary<string, TimeEntry>(StringComparer.Ordinal);
        await foreach (var record in context.RawStore.QueryLatestAsync(_timeEntries, DayQuery(personId, date), cancellationToken).ConfigureAwait(false))
        {
            if (!record.IsPartial && record.IsJson && TimeEntry.TryRead(record.Payload.Span) is { } entry && entry.PersonId == personId)
            {
                if (entry.BelongsToDate == date)
                {
                    entries.Add(entry);
                }
                else if (Math.Abs(entry.BelongsToDate.DayNumber - date.DayNumber) == 1)
                {
                    neighbours[entry.Id] = entry;
                }
            }
        }

        var sessions = WorkSessionPairing.Pair(entries, neighbours);
        if (sessions.Count == 0)
        {
            return [];
        }

        var person = await ReadAsync(context.RawStore, _people, personId, cancellationToken).ConfigureAwait(false);
        var personName = person is { } p ? Text(p, "fullName") ?? JoinName(Text(p, "firstName"), Text(p, "lastName")) : null;
        var groupId = person is { } q ? Text(q, "groupId") : null;
        var group = groupId is null ? null : await ReadAsync(context.RawStore, _groups, groupId, cancellationToken).ConfigureAwait(false);
        var link = new Link(person is not null, personName, groupId, group is not null, group is { } g ? Text(g, "name") : null);

        var output = new List<DerivedRecord>(sessions.Count);
        foreach (var session in sessions)
        {
            output.Add(new DerivedRecord
            {
                Key = inputKey + "/" + session.AnchorId,
                Kind = Kind,
                EffectiveAt = session.StartsAt,
                Payload = Write(personId, date, session, link),
            });
        }

        return output;
    }

    private static async ValueTask<JsonElement?> ReadAsync(IRawStore store, StreamId stream, string key, CancellationToken cancellationToken)
    {
        var record = await store.GetLatestAsync(stream, key, cancellationToken).ConfigureAwait(false);
        if (record is null || record.IsPartial || !record.IsJson || record.DeletedAt is not null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(record.Payload);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? JoinName(string? first, string? last) =>
        first is null && last is null ? null : string.Join(' ', new[] { first, last }.Where(s => !string.IsNullOrEmpty(s)));

    private static byte[] Write(string personId, DateOnly date, WorkSession session, Link link)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("personId", personId);
            w.WriteString("belongsToDate", date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            WriteEntry(w, "clockIn", session.ClockIn);
            WriteEntry(w, "clockOut", session.ClockOut);
            if (session.DurationMinutes is { } minutes)
            {
                w.WriteNumber("durationMinutes", minutes);
            }
            else
            {
                w.WriteNull("durationMinutes");
            }

            if (session.AutoClockOutMinutes is { } autoMinutes)
            {
                w.WriteNumber("autoClockOutMinutes", autoMinutes);
            }
            else
            {
                w.WriteNull("autoClockOutMinutes");
            }

            w.WriteString("status", session.Status);
            w.WriteBoolean("incomplete", session.IsIncomplete);
            w.WriteBoolean("autoClockOut", session.IsAutoOut);
            w.WriteBoolean("personKnown", link.PersonKnown);
            WriteText(w, "personName", link.PersonName);
            WriteText(w, "groupId", link.GroupId);
            w.WriteBoolean("groupKnown", link.GroupKnown);
            WriteText(w, "groupName", link.GroupName);
            w.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static void WriteEntry(Utf8JsonWriter w, string name, TimeEntry? entry)
    {
        WriteText(w, name + "Id", entry?.Id);
        WriteText(w, name, entry?.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
        WriteText(w, name + "Local", entry?.LocalTime);
    }

    private static void WriteText(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private sealed record Link(bool PersonKnown, string? PersonName, string? GroupId, bool GroupKnown, string? GroupName);
}
