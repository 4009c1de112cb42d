using System.Buffers.Binary;

namespace Ingestion;

/// <summary>A SHA-256 content hash, stored inline (no allocation), compared by value.</summary>
public readonly struct ContentHash : IEquatable<ContentHash>
{
    /// <summary>The size of a hash in bytes.</summary>
    public const int Size = 32;

    private readonly ulong _a, _b, _c, _d;

    /// <summary>Creates a hash from its 32 bytes.</summary>
    /// <param name="bytes">Exactly 32 bytes.</param>
    public ContentHash(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A content hash is {Size} bytes, not {bytes.Length}.", nameof(bytes));
        }

        _a = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _b = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _c = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
        _d = BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]);
    }

    /// <summary>Whether this is the default (all zero) value, which no real content produces in practice.</summary>
    public bool IsEmpty => (_a | _b | _c | _d) == 0;

    /// <summary>Writes the 32 bytes to <paramref name="destination"/>.</summary>
    /// <param name="destination">At least 32 bytes.</param>
    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _a);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _c);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _d);
    }

    /// <summary>Returns the 32 bytes in a new array.</summary>
    /// <returns>The bytes.</returns>
    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        CopyTo(bytes);
        return bytes;
    }

    /// <summary>Returns the lowercase hexadecimal form.</summary>
    /// <returns>64 hexadecimal characters.</returns>
    public string ToHex()
    {
        Span<byte> bytes = stackalloc byte[Size];
        CopyTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    /// <summary>Parses the hexadecimal form.</summary>
    /// <param name="hex">64 hexadecimal characters.</param>
    /// <returns>The hash.</returns>
    internal static ContentHash FromHex(string hex) => new(Convert.FromHexString(hex));

    /// <inheritdoc />
    public bool Equals(ContentHash other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

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
