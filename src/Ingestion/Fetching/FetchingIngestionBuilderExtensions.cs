using Ingestion.Fetching.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ingestion;

/// <summary>Configures the HTTP fetcher on the <see cref="IIngestionBuilder"/>.</summary>
public static class FetchingIngestionBuilderExtensions
{
    /// <summary>
    /// Turns on Polly's own telemetry in every source's resilience pipeline: the <c>resilience.polly.*</c> metrics (meter
    /// <c>Polly</c>) and Polly's log events (category <c>Polly</c>) for each request, attempt, retry, timeout and circuit
    /// change. Off by default: the fetcher reports attempts, retries, timeouts and circuit changes itself (meter and
    /// activity source <c>Ingestion</c>, log category <c>Ingestion.Fetching</c>), and Polly's telemetry costs every request an
    /// asynchronous frame and two reports whether anything listens or not.
    /// </summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IIngestionBuilder AddResilienceTelemetry(this IIngestionBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<ResilienceTelemetrySwitch>();
        return builder;
    }
}
