using Microsoft.Extensions.DependencyInjection;

namespace Ingestion.Composition.Internal;

internal sealed class IngestionBuilder(IServiceCollection services) : IIngestionBuilder
{
    public IServiceCollection Services { get; } = services;
}

/// <summary>Marks a service collection that already holds the core ingestion services.</summary>
internal sealed class IngestionMarker;

/// <summary>The options type whose start-up validation checks the source catalog and the stores.</summary>
internal sealed class IngestionStartupCheck;
