namespace Ingestion.Fetching.Internal;

/// <summary>Registered by <see cref="FetchingIngestionBuilderExtensions.AddResilienceTelemetry"/>: the sources' pipelines keep Polly's telemetry.</summary>
internal sealed class ResilienceTelemetrySwitch;
