namespace Ingestion;

/// <summary>
/// Hashes JSON records by content: SHA-256 over a canonical form (object keys in ordinal order,
/// insignificant whitespace removed, values as sent), skipping configured volatile paths.
/// Two records that differ only in key order or whitespace get the same hash. Thread-safe.
/// </summary>
public sealed partial class ContentHasher
{
}
