namespace Ingestion;

/// <summary>
/// Keeps schedules and their state. Several hosts may run the scheduler against one store: <see cref="TryFireAsync"/> is a
/// compare-and-set on the due slot, so each slot enqueues its job once.
/// </summary>
public interface IScheduleStore
{
    /// <summary>
    /// Adds a schedule, or updates its definition. Its state (runs, failures, last run) is kept; the next run is reset to
    /// <paramref name="nextRunAt"/> when the schedule is new or its cron expression or time zone changed.
    /// </summary>
    /// <param name="definition">The definition.</param>
    /// <param name="nextRunAt">The first slot for a new or changed expression.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The stored schedule.</returns>
    ValueTask<ScheduleState> UpsertAsync(ScheduleDefinition definition, DateTimeOffset? nextRunAt, CancellationToken cancellationToken);

    /// <summary>Reads every schedule, enabled or not.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The schedules, ordered by name.</returns>
    ValueTask<IReadOnlyList<ScheduleState>> GetAllAsync(CancellationToken cancellationToken);

    /// <summary>Reads one schedule.</summary>
    /// <param name="name">The schedule's name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The schedule, or <see langword="null"/>.</returns>
    ValueTask<ScheduleState?> GetAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// Fires a due slot: when the schedule is enabled and its next run still equals <see cref="ScheduleFiring.DueAt"/>, enqueues
    /// <see cref="ScheduleFiring.Job"/> on <paramref name="queue"/>, records the slot as the last run and moves the next run to
    /// <see cref="ScheduleFiring.NextRunAt"/>, all or nothing where the store and queue allow it.
    /// </summary>
    /// <param name="firing">The slot and the job.</param>
    /// <param name="queue">The queue to enqueue on.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether this call fired the slot (<see langword="false"/> when another host already did, or the schedule changed).</returns>
    ValueTask<bool> TryFireAsync(ScheduleFiring firing, IJobQueue queue, CancellationToken cancellationToken);

    /// <summary>Sets the next run of a schedule without firing (a new expression, or a schedule re-enabled).</summary>
    /// <param name="name">The schedule's name.</param>
    /// <param name="expected">The next run the caller read: the change is made only while it still holds.</param>
    /// <param name="nextRunAt">The new next run.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether it was changed.</returns>
    ValueTask<bool> TrySetNextRunAsync(string name, DateTimeOffset? expected, DateTimeOffset? nextRunAt, CancellationToken cancellationToken);

    /// <summary>
    /// Records the outcome of a run the schedule started: counts it, and on failure counts a consecutive failure and disables the
    /// schedule (recording why) once <see cref="ScheduleRunOutcome.DisableAfterFailures"/> is reached. A success resets the count.
    /// </summary>
    /// <param name="name">The schedule's name.</param>
    /// <param name="outcome">The outcome.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The schedule after the change, or <see langword="null"/> when it does not exist.</returns>
    ValueTask<ScheduleState?> RecordOutcomeAsync(string name, ScheduleRunOutcome outcome, CancellationToken cancellationToken);

    /// <summary>
    /// Enables or disables a schedule. Disabling records <paramref name="reason"/>; enabling clears the reason and the consecutive
    /// failures and resets the next run, so the schedule resumes at its next slot after now instead of catching up.
    /// </summary>
    /// <param name="name">The schedule's name.</param>
    /// <param name="enabled">Whether it should fire.</param>
    /// <param name="reason">Why it is disabled; ignored when enabling.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether the schedule exists.</returns>
    ValueTask<bool> SetEnabledAsync(string name, bool enabled, string? reason, CancellationToken cancellationToken);

    /// <summary>Deletes a schedule.</summary>
    /// <param name="name">The schedule's name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether it existed.</returns>
    ValueTask<bool> DeleteAsync(string name, CancellationToken cancellationToken);
}
