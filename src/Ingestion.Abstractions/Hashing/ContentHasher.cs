using System.Security.Cryptography;
using Ingestion.Hashing.Internal;
using Ingestion.Records.Internal;

namespace Ingestion;

/// <summary>
/// Hashes JSON records by content: SHA-256 over a canonical form (object keys in ordinal order,
/// insignificant whitespace removed, values as sent), skipping configured volatile paths.
/// Two records that differ only in key order or whitespace get the same hash. Thread-safe.
/// </summary>
/// <remarks>
/// The canonical form: object members sorted by the ordinal order of their unescaped UTF-8 names (members
/// with equal names keep the order they were sent in); no whitespace outside strings; numbers exactly as
/// written (<c>1</c> and <c>1.0</c> differ); strings re-escaped one way (only <c>"</c>, <c>\</c> and control
/// characters are escaped), so <c>"\u0041"</c> and <c>"A"</c> are equal. The form is built in pooled buffers;
/// a call allocates nothing once the pools are warm.
/// </remarks>
public sealed partial class ContentHasher
{
    /// <summary>The most ignored paths one hasher accepts.</summary>
    public const int MaxIgnoredPaths = 64;

    private readonly JsonPath[] _ignored;

    /// <summary>Creates a hasher.</summary>
    /// <param name="ignoredPaths">
    /// <see cref="JsonPath"/> expressions relative to the record (for example <c>fetchedAt</c>, <c>$.meta.requestId</c>,
    /// <c>$.items[0].seenAt</c>) whose members are left out of the hash; at most <see cref="MaxIgnoredPaths"/>.
    /// </param>
    /// <exception cref="ArgumentException">A path is empty, the root <c>$</c>, or not in the supported subset; the message quotes it.</exception>
    public ContentHasher(IEnumerable<string>? ignoredPaths = null)
    {
        var paths = new List<JsonPath>();
        foreach (var expression in ignoredPaths ?? [])
        {
            var path = JsonPathArgument.Parse(expression, nameof(ignoredPaths));
            if (path.IsRoot)
            {
                throw new ArgumentException($"The ignored path '{expression}' is the whole record; ignore a member of it instead.", nameof(ignoredPaths));
            }

            paths.Add(path);
        }

        if (paths.Count > MaxIgnoredPaths)
        {
            throw new ArgumentException($"At most {MaxIgnoredPaths} paths can be ignored, not {paths.Count}.", nameof(ignoredPaths));
        }

        _ignored = [.. paths];
        IgnoredPaths = [.. paths.Select(p => p.Expression)];
    }

    /// <summary>A hasher that ignores nothing.</summary>
    public static ContentHasher Default { get; } = new();

    /// <summary>The ignored paths, as given.</summary>
    public IReadOnlyList<string> IgnoredPaths { get; }

    /// <summary>Hashes the canonical form of a JSON document.</summary>
    /// <param name="json">UTF-8 JSON.</param>
    /// <param name="hash">The hash, or the default value when <paramref name="json"/> is not valid JSON.</param>
    /// <returns>Whether <paramref name="json"/> was one valid JSON value.</returns>
    public bool TryCompute(ReadOnlySpan<byte> json, out ContentHash hash) => JsonCanonicalizer.TryHash(json, _ignored, out hash);

    /// <summary>Hashes the canonical form of a JSON document, or its raw bytes when it is not valid JSON.</summary>
    /// <param name="json">UTF-8 JSON, or any bytes.</param>
    /// <returns>The hash.</returns>
    public ContentHash Compute(ReadOnlySpan<byte> json) => TryCompute(json, out var hash) ? hash : ComputeRaw(json);

    /// <summary>The SHA-256 of raw bytes, for payloads that are not valid JSON.</summary>
    /// <param name="bytes">The bytes.</param>
    /// <returns>The hash.</returns>
    public static ContentHash ComputeRaw(ReadOnlySpan<byte> bytes)
    {
        Span<byte> digest = stackalloc byte[ContentHash.Size];
        SHA256.HashData(bytes, digest);
        return new ContentHash(digest);
    }
}
