using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ingestion.Alerts.Internal;

/// <summary>The job that delivers one alert to one sink.</summary>
internal sealed record AlertJobPayload(string Sink, HealthAlert Alert);

/// <summary>Turns a transition into one queued job per sink; never throws into the sync that saw the transition.</summary>
internal sealed class AlertDispatcher(IServiceProvider services, IOptions<AlertOptions> options, TimeProvider time, ILogger<AlertDispatcher> logger)
{
    public const string JobType = "ingestion.alert";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public TimeProvider Time => time;

    /// <summary>The transition of a health status worth an alert, or <see langword="null"/>.</summary>
    public static HealthAlertKind? Classify(StreamHealthStatus previous, StreamHealthStatus current)
    {
        if (previous == current)
        {
            return null;
        }

        return current switch
        {
            StreamHealthStatus.Degraded => HealthAlertKind.Degraded,
            StreamHealthStatus.Unhealthy => HealthAlertKind.Unhealthy,
            StreamHealthStatus.Healthy when previous is StreamHealthStatus.Degraded or StreamHealthStatus.Unhealthy => HealthAlertKind.Recovered,
            _ => null,
        };
    }

    public async ValueTask RaiseAsync(HealthAlert alert, CancellationToken cancellationToken)
    {
        try
        {
            var sinks = services.GetServices<IAlertSink>().Select(sink => sink.Name).Distinct(StringComparer.Ordinal).ToList();
            if (sinks.Count == 0)
            {
                return;
            }

            var jobs = sinks.Select(sink => new JobRequest
            {
                JobType = JobType,
                Payload = JsonSerializer.Serialize(new AlertJobPayload(sink, alert), Json),
                MaxAttempts = options.Value.MaxAttempts,
                Priority = options.Value.Priority,
                DedupKey = $"alert:{sink}:{alert.Id:N}",
            }).ToList();
            await services.GetRequiredService<IJobQueue>().EnqueueManyAsync(jobs, cancellationToken).ConfigureAwait(false);
            AlertLog.Queued(logger, alert.Kind, alert.Stream, sinks.Count);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            AlertLog.NotQueued(logger, exception, alert.Kind, alert.Stream);
        }
    }
}
