namespace Ingestion.InMemory.Internal;

/// <summary>
/// The raw store's field queries. A query by <see cref="RawRecordQuery.FieldName"/> is answered from an index of the stream's
/// latest versions by that field's text, built on the first such query and dropped when the stream is written, so a deriver
/// that reads one person's entries per input key costs what it reads rather than the whole stream each time.
/// </summary>
internal sealed partial class InMemoryRawStore
{
    // stream → field → text value (null for JSON null) → keys whose latest version has it; guarded by _gate.
    private readonly Dictionary<StreamId, Dictionary<string, Dictionary<string, List<string>>>> _fieldIndexes = [];

    public IAsyncEnumerable<RawRecord> QueryLatestAsync(StreamId stream, RawRecordQuery? query, CancellationToken cancellationToken)
    {
        var includeDeleted = query is { IncludeDeleted: true };
        var filtered = query is not null && (query.FieldName is not null || query.AlsoMatching.Count > 0);
        var latest = new List<RawRecord>();
        lock (_gate)
        {
            if (Keys(stream, create: false) is { } keys)
            {
                foreach (var key in Candidates(stream, keys, query))
                {
                    if (!keys.TryGetValue(key, out var state))
                    {
                        continue;
                    }

                    var version = state.Latest;
                    if ((includeDeleted || state.DeletedAt is null) && (!filtered || Matches(version, query!)))
                    {
                        latest.Add(ToRecord(stream, key, state, version));
                    }
                }
            }
        }

        latest.Sort(static (left, right) => string.CompareOrdinal(left.Key, right.Key));
        return Yield(latest, cancellationToken);
    }

    // The keys a query can match: those the field index gives for FieldName's value, or every key.
    private IEnumerable<string> Candidates(StreamId stream, Dictionary<string, KeyState> keys, RawRecordQuery? query)
    {
        if (query?.FieldName is not { } field || query.FieldValue is not { } value)
        {
            return keys.Keys;
        }

        if (!_fieldIndexes.TryGetValue(stream, out var fields))
        {
            _fieldIndexes[stream] = fields = new Dictionary<string, Dictionary<string, List<string>>>(StringComparer.Ordinal);
        }

        if (!fields.TryGetValue(field, out var index))
        {
            index = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var (key, state) in keys)
            {
                var version = state.Latest;
                if (version.IsJson && version.TopLevelFields() is { } values && values.TryGetValue(field, out var text) && text is not null)
                {
                    if (!index.TryGetValue(text, out var list))
                    {
                        index[text] = list = [];
                    }

                    list.Add(key);
                }
            }

            fields[field] = index;
        }

        return index.TryGetValue(value, out var matching) ? matching : [];
    }

    /// <summary>Whether the version meets the query's field conditions (fields compared as text; JSON null matches a <see langword="null"/> value only).</summary>
    private static bool Matches(StoredVersion version, RawRecordQuery query)
    {
        if (!version.IsJson || version.TopLevelFields() is not { } fields)
        {
            return false;
        }

        if (query.FieldName is { } field)
        {
            if (!fields.TryGetValue(field, out var text) || (query.FieldValue is null ? text is not null : !string.Equals(text, query.FieldValue, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        foreach (var match in query.AlsoMatching)
        {
            if (!fields.TryGetValue(match.FieldName, out var text) || text is null || !match.Values.Contains(text, StringComparer.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
