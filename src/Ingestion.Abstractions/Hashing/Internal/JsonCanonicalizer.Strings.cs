using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;
using System.Text.Unicode;

namespace Ingestion.Hashing.Internal;

internal ref partial struct JsonCanonicalizer
{
    private static readonly SearchValues<byte> NeedsEscaping = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(b => (byte)b), (byte)'"', (byte)'\\']);

    // Moves past the string value at `pos`; one with escapes is written again in canonical form. Returns the position after it, or -1.
    private int WriteString(ReadOnlySpan<byte> json, int pos)
    {
        // Valid JSON has no raw quote, backslash or control character in a string: one without escapes is canonical already.
        var stop = NextStop(pos + 1);
        var b = At(json, stop);
        return b == (byte)'"' ? stop + 1 : b == (byte)'\\' ? WriteEscapedString(json, pos, stop) : -1;
    }

    // Moves past the string at `pos` (its opening quote), checking it as Utf8JsonReader does: no control character, only
    // valid escapes. Returns the position after the closing quote, or -1.
    private static int ScanString(ReadOnlySpan<byte> json, int pos, out bool escaped)
    {
        escaped = false;
        pos++;
        while (true)
        {
            pos = NextStringStop(json, pos);
            var b = At(json, pos);
            if (b == (byte)'"')
            {
                return pos + 1;
            }

            if (b != (byte)'\\')
            {
                // A control character, or the end of the input.
                return -1;
            }

            escaped = true;
            switch (At(json, pos + 1))
            {
                case (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t':
                    pos += 2;
                    break;
                case (byte)'u' when pos + 6 <= json.Length && IsHex(json[pos + 2]) && IsHex(json[pos + 3]) && IsHex(json[pos + 4]) && IsHex(json[pos + 5]):
                    pos += 6;
                    break;
                default:
                    return -1;
            }
        }
    }

    // The position of the first quote, backslash or control character at or after `pos`, or the input's length: sixteen
    // bytes at a time, as most strings are short and a general search costs more to set up than it saves on them.
    private static int NextStringStop(ReadOnlySpan<byte> json, int pos)
    {
        ref var start = ref MemoryMarshal.GetReference(json);
        while (pos <= json.Length - Vector128<byte>.Count)
        {
            var chunk = Vector128.LoadUnsafe(ref start, (nuint)pos);
            var stops = Vector128.Equals(chunk, Vector128.Create((byte)'"'))
                | Vector128.Equals(chunk, Vector128.Create((byte)'\\'))
                | Vector128.LessThan(chunk, Vector128.Create((byte)0x20));
            var mask = stops.ExtractMostSignificantBits();
            if (mask != 0)
            {
                return pos + BitOperations.TrailingZeroCount(mask);
            }

            pos += Vector128<byte>.Count;
        }

        while (pos < json.Length && json[pos] is not ((byte)'"' or (byte)'\\' or < 0x20))
        {
            pos++;
        }

        return pos;
    }

    private static bool IsHex(byte b) => char.IsAsciiHexDigit((char)b);

    // The \uXXXX escape at raw[backslash], as one scalar (a high surrogate must be followed at once by an escaped low one), with
    // raw moved past it; -1 for a lone or reversed surrogate, which the canonical form rejects (as CopyString does).
    private static int ReadUnicodeEscape(ref ReadOnlySpan<byte> raw, int backslash)
    {
        var scalar = HexValue(raw.Slice(backslash + 2, 4));
        raw = raw[(backslash + 6)..];
        if (scalar is < 0xD800 or > 0xDFFF)
        {
            return scalar;
        }

        if (scalar >= 0xDC00 || raw.Length < 6 || raw[0] != (byte)'\\' || raw[1] != (byte)'u')
        {
            return -1;
        }

        var low = HexValue(raw.Slice(2, 4));
        if (low is < 0xDC00 or > 0xDFFF)
        {
            return -1;
        }

        raw = raw[6..];
        return 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00);
    }

    private static int HexValue(ReadOnlySpan<byte> hex)
    {
        var value = 0;
        foreach (var b in hex)
        {
            value = (value << 4) | (b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10);
        }

        return value;
    }

    // One character as the canonical form writes it: a quote, a backslash and control characters escaped (the short escape
    // where there is one, else \u00 and lower-case hex), anything else as UTF-8.
    private static int WriteCanonicalChar(int scalar, Span<byte> output)
    {
        if (scalar >= 0x20 && scalar != '"' && scalar != '\\')
        {
            return new Rune(scalar).EncodeToUtf8(output);
        }

        output[0] = (byte)'\\';
        output[1] = scalar switch
        {
            '"' or '\\' => (byte)scalar,
            '\b' => (byte)'b',
            '\f' => (byte)'f',
            '\n' => (byte)'n',
            '\r' => (byte)'r',
            '\t' => (byte)'t',
            _ => (byte)'u',
        };
        if (output[1] != (byte)'u')
        {
            return 2;
        }

        output[2] = (byte)'0';
        output[3] = (byte)'0';
        output[4] = (byte)"0123456789abcdef"[scalar >> 4];
        output[5] = (byte)"0123456789abcdef"[scalar & 0xF];
        return 6;
    }

    private void WriteCanonicalString(ReadOnlySpan<byte> text)
    {
        // Each character is at most six bytes in canonical form (\u00XX).
        EnsureOutput((text.Length * 6) + 2);
        var output = _output.AsSpan();
        var length = _length;
        output[length++] = (byte)'"';
        while (true)
        {
            var special = text.IndexOfAny(NeedsEscaping);
            if (special < 0)
            {
                text.CopyTo(output[length..]);
                length += text.Length;
                break;
            }

            text[..special].CopyTo(output[length..]);
            length += special;
            length += WriteCanonicalChar(text[special], output[length..]);
            text = text[(special + 1)..];
        }

        output[length++] = (byte)'"';
        _length = length;
    }

    // Unescapes `raw` onto the free end of the name stack as Utf8JsonReader.CopyString does; -1 where it would throw
    // (a lone or reversed surrogate, or text that is not UTF-8).
    private int Unescape(ReadOnlySpan<byte> raw)
    {
        if (!Utf8.IsValid(raw))
        {
            return -1;
        }

        EnsureNames(raw.Length);
        var destination = _names.AsSpan(_namesLength);
        var written = 0;
        while (true)
        {
            var backslash = raw.IndexOf((byte)'\\');
            if (backslash < 0)
            {
                raw.CopyTo(destination[written..]);
                return written + raw.Length;
            }

            raw[..backslash].CopyTo(destination[written..]);
            written += backslash;
            var kind = raw[backslash + 1];
            if (kind != (byte)'u')
            {
                destination[written++] = kind switch
                {
                    (byte)'b' => (byte)'\b',
                    (byte)'f' => (byte)'\f',
                    (byte)'n' => (byte)'\n',
                    (byte)'r' => (byte)'\r',
                    (byte)'t' => (byte)'\t',
                    _ => kind,
                };
                raw = raw[(backslash + 2)..];
                continue;
            }

            var scalar = ReadUnicodeEscape(ref raw, backslash);
            if (scalar < 0)
            {
                return -1;
            }

            written += new Rune(scalar).EncodeToUtf8(destination[written..]);
        }
    }

    private void EnsureNames(int extra)
    {
        if (_names is null)
        {
            _names = _kept.Bytes.Rent(Math.Max(256, extra));
        }
        else if (_namesLength + extra > _names.Length)
        {
            _names = Grow(_names, _namesLength, _namesLength + extra);
        }
    }

    // Moves past the number or literal at `pos`, checking it as Utf8JsonReader does. Returns the position after it, or -1.
    private static int ScanScalar(ReadOnlySpan<byte> json, int pos)
    {
        switch (At(json, pos))
        {
            case (byte)'t':
                return pos <= json.Length - 4 && BinaryPrimitives.ReadUInt32LittleEndian(json[pos..]) == 0x65757274 ? pos + 4 : -1;
            case (byte)'f':
                return pos <= json.Length - 5 && BinaryPrimitives.ReadUInt32LittleEndian(json[(pos + 1)..]) == 0x65736c61 ? pos + 5 : -1;
            case (byte)'n':
                return pos <= json.Length - 4 && BinaryPrimitives.ReadUInt32LittleEndian(json[pos..]) == 0x6c6c756e ? pos + 4 : -1;
            case (byte)'-':
                pos++;
                break;
        }

        // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
        var b = At(json, pos);
        if (b == (byte)'0')
        {
            pos++;
        }
        else if (IsDigit(b))
        {
            pos = SkipDigits(json, pos + 1);
        }
        else
        {
            return -1;
        }

        if (At(json, pos) == (byte)'.')
        {
            if (!IsDigit(At(json, ++pos)))
            {
                return -1;
            }

            pos = SkipDigits(json, pos + 1);
        }

        if ((At(json, pos) | 0x20) == (byte)'e')
        {
            if (At(json, ++pos) is (byte)'+' or (byte)'-')
            {
                pos++;
            }

            if (!IsDigit(At(json, pos)))
            {
                return -1;
            }

            pos = SkipDigits(json, pos + 1);
        }

        return pos;
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    // Moves past a run of digits: sixteen bytes at a time, so the run's length costs no mispredicted loop exit.
    private static int SkipDigits(ReadOnlySpan<byte> json, int pos)
    {
        ref var start = ref MemoryMarshal.GetReference(json);
        while (Vector128.IsHardwareAccelerated && pos <= json.Length - Vector128<byte>.Count)
        {
            var chunk = Vector128.LoadUnsafe(ref start, (nuint)pos) - Vector128.Create((byte)'0');
            var others = ~Vector128.LessThan(chunk, Vector128.Create((byte)10)).ExtractMostSignificantBits() & 0xFFFF;
            if (others != 0)
            {
                return pos + BitOperations.TrailingZeroCount(others);
            }

            pos += Vector128<byte>.Count;
        }

        while (IsDigit(At(json, pos)))
        {
            pos++;
        }

        return pos;
    }

    // Moves past a value left out of the hash, checking its syntax and depth as Utf8JsonReader.Skip does: names and strings
    // are not unescaped, so their surrogates and UTF-8 go unchecked. Returns the position after it, or -1.
    private static int SkipValue(ReadOnlySpan<byte> json, int pos, int depth)
    {
        var open = At(json, pos);
        if (open is not ((byte)'{' or (byte)'['))
        {
            return open == (byte)'"' ? ScanString(json, pos, out _) : ScanScalar(json, pos);
        }

        if (depth >= MaxDepth)
        {
            return -1;
        }

        var close = (byte)(open + 2);
        pos = SkipWhitespace(json, pos + 1);
        if (At(json, pos) == close)
        {
            return pos + 1;
        }

        while (true)
        {
            if (open == (byte)'{')
            {
                pos = At(json, pos) == (byte)'"' ? ScanString(json, pos, out _) : -1;
                if (pos < 0)
                {
                    return -1;
                }

                pos = SkipWhitespace(json, pos);
                if (At(json, pos) != (byte)':')
                {
                    return -1;
                }

                pos = SkipWhitespace(json, pos + 1);
            }

            pos = SkipValue(json, pos, depth + 1);
            if (pos < 0)
            {
                return -1;
            }

            pos = SkipWhitespace(json, pos);
            var next = At(json, pos);
            if (next == close)
            {
                return pos + 1;
            }

            if (next != (byte)',')
            {
                return -1;
            }

            pos = SkipWhitespace(json, pos + 1);
        }
    }
}
