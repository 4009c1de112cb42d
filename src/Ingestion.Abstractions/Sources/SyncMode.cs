namespace Ingestion;

/// <summary>How a stream's runs relate to the data set.</summary>
public enum SyncMode
{
    /// <summary>Every run returns the whole set. Guarded against empty or shrunken snapshots; keys missing from a complete, guarded snapshot are soft-deleted.</summary>
    FullSnapshot,

    /// <summary>Runs return what changed since a watermark, which advances with the batches it covers.</summary>
    Incremental,
}
