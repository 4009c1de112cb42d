namespace Ingestion;

/// <summary>
/// REST source definitions kept in a store, loaded into the <see cref="ISourceCatalog"/> at run time by <c>AddDatabaseSources()</c>
/// without a restart. An invalid definition is not loaded; its error is recorded on the definition instead.
/// </summary>
public interface ISourceDefinitionStore
{
    /// <summary>Every stored definition, enabled or not, ordered by name.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The definitions.</returns>
    ValueTask<IReadOnlyList<StoredSourceDefinition>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Adds or replaces a definition. A change of the JSON or the enabled flag raises its version.</summary>
    /// <param name="name">The source name.</param>
    /// <param name="definitionJson">The definition as a JSON object (the shape of a source's configuration section).</param>
    /// <param name="enabled">Whether the source is loaded.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The stored definition.</returns>
    ValueTask<StoredSourceDefinition> UpsertAsync(string name, string definitionJson, bool enabled, CancellationToken cancellationToken);

    /// <summary>Disables a definition, so it is removed from the catalog at the next reload.</summary>
    /// <param name="name">The source name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="true"/> when the definition exists.</returns>
    ValueTask<bool> DisableAsync(string name, CancellationToken cancellationToken);

    /// <summary>Records that <paramref name="version"/> of a definition was loaded: sets the loaded version and clears the error.</summary>
    /// <param name="name">The source name.</param>
    /// <param name="version">The version loaded.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when recorded.</returns>
    ValueTask RecordLoadedAsync(string name, int version, CancellationToken cancellationToken);

    /// <summary>Records why <paramref name="version"/> of a definition could not be loaded.</summary>
    /// <param name="name">The source name.</param>
    /// <param name="version">The version that failed.</param>
    /// <param name="error">The reason, naming the setting at fault.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when recorded.</returns>
    ValueTask RecordErrorAsync(string name, int version, string error, CancellationToken cancellationToken);
}
