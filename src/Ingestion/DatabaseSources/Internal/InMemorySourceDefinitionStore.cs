namespace Ingestion.DatabaseSources.Internal;

/// <summary>Stored source definitions in this process's memory, following the rules of the PostgreSQL <c>sources</c> table.</summary>
internal sealed class InMemorySourceDefinitionStore(TimeProvider time) : ISourceDefinitionStore
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, StoredSourceDefinition> _rows = new(StringComparer.Ordinal);

    public ValueTask<IReadOnlyList<StoredSourceDefinition>> ListAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<StoredSourceDefinition>>([.. _rows.Values]);
        }
    }

    public ValueTask<StoredSourceDefinition> UpsertAsync(string name, string definitionJson, bool enabled, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(definitionJson);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = time.GetUtcNow();
            StoredSourceDefinition row;
            if (!_rows.TryGetValue(name, out var existing))
            {
                row = new StoredSourceDefinition { Name = name, DefinitionJson = definitionJson, Enabled = enabled, UpdatedAt = now };
            }
            else if (string.Equals(existing.DefinitionJson, definitionJson, StringComparison.Ordinal) && existing.Enabled == enabled)
            {
                return ValueTask.FromResult(existing);
            }
            else
            {
                row = existing with { DefinitionJson = definitionJson, Enabled = enabled, Version = existing.Version + 1, UpdatedAt = now };
            }

            _rows[name] = row;
            return ValueTask.FromResult(row);
        }
    }

    public ValueTask<bool> DisableAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_rows.TryGetValue(name, out var existing))
            {
                return ValueTask.FromResult(false);
            }

            if (existing.Enabled)
            {
                _rows[name] = existing with { Enabled = false, Version = existing.Version + 1, UpdatedAt = time.GetUtcNow() };
            }

            return ValueTask.FromResult(true);
        }
    }

    public ValueTask RecordLoadedAsync(string name, int version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_rows.TryGetValue(name, out var existing))
            {
                _rows[name] = existing with { LoadedVersion = version, LoadedAt = time.GetUtcNow(), LastError = null, LastErrorAt = null };
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask RecordErrorAsync(string name, int version, string error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(error);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_rows.TryGetValue(name, out var existing))
            {
                _rows[name] = existing with { LastError = error, LastErrorAt = time.GetUtcNow() };
            }
        }

        return ValueTask.CompletedTask;
    }
}
