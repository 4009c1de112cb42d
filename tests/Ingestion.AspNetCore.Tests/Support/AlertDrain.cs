using Microsoft.Extensions.DependencyInjection;

namespace Ingestion.AspNetCore.Tests.Support;

// Does what a worker does with alert jobs, one pass at a time, so a test decides when deliveries are attempted: claims
// every runnable alert job, runs its handler, completes it or fails it (the queue then retries it with backoff).
public static class AlertDrain
{
    public const string JobType = "ingestion.alert";

    public static async Task<(int Delivered, int Failed)> RunOnceAsync(IServiceProvider services)
    {
        var cancel = TestContext.Current.CancellationToken;
        var queue = services.GetRequiredService<IJobQueue>();
        var handler = services.GetServices<IJobHandler>().Single(h => h.JobType == JobType);
        var jobs = await queue.ClaimAsync(new ClaimRequest { WorkerId = "alert-test", MaxJobs = 100, JobTypes = [JobType] }, cancel);
        var delivered = 0;
        var failed = 0;
        foreach (var job in jobs)
        {
            try
            {
                await handler.HandleAsync(job, cancel);
                await queue.CompleteAsync([new JobCompletion(job.Id, job.LeaseToken)], cancel);
                delivered++;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                await queue.FailAsync(job.Id, job.LeaseToken, new JobFailure { Error = exception.Message, Permanent = exception is PermanentJobFailureException }, cancel);
                failed++;
            }
        }

        return (delivered, failed);
    }
}

// Keeps what it is sent; fails while Down is set.
public sealed class RecordingSink : IAlertSink
{
    private readonly List<HealthAlert> _alerts = [];

    public volatile bool Down;

    public string Name => "recording";

    public IReadOnlyList<HealthAlert> Alerts
    {
        get
        {
            lock (_alerts)
            {
                return [.. _alerts];
            }
        }
    }

    public ValueTask SendAsync(HealthAlert alert, CancellationToken cancellationToken)
    {
        if (Down)
        {
            throw new HttpRequestException("The pager is down.");
        }

        lock (_alerts)
        {
            _alerts.Add(alert);
        }

        return ValueTask.CompletedTask;
    }
}

// The container's RecordingSink instance, as the registered sink (AddAlertSink<RecordingSinkAdapter>() after AddSingleton(sink)).
public sealed class RecordingSinkAdapter(RecordingSink sink) : IAlertSink
{
    public string Name => sink.Name;

    public ValueTask SendAsync(HealthAlert alert, CancellationToken cancellationToken) => sink.SendAsync(alert, cancellationToken);
}
