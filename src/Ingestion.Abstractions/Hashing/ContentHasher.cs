using Ingestion.Hashing.Internal;
using Ingestion.Records.Internal;

namespace Ingestion;

/// <summary>
/// Hashes JSON records by content: XxHash128 (by default) or SHA-256 over a canonical form (object keys in ordinal order,
/// insignificant whitespace removed, values as sent), skipping configured volatile paths.
/// Two records that differ only in key order or whitespace get the same hash. Thread-safe.
/// </summary>
/// <remarks>
/// The canonical form: object members sorted by the ordinal order of their unescaped UTF-8 names (members
/// with equal names keep the order they were sent in); no whitespace outside strings; numbers exactly as
/// written (<c>1</c> and <c>1.0</c> differ); strings re-escaped one way (only <c>"</c>, <c>\</c> and control
/// characters are escaped), so <c>"\u0041"</c> and <c>"A"</c> are equal. The form is made in one scan of the bytes,
/// copying only what differs from what was sent (a record already in canonical form is hashed where it lies), in pooled
/// buffers: a call allocates nothing once the pools are warm.
/// </remarks>
public sealed partial class ContentHasher
{
    /// <summary>The most ignored paths one hasher accepts.</summary>
    public const int MaxIgnoredPaths = 64;

    private readonly JsonPath[] _ignored;
    private ContentHasher? _other;

    /// <summary>Creates a hasher that uses <see cref="ContentHashAlgorithm.XxHash128"/>.</summary>
    /// <param name="ignoredPaths">
    /// <see cref="JsonPath"/> expressions relative to the record (for example <c>fetchedAt</c>, <c>$.meta.requestId</c>,
    /// <c>$.items[0].seenAt</c>) whose members are left out of the hash; at most <see cref="MaxIgnoredPaths"/>.
    /// </param>
    /// <exception cref="ArgumentException">A path is empty, the root <c>$</c>, or not in the supported subset; the message quotes it.</exception>
    // The shipped constructor keeps its optional parameter; the overload with an algorithm takes both explicitly, so no call is ambiguous.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0027:API with optional parameter(s) should have the most parameters amongst its public overloads", Justification = "Shipped before the algorithm overload; removing the default would break callers.")]
    public ContentHasher(IEnumerable<string>? ignoredPaths = null)
        : this(ContentHashAlgorithm.XxHash128, ignoredPaths)
    {
    }

    /// <summary>Creates a hasher that uses <paramref name="algorithm"/>.</summary>
    /// <param name="algorithm">The hash function applied to the canonical form.</param>
    /// <param name="ignoredPaths">As for <see cref="ContentHasher(IEnumerable{string}?)"/>.</param>
    /// <exception cref="ArgumentException">A path is empty, the root <c>$</c>, or not in the supported subset; the message quotes it.</exception>
    public ContentHasher(ContentHashAlgorithm algorithm, IEnumerable<string>? ignoredPaths)
    {
        _ = ContentHash.LengthOf(algorithm);
        Algorithm = algorithm;
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

    private ContentHasher(ContentHasher other, ContentHashAlgorithm algorithm)
    {
        Algorithm = algorithm;
        _ignored = other._ignored;
        IgnoredPaths = other.IgnoredPaths;
        _other = other;
    }

    /// <summary>A hasher that ignores nothing and uses <see cref="ContentHashAlgorithm.XxHash128"/>.</summary>
    public static ContentHasher Default { get; } = new();

    /// <summary>The hash function applied to the canonical form.</summary>
    public ContentHashAlgorithm Algorithm { get; }

    /// <summary>The ignored paths, as given.</summary>
    public IReadOnlyList<string> IgnoredPaths { get; }

    /// <summary>
    /// This hasher with another algorithm and the same ignored paths: how a store compares an incoming record with a stored hash
    /// that was made with another algorithm.
    /// </summary>
    /// <param name="algorithm">The algorithm.</param>
    /// <returns>This hasher when it already uses <paramref name="algorithm"/>, else its twin (made once).</returns>
    public ContentHasher WithAlgorithm(ContentHashAlgorithm algorithm)
    {
        if (algorithm == Algorithm)
        {
            return this;
        }

        _ = ContentHash.LengthOf(algorithm);
        return _other is { } other && other.Algorithm == algorithm ? other : _other = new ContentHasher(this, algorithm);
    }

    /// <summary>Hashes the canonical form of a JSON document.</summary>
    /// <param name="json">UTF-8 JSON.</param>
    /// <param name="hash">The hash, or the default value when <paramref name="json"/> is not valid JSON.</param>
    /// <returns>Whether <paramref name="json"/> was one valid JSON value.</returns>
    public bool TryCompute(ReadOnlySpan<byte> json, out ContentHash hash) => JsonCanonicalizer.TryHash(json, _ignored, Algorithm, out hash);

    /// <summary>Hashes the canonical form of a JSON document, or its raw bytes when it is not valid JSON.</summary>
    /// <param name="json">UTF-8 JSON, or any bytes.</param>
    /// <returns>The hash.</returns>
    public ContentHash Compute(ReadOnlySpan<byte> json) => TryCompute(json, out var hash) ? hash : ComputeRaw(json, Algorithm);

    /// <summary>The SHA-256 of raw bytes, for payloads that are not valid JSON.</summary>
    /// <param name="bytes">The bytes.</param>
    /// <returns>The hash.</returns>
    public static ContentHash ComputeRaw(ReadOnlySpan<byte> bytes) => ComputeRaw(bytes, ContentHashAlgorithm.Sha256);

    /// <summary>The hash of raw bytes with <paramref name="algorithm"/>, for payloads that are not valid JSON.</summary>
    /// <param name="bytes">The bytes.</param>
    /// <param name="algorithm">The algorithm.</param>
    /// <returns>The hash.</returns>
    public static ContentHash ComputeRaw(ReadOnlySpan<byte> bytes, ContentHashAlgorithm algorithm) => HashFunctions.Hash(bytes, algorithm);
}
