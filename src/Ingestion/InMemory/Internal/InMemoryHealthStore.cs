namespace Ingestion.InMemory.Internal;

/// <summary>Stream health, one entry per stream, in memory.</summary>
internal sealed class InMemoryHealthStore : IHealthStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<StreamId, StreamHealth> _health = [];

    public ValueTask<StreamHealth?> GetAsync(StreamId stream, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(_health.GetValueOrDefault(stream));
        }
    }

    public ValueTask<IReadOnlyList<StreamHealth>> GetAllAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        List<StreamHealth> all;
        lock (_gate)
        {
            all = [.. _health.Values];
        }

        all.Sort(static (left, right) => StreamOrder.Compare(left.Stream, right.Stream));
        return ValueTask.FromResult<IReadOnlyList<StreamHealth>>(all);
    }

    public ValueTask SaveAsync(StreamHealth health, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(health);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            _health[health.Stream] = health;
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>Orders streams by source, then stream, ordinally (as the PostgreSQL store's <c>COLLATE "C"</c>).</summary>
internal static class StreamOrder
{
    public static int Compare(StreamId left, StreamId right)
    {
        var order = string.CompareOrdinal(left.Source, right.Source);
        return order != 0 ? order : string.CompareOrdinal(left.Stream, right.Stream);
    }
}
