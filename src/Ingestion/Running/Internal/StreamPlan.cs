namespace Ingestion.Running.Internal;

/// <summary>What the runner prepares once per stream definition and reuses across runs: path template, cursor field, hasher, children.</summary>
internal sealed class StreamPlan
{
    public StreamPlan(SourceDefinition source, StreamDefinition stream, ContentHashAlgorithm algorithm)
    {
        Source = source;
        Stream = stream;
        Template = PathTemplate.Parse(stream.Path);
        Cursor = stream.Mode == SyncMode.Incremental && stream.Incremental is { } incremental
            ? RecordField.Parse(incremental.CursorField)
            : null;
        Children = [.. source.Streams
            .Where(candidate => candidate.Parent is { } parent && string.Equals(parent.Stream, stream.Name, StringComparison.Ordinal))
            .Select(child => new ChildStreamPlan(child))];
        AsChild = stream.Parent is null ? null : new ChildStreamPlan(stream);
        Hasher = stream.IgnoredPaths.Count == 0 ? ContentHasher.Default.WithAlgorithm(algorithm) : new ContentHasher(algorithm, stream.IgnoredPaths);
        EmptyPayloadHash = ContentHasher.ComputeRaw([], algorithm);
    }

    public SourceDefinition Source { get; }

    public StreamDefinition Stream { get; }

    public StreamId Id => new(Source.Name, Stream.Name);

    public PathTemplate Template { get; }

    /// <summary>The incremental cursor field, for incremental streams.</summary>
    public RecordField? Cursor { get; }

    /// <summary>The direct child streams.</summary>
    public IReadOnlyList<ChildStreamPlan> Children { get; }

    /// <summary>This stream's own placeholder plan, when it is a child stream.</summary>
    public ChildStreamPlan? AsChild { get; }

    /// <summary>Hashes records by canonical content, skipping the stream's ignored paths.</summary>
    public ContentHasher Hasher { get; }

    public ContentHash Hash(ReadOnlySpan<byte> payload) => Hasher.Compute(payload);

    /// <summary>The hash of a failed fetch's empty payload.</summary>
    public ContentHash EmptyPayloadHash { get; }

    /// <summary>Whether <paramref name="payload"/> hashes to <paramref name="stored"/> in the algorithm <paramref name="stored"/> was made with.</summary>
    public bool Matches(ContentHash stored, ReadOnlySpan<byte> payload) => Hasher.WithAlgorithm(stored.Algorithm).Compute(payload) == stored;
}
