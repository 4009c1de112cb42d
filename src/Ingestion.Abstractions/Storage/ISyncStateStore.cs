namespace Ingestion;

/// <summary>A stream's progress: watermark, page checkpoint and the last good snapshot.</summary>
public sealed record SyncState
{
    /// <summary>The stream.</summary>
    public required StreamId Stream { get; init; }

    /// <summary>The incremental watermark (the highest cursor value committed), or <see langword="null"/>.</summary>
    public string? Watermark { get; init; }

    /// <summary>The request to resume from (a serialized <see cref="PageRequest"/>) when a run ended early, or <see langword="null"/>.</summary>
    public string? Checkpoint { get; init; }

    /// <summary>The record count of the last complete snapshot that passed the guard.</summary>
    public long? LastGoodSnapshotCount { get; init; }

    /// <summary>When the last complete snapshot that passed the guard finished.</summary>
    public DateTimeOffset? LastGoodSnapshotAt { get; init; }

    /// <summary>When this state was saved.</summary>
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>Keeps each stream's <see cref="SyncState"/>. Batches save state through <see cref="RawBatch.State"/>; this store reads it and saves state outside batches.</summary>
public interface ISyncStateStore
{
    /// <summary>Reads a stream's state.</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The state, or <see langword="null"/> before the first run.</returns>
    ValueTask<SyncState?> GetAsync(StreamId stream, CancellationToken cancellationToken);

    /// <summary>Saves a stream's state.</summary>
    /// <param name="state">The state.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the state is saved.</returns>
    ValueTask SaveAsync(SyncState state, CancellationToken cancellationToken);
}
