namespace Ingestion.InMemory.Internal;

/// <summary>Retention over the in-memory stores: the raw store's versions, deleted keys and retry log, and the run log.</summary>
internal sealed class InMemoryRetention(InMemoryRawStore raw, InMemoryRunLog runs, TimeProvider time) : IStoreRetention
{
    public ValueTask<RetentionResult> ApplyRetentionAsync(RetentionOptions options, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();
        var now = time.GetUtcNow();
        var result = raw.ApplyRetention(options, now, dryRun);
        if (options.RunLogMaxAge is { } runAge)
        {
            result = result with { Runs = runs.RemoveFinishedBefore(now - runAge, dryRun) };
        }

        return ValueTask.FromResult(result);
    }
}
