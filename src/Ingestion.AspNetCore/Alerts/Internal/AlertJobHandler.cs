using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ingestion.Alerts.Internal;

/// <summary>Delivers one alert to one sink; a failure fails the job, which the queue retries with backoff.</summary>
internal sealed class AlertJobHandler(IServiceProvider services, ILogger<AlertJobHandler> logger) : IJobHandler
{
    public string JobType => AlertDispatcher.JobType;

    public async ValueTask<string?> HandleAsync(ClaimedJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        AlertJobPayload payload;
        try
        {
            payload = JsonSerializer.Deserialize<AlertJobPayload>(job.Payload, AlertDispatcher.Json)
                ?? throw new PermanentJobFailureException("The alert job has no payload.");
        }
        catch (JsonException exception)
        {
            throw new PermanentJobFailureException("The alert job's payload cannot be read.", exception);
        }

        var sink = services.GetServices<IAlertSink>().FirstOrDefault(s => string.Equals(s.Name, payload.Sink, StringComparison.Ordinal))
            ?? throw new PermanentJobFailureException($"No alert sink named '{payload.Sink}' is registered.");
        try
        {
            await sink.SendAsync(payload.Alert, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException and not PermanentJobFailureException)
        {
            AlertLog.DeliveryFailed(logger, payload.Alert.Id, sink.Name, job.Attempt, job.MaxAttempts, SecretText.Redact(exception.Message));
            throw;
        }

        AlertLog.Delivered(logger, payload.Alert.Id, sink.Name);
        return null;
    }
}
