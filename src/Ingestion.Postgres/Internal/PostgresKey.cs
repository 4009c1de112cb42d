using System.Security.Cryptography;
using System.Text;

namespace Ingestion.Postgres.Internal;

/// <summary>
/// How a record key is stored. A B-tree entry holds at most about 2.7 KB, and a key can be anything a vendor or a URL gives (a
/// failed page's key is its URL, which an OData filter can make 10 KB long), so a key longer than <see cref="MaxIndexedBytes"/>
/// is indexed by a fixed-size digest (<c>~sha256:</c> and the SHA-256 of its UTF-8 bytes in hex) while the row keeps the full key
/// in <c>full_key</c>. A short key that happens to start with the marker is stored as a digest too, so a stored key that starts
/// with it is always a digest and no two keys share a stored form (short of a SHA-256 collision). Migration 0007 applies the same
/// rule to keys stored before it, and must stay in step with this class.
/// </summary>
internal static class PostgresKey
{
    /// <summary>The longest key, in UTF-8 bytes, stored as it is.</summary>
    public const int MaxIndexedBytes = 1024;

    public const string DigestMarker = "~sha256:";

    /// <summary>The key as the indexed <c>key</c> column holds it.</summary>
    public static string Stored(string key)
    {
        var clean = PostgresText.Clean(key);
        return NeedsDigest(clean) ? Digest(clean) : clean;
    }

    /// <summary>The full key for the <c>full_key</c> column: null when the stored key is the key itself.</summary>
    public static string? FullOrNull(string key)
    {
        var clean = PostgresText.Clean(key);
        return NeedsDigest(clean) ? clean : null;
    }

    private static bool NeedsDigest(string key) =>
        key.StartsWith(DigestMarker, StringComparison.Ordinal) || (key.Length > MaxIndexedBytes / 3 && Encoding.UTF8.GetByteCount(key) > MaxIndexedBytes);

    private static string Digest(string key) => DigestMarker + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
