namespace Ingestion.Scheduling.Internal;

/// <summary>Schedules in process memory: for tests, quick starts and hosts whose schedules all come from code or configuration.</summary>
internal sealed class InMemoryScheduleStore : IScheduleStore
{
    private readonly Dictionary<string, ScheduleState> _schedules = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public ValueTask<ScheduleState> UpsertAsync(ScheduleDefinition definition, DateTimeOffset? nextRunAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        lock (_gate)
        {
            ScheduleState state;
            if (!_schedules.TryGetValue(definition.Name, out var existing))
            {
                state = new ScheduleState
                {
                    Definition = definition,
                    Enabled = definition.Enabled,
                    DisabledReason = definition.Enabled ? null : ScheduleText.DisabledByDefinition,
                    NextRunAt = nextRunAt,
                };
            }
            else
            {
                var timingChanged = !string.Equals(existing.Definition.Cron, definition.Cron, StringComparison.Ordinal)
                    || !string.Equals(existing.Definition.TimeZone, definition.TimeZone, StringComparison.Ordinal);
                var (enabled, reason) = definition.Enabled
                    ? (existing.DisabledReason == ScheduleText.DisabledByDefinition || existing.Enabled, existing.DisabledReason == ScheduleText.DisabledByDefinition ? null : existing.DisabledReason)
                    : (false, existing.Enabled ? ScheduleText.DisabledByDefinition : existing.DisabledReason);
                state = existing with
                {
                    Definition = definition,
                    Enabled = enabled,
                    DisabledReason = reason,
                    NextRunAt = timingChanged ? nextRunAt : existing.NextRunAt,
                };
            }

            _schedules[definition.Name] = state;
            return ValueTask.FromResult(state);
        }
    }

    public ValueTask<IReadOnlyList<ScheduleState>> GetAllAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<ScheduleState> all = [.. _schedules.Values.OrderBy(state => state.Name, StringComparer.Ordinal)];
            return ValueTask.FromResult(all);
        }
    }

    public ValueTask<ScheduleState?> GetAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_gate)
        {
            return ValueTask.FromResult(_schedules.GetValueOrDefault(name));
        }
    }

    public async ValueTask<bool> TryFireAsync(ScheduleFiring firing, IJobQueue queue, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(firing);
        ArgumentNullException.ThrowIfNull(queue);
        ScheduleState before;
        lock (_gate)
        {
            if (!_schedules.TryGetValue(firing.Name, out var state) || !state.Enabled || state.NextRunAt != firing.DueAt)
            {
                return false;
            }

            before = state;
            _schedules[firing.Name] = state with { NextRunAt = firing.NextRunAt, LastRunAt = firing.DueAt };
        }

        try
        {
            await queue.EnqueueAsync(firing.Job, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch
        {
            // Give the slot back, so the next check fires it again (the job's dedup key keeps that from doubling it).
            lock (_gate)
            {
                if (_schedules.TryGetValue(firing.Name, out var state) && state.NextRunAt == firing.NextRunAt)
                {
                    _schedules[firing.Name] = state with { NextRunAt = before.NextRunAt, LastRunAt = before.LastRunAt };
                }
            }

            throw;
        }
    }

    public ValueTask<bool> TrySetNextRunAsync(string name, DateTimeOffset? expected, DateTimeOffset? nextRunAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_gate)
        {
            if (!_schedules.TryGetValue(name, out var state) || state.NextRunAt != expected)
            {
                return ValueTask.FromResult(false);
            }

            _schedules[name] = state with { NextRunAt = nextRunAt };
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<ScheduleState?> RecordOutcomeAsync(string name, ScheduleRunOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(outcome);
        lock (_gate)
        {
            if (!_schedules.TryGetValue(name, out var state))
            {
                return ValueTask.FromResult<ScheduleState?>(null);
            }

            if (outcome.Succeeded)
            {
                state = state with { TotalRuns = state.TotalRuns + 1, ConsecutiveFailures = 0, LastSuccessfulRunAt = outcome.FinishedAt };
            }
            else
            {
                var failures = state.ConsecutiveFailures + 1;
                state = state with { TotalRuns = state.TotalRuns + 1, ConsecutiveFailures = failures, LastError = outcome.Error };
                if (state.Enabled && outcome.DisableAfterFailures is { } limit && failures >= limit)
                {
                    state = state with { Enabled = false, DisabledReason = ScheduleText.DisabledAfterFailures(failures, outcome.Error) };
                }
            }

            _schedules[name] = state;
            return ValueTask.FromResult<ScheduleState?>(state);
        }
    }

    public ValueTask<bool> SetEnabledAsync(string name, bool enabled, string? reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_gate)
        {
            if (!_schedules.TryGetValue(name, out var state))
            {
                return ValueTask.FromResult(false);
            }

            _schedules[name] = enabled
                ? state with { Enabled = true, DisabledReason = null, ConsecutiveFailures = 0, NextRunAt = state.Enabled ? state.NextRunAt : null }
                : state with { Enabled = false, DisabledReason = reason ?? ScheduleText.DisabledManually };
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_gate)
        {
            return ValueTask.FromResult(_schedules.Remove(name));
        }
    }
}
