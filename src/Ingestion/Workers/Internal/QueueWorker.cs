using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Ingestion.Workers.Internal;

/// <summary>
/// The queue worker: one claim loop per registered job type, each running at most its configured number of jobs at once, with a
/// heartbeat per running job. A slot that finishes a job completes it and claims its next in one call. Jobs of a type nobody handles are dead-lettered. On shutdown it stops claiming, lets running jobs
/// finish until the host's shutdown timeout, then cancels them and releases their leases so another host takes them at once.
/// </summary>
internal sealed partial class QueueWorker : BackgroundService
{
    private const int Running = 0;
    private const int Finished = 1;
    private const int Released = 2;
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(5);

    private readonly IJobQueue _queue;
    private readonly IReadOnlyDictionary<string, IJobHandler> _handlers;
    private readonly WorkerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _workerId;
    private readonly CancellationTokenSource _hardStop = new();
    private readonly ConcurrentDictionary<long, RunningJob> _running = new();

    public QueueWorker(IJobQueue queue, IEnumerable<IJobHandler> handlers, IOptions<WorkerOptions> options, TimeProvider time, ILogger<QueueWorker>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(handlers);
        ArgumentNullException.ThrowIfNull(options);
        _queue = queue;
        _options = options.Value;
        _time = time;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        var registry = new Dictionary<string, IJobHandler>(StringComparer.Ordinal);
        foreach (var handler in handlers)
        {
            registry[handler.JobType] = handler;
        }

        _handlers = registry;
        _workerId = string.IsNullOrWhiteSpace(_options.WorkerId)
            ? $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}"
            : _options.WorkerId;
    }

    /// <summary>The jobs running now (for tests and diagnostics).</summary>
    internal int RunningCount => _running.Count;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = new List<Task>();
        foreach (var (type, handler) in _handlers)
        {
            var concurrency = _options.ConcurrencyFor(type);
            if (concurrency > 0)
            {
                loops.Add(ClaimLoopAsync(handler, concurrency, stoppingToken));
            }
        }

        if (_options.DeadLetterUnknownJobTypes)
        {
            loops.Add(DeadLetterLoopAsync(stoppingToken));
        }

        loops.Add(RescueLoopAsync(stoppingToken));
        await Task.WhenAll(loops).ConfigureAwait(false);

        // Claiming stopped; the host's shutdown timeout bounds how long running jobs may take (see StopAsync).
        await Task.WhenAll(_running.Values.Select(job => job.Completion)).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Stops the claim loops and waits for running jobs until the host's shutdown timeout fires.
            await base.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (!_running.IsEmpty)
            {
                await ReleaseRunningAsync().ConfigureAwait(false);

                // The jobs are cancelled and their leases given back; give handlers that honour cancellation a moment to unwind.
                try
                {
                    await Task.WhenAll(_running.Values.Select(job => job.Completion)).WaitAsync(ShutdownGrace, _time).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    LogHandlersIgnoredCancellation(_logger, _running.Count);
                }
            }
        }
    }

    private async Task ReleaseRunningAsync()
    {
        await _hardStop.CancelAsync().ConfigureAwait(false);
        foreach (var job in _running.Values)
        {
            if (Interlocked.CompareExchange(ref job.State, Released, Running) != Running)
            {
                continue;
            }

            try
            {
                var released = await _queue.ReleaseAsync(job.Job.Id, job.Job.LeaseToken, CancellationToken.None).ConfigureAwait(false);
                LogReleased(_logger, job.Job.Id, job.Job.JobType, released);
            }
#pragma warning disable CA1031 // Shutdown goes on; an unreleased lease expires and is rescued.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                LogReleaseFailed(_logger, exception, job.Job.Id);
            }
        }
    }

    private async Task ClaimLoopAsync(IJobHandler handler, int concurrency, CancellationToken stoppingToken)
    {
        using var slots = new SemaphoreSlim(concurrency, concurrency);
        string[] types = [handler.JobType];

        // What a slot claims when its job is done, in the same call as the completion.
        var next = new ClaimRequest { WorkerId = _workerId, MaxJobs = 1, JobTypes = types, LeaseDuration = _options.LeaseDuration };
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await slots.WaitAsync(stoppingToken).ConfigureAwait(false);
                var free = 1;
                while (free < concurrency && slots.Wait(0))
                {
                    free++;
                }

                IReadOnlyList<ClaimedJob> jobs;
                try
                {
                    jobs = await _queue.ClaimAsync(
                        new ClaimRequest { WorkerId = _workerId, MaxJobs = free, JobTypes = types, LeaseDuration = _options.LeaseDuration },
                        stoppingToken).ConfigureAwait(false);
                }
                catch
                {
                    slots.Release(free);
                    throw;
                }

                if (free > jobs.Count)
                {
                    slots.Release(free - jobs.Count);
                }

                foreach (var job in jobs)
                {
                    Start(handler, job, slots, next, stoppingToken);
                }

                if (jobs.Count == 0)
                {
                    await _queue.WaitForJobsAsync(_options.PollInterval, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // A queue outage must not end the worker; it tries again after the poll interval.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                LogClaimFailed(_logger, exception, handler.JobType);
                if (!await DelayAsync(_options.PollInterval, stoppingToken).ConfigureAwait(false))
                {
                    break;
                }
            }
        }

        // Wait for this loop's jobs to give their slots back before disposing the semaphore.
        for (var index = 0; index < concurrency; index++)
        {
            await slots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs a job in one of the loop's slots. A job that succeeds is completed together with the claim of the slot's next job
    /// (one round trip), and the slot goes on with that job; it gives the slot back when nothing was claimed or the worker stops.
    /// </summary>
    private void Start(IJobHandler handler, ClaimedJob job, SemaphoreSlim slots, ClaimRequest next, CancellationToken stoppingToken)
    {
        var slot = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = new RunningJob(job) { Completion = slot.Task };
        _running[job.Id] = running;
        _ = Task.Run(async () =>
        {
            try
            {
                while (await RunAsync(handler, running, stoppingToken.IsCancellationRequested ? null : next, stoppingToken).ConfigureAwait(false) is { } claimed)
                {
                    // The next job is listed before the last one leaves, so shutdown never sees the slot empty while it runs.
                    var finished = running.Job.Id;
                    running = new RunningJob(claimed) { Completion = slot.Task };
                    _running[claimed.Id] = running;
                    _running.TryRemove(finished, out _);
                }
            }
            finally
            {
                _running.TryRemove(running.Job.Id, out _);
                slots.Release();
                slot.SetResult();
            }
        });
    }

    /// <summary>Runs the job; returns the slot's next job when it claimed one with the completion.</summary>
    private async Task<ClaimedJob?> RunAsync(IJobHandler handler, RunningJob running, ClaimRequest? next, CancellationToken stoppingToken)
    {
        var job = running.Job;
        ClaimedJob? claimed = null;
        using var jobCancellation = CancellationTokenSource.CreateLinkedTokenSource(_hardStop.Token);
        using var heartbeatStop = new CancellationTokenSource();
        var heartbeat = HeartbeatAsync(running, jobCancellation, heartbeatStop.Token);
        LogStarted(_logger, job.Id, job.JobType, job.Attempt, job.MaxAttempts);
        try
        {
            var result = await handler.HandleAsync(job, jobCancellation.Token).ConfigureAwait(false);
            await StopHeartbeatAsync(heartbeatStop, heartbeat).ConfigureAwait(false);
            if (Interlocked.CompareExchange(ref running.State, Finished, Running) == Running && !running.LeaseLost)
            {
                JobCompletion[] completion = [new JobCompletion(job.Id, job.LeaseToken, result)];
                int completed;
                if (next is not null && !stoppingToken.IsCancellationRequested)
                {
                    (completed, var jobs) = await _queue.CompleteAndClaimAsync(completion, next, CancellationToken.None).ConfigureAwait(false);
                    claimed = jobs.Count > 0 ? jobs[0] : null;
                }
                else
                {
                    completed = await _queue.CompleteAsync(completion, CancellationToken.None).ConfigureAwait(false);
                }

                LogCompleted(_logger, job.Id, job.JobType, completed == 1);
                if (completed == 0)
                {
                    await WarnCompletionRefusedAsync(job).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (jobCancellation.IsCancellationRequested)
        {
            await StopHeartbeatAsync(heartbeatStop, heartbeat).ConfigureAwait(false);
            if (running.LeaseLost)
            {
                LogLeaseLost(_logger, job.Id, job.JobType);
            }
            else if (Interlocked.CompareExchange(ref running.State, Released, Running) == Running)
            {
                await _queue.ReleaseAsync(job.Id, job.LeaseToken, CancellationToken.None).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // Any handler failure is recorded on the job; the worker goes on.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            await StopHeartbeatAsync(heartbeatStop, heartbeat).ConfigureAwait(false);
            if (Interlocked.CompareExchange(ref running.State, Finished, Running) == Running && !running.LeaseLost)
            {
                var permanent = exception is PermanentJobFailureException;
                var failure = new JobFailure
                {
                    Error = $"{exception.GetType().Name}: {exception.Message}",
                    Details = exception.ToString(),
                    Permanent = permanent,
                };
                await _queue.FailAsync(job.Id, job.LeaseToken, failure, CancellationToken.None).ConfigureAwait(false);
                LogFailed(_logger, exception, job.Id, job.JobType, job.Attempt, job.MaxAttempts, permanent || job.Attempt >= job.MaxAttempts);
            }
        }

        return claimed;
    }

    private async Task HeartbeatAsync(RunningJob running, CancellationTokenSource jobCancellation, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (!await DelayAsync(_options.HeartbeatInterval, stop).ConfigureAwait(false))
            {
                return;
            }

            try
            {
                if (!await _queue.ExtendLeaseAsync(running.Job.Id, running.Job.LeaseToken, _options.LeaseDuration, stop).ConfigureAwait(false))
                {
                    // Another worker may hold the job now: stop the handler and leave the job alone.
                    running.LeaseLost = true;
                    await jobCancellation.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A missed heartbeat is retried at the next interval; the lease outlasts a few of them.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                LogHeartbeatFailed(_logger, exception, running.Job.Id);
            }
        }
    }

    private static async Task StopHeartbeatAsync(CancellationTokenSource stop, Task heartbeat)
    {
        await stop.CancelAsync().ConfigureAwait(false);
        await heartbeat.ConfigureAwait(false);
    }

    private async Task DeadLetterLoopAsync(CancellationToken stoppingToken)
    {
        var known = _handlers.Keys.ToArray();
        var registered = known.Length == 0 ? "none" : string.Join(", ", known.Order(StringComparer.Ordinal));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var jobs = await _queue.ClaimAsync(
                    new ClaimRequest { WorkerId = _workerId, MaxJobs = 16, ExcludedJobTypes = known, LeaseDuration = _options.LeaseDuration },
                    stoppingToken).ConfigureAwait(false);
                foreach (var job in jobs)
                {
                    var failure = new JobFailure
                    {
                        Error = $"No handler is registered for job type '{job.JobType}' (registered: {registered}); the job was dead-lettered.",
                        Permanent = true,
                    };
                    await _queue.FailAsync(job.Id, job.LeaseToken, failure, CancellationToken.None).ConfigureAwait(false);
                    LogUnknownType(_logger, job.Id, job.JobType);
                }

                if (jobs.Count == 0)
                {
                    await _queue.WaitForJobsAsync(_options.PollInterval, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A queue outage must not end the worker.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                LogClaimFailed(_logger, exception, "(unknown types)");
                if (!await DelayAsync(_options.PollInterval, stoppingToken).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
    }

    private async Task RescueLoopAsync(CancellationToken stoppingToken)
    {
        while (await DelayAsync(_options.RescueInterval, stoppingToken).ConfigureAwait(false))
        {
            try
            {
                var rescued = await _queue.RescueExpiredLeasesAsync(stoppingToken).ConfigureAwait(false);
                if (rescued > 0)
                {
                    LogRescued(_logger, rescued);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Tried again at the next interval.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                LogClaimFailed(_logger, exception, "(rescue)");
            }
        }
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public override void Dispose()
    {
        _hardStop.Dispose();
        base.Dispose();
    }

    private sealed class RunningJob(ClaimedJob job)
    {
        public int State = Running;

        public ClaimedJob Job { get; } = job;

        public volatile bool LeaseLost;

        public Task Completion { get; set; } = Task.CompletedTask;
    }

    // The handler ran to the end but its lease had passed to another worker (or been rescued): its side effects may happen
    // twice, which the person on call should hear about, with who holds the job now.
    private async Task WarnCompletionRefusedAsync(ClaimedJob job)
    {
        JobInfo? now = null;
        try
        {
            now = await _queue.GetAsync(job.Id, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The warning is written either way, with what is known.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        LogCompletionRefused(_logger, job.Id, job.JobType, _workerId, now?.LockedBy ?? "no worker", now?.Status.ToString() ?? "unknown");
    }

    [LoggerMessage(EventId = 4111, Level = LogLevel.Warning, Message = "Job {JobId} ({JobType}) finished on worker {WorkerId}, but its lease had expired and the queue refused the completion; the job is now {JobStatus} with {CurrentWorker}, so its work may run twice.")]
    private static partial void LogCompletionRefused(ILogger logger, long jobId, string jobType, string workerId, string currentWorker, string jobStatus);

    [LoggerMessage(EventId = 4100, Level = LogLevel.Debug, Message = "Job {JobId} ({JobType}) started, attempt {Attempt} of {MaxAttempts}.")]
    private static partial void LogStarted(ILogger logger, long jobId, string jobType, int attempt, int maxAttempts);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "Job {JobId} ({JobType}) finished; completion accepted: {Accepted}.")]
    private static partial void LogCompleted(ILogger logger, long jobId, string jobType, bool accepted);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Job {JobId} ({JobType}) failed on attempt {Attempt} of {MaxAttempts}; dead: {Dead}.")]
    private static partial void LogFailed(ILogger logger, Exception exception, long jobId, string jobType, int attempt, int maxAttempts, bool dead);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Error, Message = "Job {JobId} has job type {JobType}, which no handler is registered for; it was dead-lettered.")]
    private static partial void LogUnknownType(ILogger logger, long jobId, string jobType);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "Job {JobId} ({JobType}) lost its lease; its handler was cancelled and its result dropped.")]
    private static partial void LogLeaseLost(ILogger logger, long jobId, string jobType);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Information, Message = "Shutdown released job {JobId} ({JobType}) for another worker; released: {Released}.")]
    private static partial void LogReleased(ILogger logger, long jobId, string jobType, bool released);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Warning, Message = "Releasing job {JobId} at shutdown failed; its lease will expire and be rescued.")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, long jobId);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Error, Message = "Claiming {JobType} jobs failed; trying again after the poll interval.")]
    private static partial void LogClaimFailed(ILogger logger, Exception exception, string jobType);

    [LoggerMessage(EventId = 4108, Level = LogLevel.Warning, Message = "Heartbeat of job {JobId} failed; trying again at the next interval.")]
    private static partial void LogHeartbeatFailed(ILogger logger, Exception exception, long jobId);

    [LoggerMessage(EventId = 4110, Level = LogLevel.Warning, Message = "{Count} job handlers did not stop after cancellation; their leases were released and their results will be refused.")]
    private static partial void LogHandlersIgnoredCancellation(ILogger logger, int count);

    [LoggerMessage(EventId = 4109, Level = LogLevel.Information, Message = "Rescued {Count} jobs whose lease expired.")]
    private static partial void LogRescued(ILogger logger, int count);
}
