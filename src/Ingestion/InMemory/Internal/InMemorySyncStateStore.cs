namespace Ingestion.InMemory.Internal;

/// <summary>Sync state per stream, in memory.</summary>
internal sealed class InMemorySyncStateStore : ISyncStateStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<StreamId, SyncState> _states = [];

    public ValueTask<SyncState?> GetAsync(StreamId stream, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(_states.GetValueOrDefault(stream));
        }
    }

    public ValueTask SaveAsync(SyncState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        cancellationToken.ThrowIfCancellationRequested();
        Save(state);
        return ValueTask.CompletedTask;
    }

    /// <summary>Saves without a cancellation point (the raw store's batch commit).</summary>
    public void Save(SyncState state)
    {
        lock (_gate)
        {
            _states[state.Stream] = state;
        }
    }
}
