using System.Globalization;
using System.Text.Json;
using Ingestion.Connectors.Jibble.Deriving.Internal;

namespace Ingestion.Connectors.Jibble;

/// <summary>Which person-days a changed entry, person or group reaches, and the day query.</summary>
public sealed partial class WorkSessionDeriver
{
    /// <inheritdoc />
    /// <remarks>
    /// A time entry reaches its day, and, when it links to another entry (which may be dated the day before or after), those
    /// two days as well; every version counts, so an entry moved to another day derives the day it left. A person reaches
    /// every day they have entries on, and a group every day of the people in it (by their latest and earlier group), so
    /// the names in sessions follow People and Groups.
    /// </remarks>
    public async ValueTask<IReadOnlyList<string>> GetInputKeysAsync(StreamId stream, string recordKey, IReadOnlyList<RawRecord> versions, DerivationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(versions);
        ArgumentNullException.ThrowIfNull(context);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        if (stream == _timeEntries)
        {
            foreach (var version in versions)
            {
                if (version.IsPartial || !version.IsJson)
                {
                    continue;
                }

                if (TimeEntry.TryRead(version.Payload.Span) is { } entry)
                {
                    keys.Add(InputKeyFor(entry.PersonId, entry.BelongsToDate));
                    if (entry.IsLinked)
                    {
                        keys.Add(InputKeyFor(entry.PersonId, entry.BelongsToDate.AddDays(-1)));
                        keys.Add(InputKeyFor(entry.PersonId, entry.BelongsToDate.AddDays(1)));
                    }
                }
                else if (GetInputKey(stream, recordKey, version.Payload) is { } key)
                {
                    keys.Add(key);
                }
            }
        }
        else if (stream == _people)
        {
            await AddDaysOfAsync(recordKey, keys, context.RawStore, cancellationToken).ConfigureAwait(false);
        }
        else if (stream == _groups)
        {
            var people = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var person in context.RawStore.QueryLatestAsync(_people, new RawRecordQuery { IncludeDeleted = true }, cancellationToken).ConfigureAwait(false))
            {
                if (person.IsJson && !person.IsPartial && GroupOf(person.Payload.Span) == recordKey)
                {
                    people.Add(person.Key);
                }
                else
                {
                    // A person who left the group still shows its name until derived again.
                    await foreach (var earlier in context.RawStore.GetHistoryAsync(_people, person.Key, cancellationToken).ConfigureAwait(false))
                    {
                        if (earlier.IsJson && !earlier.IsPartial && GroupOf(earlier.Payload.Span) == recordKey)
                        {
                            people.Add(person.Key);
                            break;
                        }
                    }
                }
            }

            foreach (var person in people)
            {
                await AddDaysOfAsync(person, keys, context.RawStore, cancellationToken).ConfigureAwait(false);
            }
        }

        return [.. keys];
    }

    // The person's entries, one query; the only read of a person's whole history, made when the person (or their group) changes.
    private async ValueTask AddDaysOfAsync(string personId, HashSet<string> keys, IRawStore store, CancellationToken cancellationToken)
    {
        var query = new RawRecordQuery { FieldName = "personId", FieldValue = personId };
        await foreach (var record in store.QueryLatestAsync(_timeEntries, query, cancellationToken).ConfigureAwait(false))
        {
            if (record.IsJson && !record.IsPartial && GetInputKey(_timeEntries, record.Key, record.Payload) is { } key)
            {
                keys.Add(key);
            }
        }
    }

    // The person's entries dated the day or one of its neighbours: a session crossing midnight pairs with an entry of the day
    // before or after.
    private static RawRecordQuery DayQuery(string personId, DateOnly date) => new()
    {
        FieldName = "personId",
        FieldValue = personId,
        AlsoMatching =
        [
            new RawFieldMatch
            {
                FieldName = "belongsToDate",
                Values = [Day(date.AddDays(-1)), Day(date), Day(date.AddDays(1))],
            },
        ],
    };

    private static string Day(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string? GroupOf(ReadOnlySpan<byte> payload)
    {
        try
        {
            var reader = new Utf8JsonReader(payload);
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("groupId", out var group) && group.ValueKind == JsonValueKind.String
                ? group.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
