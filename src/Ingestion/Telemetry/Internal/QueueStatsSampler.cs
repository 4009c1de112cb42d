using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ingestion.Telemetry.Internal;

/// <summary>
/// Samples <see cref="IJobQueue.GetStatsAsync"/> every 15 seconds for the queue depth and lag gauges (gauge callbacks cannot
/// query a database). Does nothing when no job queue is registered.
/// </summary>
internal sealed partial class QueueStatsSampler(IServiceProvider services, TimeProvider timeProvider, ILogger<QueueStatsSampler>? logger = null) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);
    private readonly ILogger _logger = logger ?? NullLogger<QueueStatsSampler>.Instance;

    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<IJobQueue>() is { } queue)
        {
            IngestionTelemetry.PublishQueueStats(this, await queue.GetStatsAsync(cancellationToken).ConfigureAwait(false));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (services.GetService<IJobQueue>() is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval, timeProvider);
        do
        {
            try
            {
                await SampleAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                SampleFailed(_logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    public override void Dispose()
    {
        IngestionTelemetry.WithdrawQueueStats(this);
        base.Dispose();
    }

    [LoggerMessage(EventId = 4200, Level = LogLevel.Warning, Message = "Reading the job queue statistics for the queue gauges failed")]
    private static partial void SampleFailed(ILogger logger, Exception exception);
}
