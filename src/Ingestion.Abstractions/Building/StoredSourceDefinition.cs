namespace Ingestion;

/// <summary>
/// A REST source definition kept in a store (the PostgreSQL <c>sources</c> table) rather than in code or configuration. The JSON has the
/// shape of a configuration section read by <c>AddRestSource(name, IConfiguration)</c>: <c>BaseAddress</c>, <c>Auth</c>, <c>RateLimit</c>,
/// <c>Resilience</c>, <c>Headers</c> and <c>Streams</c>.
/// </summary>
public sealed record StoredSourceDefinition
{
    /// <summary>The source name, unique within the host.</summary>
    public required string Name { get; init; }

    /// <summary>The definition as a JSON object.</summary>
    public required string DefinitionJson { get; init; }

    /// <summary>Whether the source is loaded; a disabled source is removed from the catalog at the next reload.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The definition's version, raised by the store on every change of the JSON or the enabled flag.</summary>
    public int Version { get; init; } = 1;

    /// <summary>Why the latest version could not be loaded, or <see langword="null"/>.</summary>
    public string? LastError { get; init; }

    /// <summary>When <see cref="LastError"/> was recorded.</summary>
    public DateTimeOffset? LastErrorAt { get; init; }

    /// <summary>The version the catalog loaded last, or <see langword="null"/> when none was loaded.</summary>
    public int? LoadedVersion { get; init; }

    /// <summary>When <see cref="LoadedVersion"/> was loaded.</summary>
    public DateTimeOffset? LoadedAt { get; init; }

    /// <summary>When the definition was last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }
}
