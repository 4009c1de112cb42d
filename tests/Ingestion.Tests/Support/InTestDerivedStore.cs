using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Ingestion.Tests.Support;

/// <summary>A derived store in memory, keeping the output of each deriver per input key.</summary>
internal sealed class InTestDerivedStore(TimeProvider time) : IDerivedStore
{
    private readonly ConcurrentDictionary<(string Deriver, string InputKey), IReadOnlyList<StoredDerivedRecord>> _outputs = new();

    public IReadOnlyList<string> InputKeys(string deriver) => [.. _outputs.Keys.Where(k => k.Deriver == deriver).Select(k => k.InputKey).Order(StringComparer.Ordinal)];

    public ValueTask ReplaceAsync(string deriver, int deriverVersion, string inputKey, IReadOnlyList<DerivedRecord> records, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        _outputs[(deriver, inputKey)] = [.. records.Select(r => new StoredDerivedRecord { Deriver = deriver, DeriverVersion = deriverVersion, InputKey = inputKey, Record = r, DerivedAt = now })];
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<StoredDerivedRecord>> GetAsync(string deriver, string inputKey, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_outputs.TryGetValue((deriver, inputKey), out var records) ? records : []);

    public async IAsyncEnumerable<StoredDerivedRecord> GetAllAsync(string deriver, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        foreach (var key in InputKeys(deriver))
        {
            foreach (var record in _outputs[(deriver, key)])
            {
                yield return record;
            }
        }
    }

    public ValueTask<IReadOnlyList<string>> GetStaleInputKeysAsync(string deriver, int currentVersion, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<string>>([.. _outputs.Where(p => p.Key.Deriver == deriver && p.Value.Any(r => r.DeriverVersion < currentVersion)).Select(p => p.Key.InputKey)]);
}
