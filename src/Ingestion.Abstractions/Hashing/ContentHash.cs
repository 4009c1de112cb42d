using System.Buffers.Binary;

namespace Ingestion;

/// <summary>
/// A content hash and the algorithm that made it (<see cref="ContentHashAlgorithm.XxHash128"/>, 16 bytes, or
/// <see cref="ContentHashAlgorithm.Sha256"/>, 32 bytes), stored inline (no allocation), compared by value: hashes made with
/// different algorithms are never equal.
/// </summary>
public readonly struct ContentHash : IEquatable<ContentHash>
{
    /// <summary>The size of the largest hash (SHA-256) in bytes.</summary>
    public const int Size = 32;

    /// <summary>The size of an XxHash128 hash in bytes.</summary>
    public const int XxHash128Size = 16;

    private readonly ulong _a, _b, _c, _d;
    private readonly ContentHashAlgorithm _algorithm;

    /// <summary>Creates a hash from its bytes; the length tells the algorithm.</summary>
    /// <param name="bytes">32 bytes (SHA-256) or 16 bytes (XxHash128).</param>
    public ContentHash(ReadOnlySpan<byte> bytes)
        : this(bytes.Length == XxHash128Size ? ContentHashAlgorithm.XxHash128 : ContentHashAlgorithm.Sha256, bytes)
    {
    }

    /// <summary>Creates a hash made with <paramref name="algorithm"/> from its bytes.</summary>
    /// <param name="algorithm">The algorithm that made it.</param>
    /// <param name="bytes">As many bytes as the algorithm makes: 32 for SHA-256, 16 for XxHash128.</param>
    public ContentHash(ContentHashAlgorithm algorithm, ReadOnlySpan<byte> bytes)
    {
        var expected = LengthOf(algorithm);
        if (bytes.Length != expected)
        {
            throw new ArgumentException($"A {algorithm} content hash is {expected} bytes, not {bytes.Length}.", nameof(bytes));
        }

        _algorithm = algorithm;
        _a = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _b = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        if (expected == Size)
        {
            _c = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
            _d = BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]);
        }
    }

    /// <summary>The algorithm that made this hash.</summary>
    public ContentHashAlgorithm Algorithm => _algorithm;

    /// <summary>The number of bytes of this hash: 32 for SHA-256, 16 for XxHash128.</summary>
    public int Length => LengthOf(_algorithm);

    /// <summary>Whether this is the default (all zero) value, which no real content produces in practice.</summary>
    public bool IsEmpty => (_a | _b | _c | _d) == 0;

    /// <summary>The number of bytes <paramref name="algorithm"/> makes.</summary>
    /// <param name="algorithm">The algorithm.</param>
    /// <returns>32 for SHA-256, 16 for XxHash128.</returns>
    public static int LengthOf(ContentHashAlgorithm algorithm) => algorithm switch
    {
        ContentHashAlgorithm.Sha256 => Size,
        ContentHashAlgorithm.XxHash128 => XxHash128Size,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Not a content hash algorithm."),
    };

    /// <summary>Writes the <see cref="Length"/> bytes to <paramref name="destination"/>.</summary>
    /// <param name="destination">At least <see cref="Length"/> bytes.</param>
    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _a);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _b);
        if (Length == Size)
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _c);
            BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _d);
        }
    }

    /// <summary>Returns the <see cref="Length"/> bytes in a new array.</summary>
    /// <returns>The bytes.</returns>
    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        CopyTo(bytes);
        return bytes;
    }

    /// <summary>Returns the lowercase hexadecimal form.</summary>
    /// <returns>64 (SHA-256) or 32 (XxHash128) hexadecimal characters.</returns>
    public string ToHex()
    {
        Span<byte> bytes = stackalloc byte[Size];
        CopyTo(bytes);
        return Convert.ToHexStringLower(bytes[..Length]);
    }

    /// <summary>Parses the hexadecimal form; its length tells the algorithm.</summary>
    /// <param name="hex">64 (SHA-256) or 32 (XxHash128) hexadecimal characters.</param>
    /// <returns>The hash.</returns>
    internal static ContentHash FromHex(string hex) => new(Convert.FromHexString(hex));

    /// <inheritdoc />
    public bool Equals(ContentHash other) =>
        _algorithm == other._algorithm && _a == other._a && _b == other._b && _c == other._c && _d == other._d;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ContentHash other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => (int)_a ^ (int)(_a >> 32);

    /// <summary>Returns the hexadecimal form.</summary>
    public override string ToString() => ToHex();

    /// <summary>Compares two hashes.</summary>
    public static bool operator ==(ContentHash left, ContentHash right) => left.Equals(right);

    /// <summary>Compares two hashes.</summary>
    public static bool operator !=(ContentHash left, ContentHash right) => !left.Equals(right);
}
