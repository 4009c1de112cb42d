using System.IO.Hashing;
using System.Security.Cryptography;

namespace Ingestion.Hashing.Internal;

/// <summary>The hash functions a <see cref="ContentHash"/> can be made with.</summary>
internal static class HashFunctions
{
    /// <summary>Hashes bytes as they are with <paramref name="algorithm"/>.</summary>
    public static ContentHash Hash(ReadOnlySpan<byte> bytes, ContentHashAlgorithm algorithm)
    {
        Span<byte> digest = stackalloc byte[ContentHash.Size];
        switch (algorithm)
        {
            case ContentHashAlgorithm.XxHash128:
                XxHash128.Hash(bytes, digest);
                return new ContentHash(algorithm, digest[..ContentHash.XxHash128Size]);
            case ContentHashAlgorithm.Sha256:
                SHA256.HashData(bytes, digest);
                return new ContentHash(algorithm, digest);
            default:
                throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Not a content hash algorithm.");
        }
    }
}
