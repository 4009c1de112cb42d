namespace Ingestion;

/// <summary>
/// The validated source definitions of the host, built once from every <see cref="SourceRegistration"/>.
/// The sync runner, schedulers and tools look sources up here.
/// </summary>
public interface ISourceCatalog
{
    /// <summary>Every source, in registration order.</summary>
    IReadOnlyList<SourceDefinition> Sources { get; }

    /// <summary>Finds a source by name.</summary>
    /// <param name="name">The source name.</param>
    /// <returns>The source, or <see langword="null"/>.</returns>
    SourceDefinition? Find(string name);
}
