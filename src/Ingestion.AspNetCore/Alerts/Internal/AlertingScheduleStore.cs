namespace Ingestion.Alerts.Internal;

/// <summary>The registered schedule store, which also raises an alert when recording an outcome disables a schedule.</summary>
internal sealed class AlertingScheduleStore(IScheduleStore inner, AlertDispatcher dispatcher) : IScheduleStore
{
    public IScheduleStore Inner => inner;

    public ValueTask<ScheduleState> UpsertAsync(ScheduleDefinition definition, DateTimeOffset? nextRunAt, CancellationToken cancellationToken) =>
        inner.UpsertAsync(definition, nextRunAt, cancellationToken);

    public ValueTask<IReadOnlyList<ScheduleState>> GetAllAsync(CancellationToken cancellationToken) => inner.GetAllAsync(cancellationToken);

    public ValueTask<ScheduleState?> GetAsync(string name, CancellationToken cancellationToken) => inner.GetAsync(name, cancellationToken);

    public ValueTask<bool> TryFireAsync(ScheduleFiring firing, IJobQueue queue, CancellationToken cancellationToken) => inner.TryFireAsync(firing, queue, cancellationToken);

    public ValueTask<bool> TrySetNextRunAsync(string name, DateTimeOffset? expected, DateTimeOffset? nextRunAt, CancellationToken cancellationToken) =>
        inner.TrySetNextRunAsync(name, expected, nextRunAt, cancellationToken);

    public async ValueTask<ScheduleState?> RecordOutcomeAsync(string name, ScheduleRunOutcome outcome, CancellationToken cancellationToken)
    {
        bool wasEnabled;
        try
        {
            wasEnabled = (await inner.GetAsync(name, cancellationToken).ConfigureAwait(false))?.Enabled ?? false;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            wasEnabled = false;
        }

        var state = await inner.RecordOutcomeAsync(name, outcome, cancellationToken).ConfigureAwait(false);
        if (wasEnabled && state is { Enabled: false })
        {
            await dispatcher.RaiseAsync(
                new HealthAlert
                {
                    Id = Guid.NewGuid(),
                    Kind = HealthAlertKind.AutoDisabled,
                    Stream = new StreamId(state.Definition.Source, state.Definition.Stream ?? "*"),
                    PreviousStatus = StreamHealthStatus.Unknown,
                    Status = StreamHealthStatus.Unhealthy,
                    At = outcome.FinishedAt,
                    ConsecutiveFailures = state.ConsecutiveFailures,
                    Error = SecretText.Redact(state.DisabledReason ?? state.LastError),
                    Schedule = state.Name,
                },
                CancellationToken.None).ConfigureAwait(false);
        }

        return state;
    }

    public ValueTask<bool> SetEnabledAsync(string name, bool enabled, string? reason, CancellationToken cancellationToken) =>
        inner.SetEnabledAsync(name, enabled, reason, cancellationToken);

    public ValueTask<bool> DeleteAsync(string name, CancellationToken cancellationToken) => inner.DeleteAsync(name, cancellationToken);
}
