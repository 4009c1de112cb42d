namespace Ingestion;

/// <summary>
/// A source registered with the builder. The engine resolves every registration once, at start-up,
/// builds the <see cref="SourceDefinition"/> and validates it, so a bad definition stops the host with a
/// message that names the source.
/// </summary>
public sealed class SourceRegistration
{
    /// <summary>Creates a registration.</summary>
    /// <param name="name">The source name, unique within the host.</param>
    /// <param name="factory">Builds the definition from the host's services (options, configuration).</param>
    public SourceRegistration(string name, Func<IServiceProvider, SourceDefinition> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        Name = name;
        Factory = factory;
    }

    /// <summary>The source name.</summary>
    public string Name { get; }

    /// <summary>Builds the definition.</summary>
    public Func<IServiceProvider, SourceDefinition> Factory { get; }
}
