using Ingestion.Storage.Internal;

namespace Ingestion.InMemory.Internal;

/// <summary>Stream leases for the runs of one process.</summary>
internal sealed class InMemoryStreamLeases : IStreamLeases
{
    private readonly Lock _gate = new();
    private readonly Dictionary<StreamId, StreamLease> _leases = [];

    public ValueTask<StreamLease> TryAcquireAsync(StreamLease request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_gate)
        {
            if (_leases.TryGetValue(request.Stream, out var held) && held.RunId != request.RunId && held.ExpiresAt > request.AcquiredAt)
            {
                return ValueTask.FromResult(held);
            }

            _leases[request.Stream] = request;
            return ValueTask.FromResult(request);
        }
    }

    public ValueTask<bool> RenewAsync(StreamId stream, Guid runId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_leases.TryGetValue(stream, out var held) || held.RunId != runId)
            {
                return ValueTask.FromResult(false);
            }

            _leases[stream] = held with { ExpiresAt = expiresAt };
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask ReleaseAsync(StreamId stream, Guid runId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_leases.TryGetValue(stream, out var held) && held.RunId == runId)
            {
                _leases.Remove(stream);
            }

            return ValueTask.CompletedTask;
        }
    }

    /// <summary>
    /// Checks that the batch's run holds its stream's lease, then keeps every lease as it is (no run takes, renews or gives
    /// one back) until <see cref="ExitFence"/>, so the batch is applied while its run holds the stream.
    /// </summary>
    public void EnterFence(RawBatch batch)
    {
        _gate.Enter();
        if (!_leases.TryGetValue(batch.Stream, out var held) || held.RunId != batch.RunId)
        {
            _gate.Exit();
            throw RawBatchChecks.LeaseLost(batch, held?.RunId);
        }
    }

    /// <summary>Lets leases change again after <see cref="EnterFence"/>.</summary>
    public void ExitFence() => _gate.Exit();
}
