namespace Ingestion;

/// <summary>What changed about a stream's health.</summary>
public enum HealthAlertKind
{
    /// <summary>The stream became <see cref="StreamHealthStatus.Degraded"/>.</summary>
    Degraded,

    /// <summary>The stream became <see cref="StreamHealthStatus.Unhealthy"/>.</summary>
    Unhealthy,

    /// <summary>A schedule of the stream was disabled after too many failures in a row.</summary>
    AutoDisabled,

    /// <summary>The stream is <see cref="StreamHealthStatus.Healthy"/> again after being degraded or unhealthy.</summary>
    Recovered,
}

/// <summary>One health transition of one stream: sent once to every alert sink, however many runs fail afterwards.</summary>
public sealed record HealthAlert
{
    /// <summary>A unique id, the same for every sink and every delivery attempt (receivers can de-duplicate on it).</summary>
    public required Guid Id { get; init; }

    /// <summary>What changed.</summary>
    public required HealthAlertKind Kind { get; init; }

    /// <summary>The stream; for a schedule that covers a whole source, the stream is <c>*</c>.</summary>
    public required StreamId Stream { get; init; }

    /// <summary>The health before the transition.</summary>
    public StreamHealthStatus PreviousStatus { get; init; }

    /// <summary>The health after the transition.</summary>
    public StreamHealthStatus Status { get; init; }

    /// <summary>When the transition was seen.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Failed runs in a row when the transition was seen.</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>The last error, with credentials masked (<see cref="SecretText.Redact"/>), or <see langword="null"/>.</summary>
    public string? Error { get; init; }

    /// <summary>The schedule that was disabled (<see cref="HealthAlertKind.AutoDisabled"/>), or <see langword="null"/>.</summary>
    public string? Schedule { get; init; }

    /// <summary>One line a person can read, for example "jibble/people is Unhealthy (was Degraded) after 3 failed runs".</summary>
    public string Summary => Kind switch
    {
        HealthAlertKind.Recovered => $"{Stream} recovered: {Status} (was {PreviousStatus}).",
        HealthAlertKind.AutoDisabled => $"Schedule {Schedule} of {Stream} was disabled after {ConsecutiveFailures} failed runs in a row.",
        _ => $"{Stream} is {Status} (was {PreviousStatus}) after {ConsecutiveFailures} failed runs in a row.",
    };
}

/// <summary>
/// Where health alerts go (a webhook, Slack, e-mail, a pager). Register one with <c>AddAlertSink</c>; each alert reaches each
/// sink through a job of its own, so a sink that is down is retried with backoff by the job queue and never delays a sync or
/// another sink.
/// </summary>
public interface IAlertSink
{
    /// <summary>The sink's name, unique among the registered sinks (jobs name the sink they deliver to).</summary>
    string Name { get; }

    /// <summary>Delivers one alert; throwing makes the job queue retry it later.</summary>
    /// <param name="alert">The alert.</param>
    /// <param name="cancellationToken">Cancels the delivery.</param>
    /// <returns>A task that completes when the sink accepted the alert.</returns>
    ValueTask SendAsync(HealthAlert alert, CancellationToken cancellationToken);
}
