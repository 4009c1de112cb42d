namespace Ingestion;

/// <summary>
/// The health of every stream at once: the overall status is the worst stream status, so one failing
/// stream is visible at a glance, with the per-stream records behind it.
/// </summary>
public sealed record SystemHealth
{
    /// <summary>The worst status of any stream; <see cref="StreamHealthStatus.Unknown"/> when no stream has run.</summary>
    public required StreamHealthStatus Status { get; init; }

    /// <summary>Streams that are healthy.</summary>
    public int Healthy { get; init; }

    /// <summary>Streams that are degraded.</summary>
    public int Degraded { get; init; }

    /// <summary>Streams that are unhealthy.</summary>
    public int Unhealthy { get; init; }

    /// <summary>Streams whose health is unknown.</summary>
    public int Unknown { get; init; }

    /// <summary>Every stream's health, ordered by source then stream.</summary>
    public required IReadOnlyList<StreamHealth> Streams { get; init; }

    /// <summary>When the summary was taken.</summary>
    public required DateTimeOffset CheckedAt { get; init; }
}
