using System.Runtime.CompilerServices;

namespace Ingestion.InMemory.Internal;

/// <summary>Derivers' output in memory: a replace swaps an input key's whole output at once and records the deriver version that wrote it.</summary>
internal sealed class InMemoryDerivedStore(TimeProvider time) : IDerivedStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Deriver, string InputKey), Output> _outputs = [];

    public ValueTask ReplaceAsync(string deriver, int deriverVersion, string inputKey, IReadOnlyList<DerivedRecord> records, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(deriver);
        ArgumentNullException.ThrowIfNull(inputKey);
        ArgumentNullException.ThrowIfNull(records);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var copies = new List<DerivedRecord>(records.Count);
        foreach (var record in records)
        {
            ArgumentNullException.ThrowIfNull(record);
            if (!seen.Add(record.Key))
            {
                throw new ArgumentException($"Deriver '{deriver}' produced the key '{record.Key}' twice for input '{inputKey}'; derived keys must be unique.", nameof(records));
            }

            copies.Add(record with { Payload = record.Payload.ToArray() });
        }

        cancellationToken.ThrowIfCancellationRequested();
        copies.Sort(CompareRecords);
        var now = time.GetUtcNow();
        lock (_gate)
        {
            _outputs[(deriver, inputKey)] = new Output(deriverVersion, now, copies);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<StoredDerivedRecord>> GetAsync(string deriver, string inputKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deriver);
        ArgumentNullException.ThrowIfNull(inputKey);
        cancellationToken.ThrowIfCancellationRequested();
        Output? output;
        lock (_gate)
        {
            output = _outputs.GetValueOrDefault((deriver, inputKey));
        }

        return ValueTask.FromResult<IReadOnlyList<StoredDerivedRecord>>(output is null ? [] : output.Stored(deriver, inputKey).ToList());
    }

    public async IAsyncEnumerable<StoredDerivedRecord> GetAllAsync(string deriver, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deriver);
        List<KeyValuePair<(string Deriver, string InputKey), Output>> outputs;
        lock (_gate)
        {
            outputs = [.. _outputs.Where(entry => string.Equals(entry.Key.Deriver, deriver, StringComparison.Ordinal))];
        }

        outputs.Sort(static (left, right) => string.CompareOrdinal(left.Key.InputKey, right.Key.InputKey));
        foreach (var (key, output) in outputs)
        {
            foreach (var record in output.Stored(deriver, key.InputKey))
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return record;
            }
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    public ValueTask<IReadOnlyList<string>> GetStaleInputKeysAsync(string deriver, int currentVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deriver);
        cancellationToken.ThrowIfCancellationRequested();
        List<string> keys;
        lock (_gate)
        {
            keys = [.. _outputs
                .Where(entry => string.Equals(entry.Key.Deriver, deriver, StringComparison.Ordinal) && entry.Value.Version < currentVersion)
                .Select(entry => entry.Key.InputKey)];
        }

        keys.Sort(StringComparer.Ordinal);
        return ValueTask.FromResult<IReadOnlyList<string>>(keys);
    }

    /// <summary>Effective date first (records without one before the rest), then key.</summary>
    private static int CompareRecords(DerivedRecord left, DerivedRecord right)
    {
        var order = (left.EffectiveAt, right.EffectiveAt) switch
        {
            (null, null) => 0,
            (null, _) => -1,
            (_, null) => 1,
            ({ } l, { } r) => l.CompareTo(r),
        };
        return order != 0 ? order : string.CompareOrdinal(left.Key, right.Key);
    }

    private sealed record Output(int Version, DateTimeOffset DerivedAt, List<DerivedRecord> Records)
    {
        public IEnumerable<StoredDerivedRecord> Stored(string deriver, string inputKey) =>
            Records.Select(record => new StoredDerivedRecord
            {
                Deriver = deriver,
                DeriverVersion = Version,
                InputKey = inputKey,
                Record = record,
                DerivedAt = DerivedAt,
            });
    }
}
