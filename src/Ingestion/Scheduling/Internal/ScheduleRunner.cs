using System.Collections.Concurrent;
using Ingestion.Queue.Internal;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Ingestion.Scheduling.Internal;

/// <summary>
/// The cron scheduler. At start it writes the schedules registered in code and configuration to the store; then, every check
/// interval (or earlier, at the next slot it knows of), it reads every schedule from the store and fires the due ones. A due slot
/// fires once however many slots were missed while no host ran, and the store's compare-and-set makes it fire once across hosts.
/// </summary>
internal sealed partial class ScheduleRunner : BackgroundService
{
    private readonly IScheduleStore _store;
    private readonly IJobQueue _queue;
    private readonly IReadOnlyList<ScheduleRegistration> _registrations;
    private readonly IServiceProvider _services;
    private readonly SchedulerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(string Cron, string TimeZone), CronExpression> _parsed = new();
    private bool _registered;
    // When this host last queued each maintenance job (partial retries, due re-derivation, retention).
    private readonly Dictionary<string, DateTimeOffset> _lastMaintenance = new(StringComparer.Ordinal);

    public ScheduleRunner(
        IScheduleStore store,
        IJobQueue queue,
        IEnumerable<ScheduleRegistration> registrations,
        IServiceProvider services,
        IOptions<SchedulerOptions> options,
        TimeProvider time,
        ILogger<ScheduleRunner>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _queue = queue;
        _registrations = [.. registrations];
        _services = services;
        _options = options.Value;
        _time = time;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            LogSchedulerDisabled(_logger);
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = _options.CheckInterval;
            try
            {
                var earliest = await CheckAsync(stoppingToken).ConfigureAwait(false);
                if (earliest is { } next)
                {
                    var untilNext = next - _time.GetUtcNow();
                    if (untilNext < wait)
                    {
                        wait = untilNext > TimeSpan.Zero ? untilNext : TimeSpan.Zero;
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The scheduler must outlive a failed check (a store outage); the next check tries again.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                LogCheckFailed(_logger, exception, _options.CheckInterval.TotalSeconds);
            }

            await CloseAbandonedRunsAsync(stoppingToken).ConfigureAwait(false);
            try
            {
                await Task.Delay(wait, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    // Every host's scheduler closes runs whose process died, so the run log and health say so even when the stream never runs again.
    private async Task CloseAbandonedRunsAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (_services.GetService(typeof(Running.Internal.RunLiveness)) as Running.Internal.RunLiveness is { } liveness)
            {
                await liveness.CloseAbandonedAsync(closedBy: null, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // The sweep is bookkeeping; the next check tries again.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogCheckFailed(_logger, exception, _options.CheckInterval.TotalSeconds);
        }
    }

    /// <summary>Writes registered schedules (once), then fires every due schedule. Returns the earliest next run of an enabled schedule.</summary>
    internal async Task<DateTimeOffset?> CheckAsync(CancellationToken cancellationToken)
    {
        if (!_registered)
        {
            await RegisterAsync(cancellationToken).ConfigureAwait(false);
            _registered = true;
        }

        var now = _time.GetUtcNow();
        DateTimeOffset? earliest = null;
        earliest = await QueueMaintenanceAsync(IngestionJobTypes.RetryPartials, _options.PartialRetryInterval, now, earliest, cancellationToken).ConfigureAwait(false);
        earliest = await QueueMaintenanceAsync(IngestionJobTypes.RederiveDue, _options.RederiveDueInterval, now, earliest, cancellationToken).ConfigureAwait(false);
        earliest = await QueueMaintenanceAsync(IngestionJobTypes.Retention, _options.RetentionInterval, now, earliest, cancellationToken).ConfigureAwait(false);

        foreach (var schedule in await _store.GetAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!schedule.Enabled)
            {
                continue;
            }

            var definition = schedule.Definition;
            if (string.IsNullOrWhiteSpace(definition.Source))
            {
                LogInvalidSchedule(_logger, definition.Name, "it names no source");
                await _store.SetEnabledAsync(definition.Name, enabled: false, "Invalid schedule: it names no source.", cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (!TryGetCron(definition, out var cron, out var error))
            {
                // A schedule written to the database by hand can be wrong: say so on the schedule instead of failing every check.
                LogInvalidSchedule(_logger, definition.Name, error);
                await _store.SetEnabledAsync(definition.Name, enabled: false, $"Invalid schedule: {error}", cancellationToken).ConfigureAwait(false);
                continue;
            }

            var next = schedule.NextRunAt;
            if (next is null)
            {
                next = cron.NextAfter(now);
                await _store.TrySetNextRunAsync(definition.Name, null, next, cancellationToken).ConfigureAwait(false);
            }
            else if (next <= now)
            {
                var due = next.Value;
                next = cron.NextAfter(now);
                var job = new JobRequest
                {
                    JobType = IngestionJobTypes.Sync,
                    Payload = new SyncJobPayload
                    {
                        Source = definition.Source,
                        Stream = definition.Stream,
                        Trigger = "schedule",
                        Schedule = definition.Name,
                        ScheduledAt = due,
                    }.ToJson(),
                    DedupKey = DedupKey(definition.Name, due),
                    MaxAttempts = _options.JobMaxAttempts,
                    Priority = _options.JobPriority,
                };
                var fired = await _store.TryFireAsync(new ScheduleFiring { Name = definition.Name, DueAt = due, NextRunAt = next, Job = job }, _queue, cancellationToken)
                    .ConfigureAwait(false);
                if (fired)
                {
                    LogFired(_logger, definition.Name, due, next);
                }
                else
                {
                    LogFiredElsewhere(_logger, definition.Name, due);
                }
            }

            if (next is { } value && (earliest is null || value < earliest))
            {
                earliest = value;
            }
        }

        return earliest;
    }

    /// <summary>The dedup key of the job a schedule's slot enqueues.</summary>
    internal static string DedupKey(string schedule, DateTimeOffset due) =>
        string.Concat("schedule:", schedule, "@", due.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));

    // Queues a maintenance job when its interval has passed on this host; the dedup key keeps at most one waiting, however many
    // hosts run the scheduler. Returns the earlier of earliest and this job's next time (interval zero: off).
    private async Task<DateTimeOffset?> QueueMaintenanceAsync(
        string jobType, TimeSpan interval, DateTimeOffset now, DateTimeOffset? earliest, CancellationToken cancellationToken)
    {
        if (interval <= TimeSpan.Zero)
        {
            return earliest;
        }

        if (!_lastMaintenance.TryGetValue(jobType, out var last) || now - last >= interval)
        {
            await _queue.EnqueueAsync(new JobRequest { JobType = jobType, DedupKey = jobType }, cancellationToken).ConfigureAwait(false);
            _lastMaintenance[jobType] = last = now;
        }

        var next = last + interval;
        return earliest is { } e && e < next ? e : next;
    }

    private async Task RegisterAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        foreach (var registration in _registrations)
        {
            var definition = registration.Build(_services);
            var cron = CronExpression.Parse(definition.Cron, definition.TimeZone);
            await _store.UpsertAsync(definition, cron.NextAfter(now), cancellationToken).ConfigureAwait(false);
        }
    }

    private bool TryGetCron(ScheduleDefinition definition, out CronExpression cron, out string error)
    {
        var key = (definition.Cron, definition.TimeZone);
        if (_parsed.TryGetValue(key, out cron!))
        {
            error = string.Empty;
            return true;
        }

        if (!CronExpression.TryParse(definition.Cron, definition.TimeZone, out cron, out error))
        {
            return false;
        }

        _parsed[key] = cron;
        return true;
    }

    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "The scheduler is disabled on this host (Scheduler:Enabled is false).")]
    private static partial void LogSchedulerDisabled(ILogger logger);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "Checking schedules failed; trying again in {Seconds} s.")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception, double seconds);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "Schedule {Schedule} is invalid and was disabled: {Error}")]
    private static partial void LogInvalidSchedule(ILogger logger, string schedule, string error);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Schedule {Schedule} fired its slot {DueAt:O}; next run {NextRunAt:O}.")]
    private static partial void LogFired(ILogger logger, string schedule, DateTimeOffset dueAt, DateTimeOffset? nextRunAt);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Debug, Message = "Schedule {Schedule} slot {DueAt:O} was already fired by another host or changed.")]
    private static partial void LogFiredElsewhere(ILogger logger, string schedule, DateTimeOffset dueAt);
}

/// <summary>A schedule registered in code or configuration, built when the scheduler starts.</summary>
internal sealed class ScheduleRegistration(string description, Func<IServiceProvider, ScheduleDefinition> factory)
{
    /// <summary>Where the schedule came from, for error messages.</summary>
    public string Description { get; } = description;

    public ScheduleDefinition Build(IServiceProvider services) => factory(services);
}
