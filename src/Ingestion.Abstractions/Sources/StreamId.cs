namespace Ingestion;

/// <summary>Identifies one stream of one source, for example <c>employes/employees</c>.</summary>
/// <param name="Source">The source name.</param>
/// <param name="Stream">The stream name.</param>
public readonly record struct StreamId(string Source, string Stream)
{
    /// <summary>Returns <c>source/stream</c>.</summary>
    public override string ToString() => $"{Source}/{Stream}";
}
