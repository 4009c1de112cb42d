namespace Ingestion;

/// <summary>The health of a stream.</summary>
public enum StreamHealthStatus
{
    /// <summary>Not run yet.</summary>
    Unknown,

    /// <summary>The last run succeeded.</summary>
    Healthy,

    /// <summary>Partly working: a partial run, a tripped guard, an exhausted budget, or a first failure.</summary>
    Degraded,

    /// <summary>Failing: repeated failures, or an authentication failure.</summary>
    Unhealthy,
}

/// <summary>A stream's health record.</summary>
public sealed record StreamHealth
{
    /// <summary>The stream.</summary>
    public required StreamId Stream { get; init; }

    /// <summary>The status.</summary>
    public required StreamHealthStatus Status { get; init; }

    /// <summary>Failed runs since the last success.</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>Records in the stream after the last successful run.</summary>
    public long ItemCount { get; init; }

    /// <summary>When health was last evaluated.</summary>
    public DateTimeOffset? LastCheckAt { get; init; }

    /// <summary>When a run last succeeded.</summary>
    public DateTimeOffset? LastSuccessAt { get; init; }

    /// <summary>When a run last failed.</summary>
    public DateTimeOffset? LastFailureAt { get; init; }

    /// <summary>The last failure's error.</summary>
    public string? LastError { get; init; }

    /// <summary>Why the status is what it is (for example "snapshot guard tripped").</summary>
    public string? Reason { get; init; }
}

/// <summary>Keeps each stream's <see cref="StreamHealth"/>.</summary>
public interface IHealthStore
{
    /// <summary>Reads a stream's health.</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The health, or <see langword="null"/> before the first run.</returns>
    ValueTask<StreamHealth?> GetAsync(StreamId stream, CancellationToken cancellationToken);

    /// <summary>Reads every stream's health.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The health records, ordered by source then stream.</returns>
    ValueTask<IReadOnlyList<StreamHealth>> GetAllAsync(CancellationToken cancellationToken);

    /// <summary>Saves a stream's health.</summary>
    /// <param name="health">The health.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when it is saved.</returns>
    ValueTask SaveAsync(StreamHealth health, CancellationToken cancellationToken);
}
