namespace Ingestion.Alerts.Internal;

/// <summary>
/// The registered health store, which also raises an alert when a save changes a stream's status in a way worth telling
/// (degraded, unhealthy, recovered). Comparing with the stored status makes it one alert per transition, not per failed
/// run, and it holds across restarts and hosts because the previous status is the store's.
/// </summary>
internal sealed class AlertingHealthStore(IHealthStore inner, AlertDispatcher dispatcher) : IHealthStore
{
    public IHealthStore Inner => inner;

    public ValueTask<StreamHealth?> GetAsync(StreamId stream, CancellationToken cancellationToken) => inner.GetAsync(stream, cancellationToken);

    public ValueTask<IReadOnlyList<StreamHealth>> GetAllAsync(CancellationToken cancellationToken) => inner.GetAllAsync(cancellationToken);

    public async ValueTask SaveAsync(StreamHealth health, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(health);
        StreamHealthStatus previous;
        try
        {
            previous = (await inner.GetAsync(health.Stream, cancellationToken).ConfigureAwait(false))?.Status ?? StreamHealthStatus.Unknown;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Reading for the alert must not stop the save; without the previous status no alert is raised.
            previous = health.Status;
        }

        await inner.SaveAsync(health, cancellationToken).ConfigureAwait(false);
        if (AlertDispatcher.Classify(previous, health.Status) is { } kind)
        {
            await dispatcher.RaiseAsync(
                new HealthAlert
                {
                    Id = Guid.NewGuid(),
                    Kind = kind,
                    Stream = health.Stream,
                    PreviousStatus = previous,
                    Status = health.Status,
                    At = health.LastCheckAt ?? dispatcher.Time.GetUtcNow(),
                    ConsecutiveFailures = health.ConsecutiveFailures,
                    Error = health.LastError is null || kind == HealthAlertKind.Recovered ? null : SecretText.Redact(health.LastError),
                },
                CancellationToken.None).ConfigureAwait(false);
        }
    }
}
