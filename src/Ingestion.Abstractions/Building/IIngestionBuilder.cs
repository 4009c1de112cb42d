using Microsoft.Extensions.DependencyInjection;

namespace Ingestion;

/// <summary>
/// The builder passed to <c>services.AddIngestion(...)</c>. It only exposes the service collection;
/// every feature (stores, sources, connectors, derivers, schedules, workers) is an extension method on it.
/// </summary>
public interface IIngestionBuilder
{
    /// <summary>The service collection the ingestion services are registered in.</summary>
    IServiceCollection Services { get; }
}
