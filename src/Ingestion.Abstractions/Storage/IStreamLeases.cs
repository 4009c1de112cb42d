namespace Ingestion;

/// <summary>
/// Lets one run at a time sync a stream, across every process that shares the store. The engine takes a stream's lease
/// before a run writes anything, renews it as the run writes and gives it back when the run ends; a run that cannot take it
/// does not start and reports <see cref="RunStatus.Skipped"/> with <see cref="IssueKind.AlreadyRunning"/>. A lease that is
/// not renewed expires, so a host that dies holds a stream for at most the lease's duration.
/// </summary>
/// <remarks>
/// A store implements it when several runs can reach it at once (several hosts, or several callers in one process); without
/// it, the engine runs streams unguarded. Times are the engine's clock (<see cref="TimeProvider"/>): hosts that share a store
/// must keep their clocks in step, as they must for leases of the job queue.
/// </remarks>
public interface IStreamLeases
{
    /// <summary>Takes the stream's lease for a run, unless another run holds one that has not expired.</summary>
    /// <param name="request">The stream, the run, who asks and for how long.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The lease that holds the stream after the call: the requested one when it was taken, else the other run's.</returns>
    ValueTask<StreamLease> TryAcquireAsync(StreamLease request, CancellationToken cancellationToken);

    /// <summary>Moves the expiry of a run's lease.</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="runId">The run that holds the lease.</param>
    /// <param name="expiresAt">The new expiry.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="false"/> when the run no longer holds the lease (it expired and another run took it).</returns>
    ValueTask<bool> RenewAsync(StreamId stream, Guid runId, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>Gives a run's lease back; nothing happens when the run does not hold it.</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="runId">The run.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the lease is released.</returns>
    ValueTask ReleaseAsync(StreamId stream, Guid runId, CancellationToken cancellationToken);
}

/// <summary>A run's hold on a stream (see <see cref="IStreamLeases"/>).</summary>
/// <param name="Stream">The stream.</param>
/// <param name="RunId">The run that holds it.</param>
/// <param name="Holder">Who runs it (host and process), for messages and the dashboard.</param>
/// <param name="AcquiredAt">When the run took it; also the time a request is judged at.</param>
/// <param name="ExpiresAt">When it ends unless renewed.</param>
public sealed record StreamLease(StreamId Stream, Guid RunId, string Holder, DateTimeOffset AcquiredAt, DateTimeOffset ExpiresAt);
