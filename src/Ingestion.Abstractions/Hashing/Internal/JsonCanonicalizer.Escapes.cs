using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text.Unicode;

namespace Ingestion.Hashing.Internal;

internal ref partial struct JsonCanonicalizer
{
    // Writes the string value at `quote` (its opening quote), whose first escape is at `backslash`, in canonical form, and
    // returns the position after it, or -1 where ScanString or CopyString would have failed (a bad escape, a control
    // character, no closing quote, a lone or reversed surrogate, text that is not UTF-8). One pass: each escape is checked as
    // it is rewritten, and the runs between escapes are moved 32 bytes at a time, found by the same vector comparison. The
    // output keeps room for the rest of the input (the canonical form of a string is never longer than the string as sent),
    // so whole vectors can be stored past a run's end; what lands past it is overwritten or lies past the form's length.
    private int WriteEscapedString(ReadOnlySpan<byte> json, int quote, int backslash)
    {
        var window = Window.Empty;
        return WriteEscapedString(json, quote, backslash, ref window);
    }

    // As above, with the window of marks the string's first escape was found in: the runs between escapes that end in it are
    // found with a shift and a bit count rather than a vector comparison each, which waits for the escape before it.
    private int WriteEscapedString(ReadOnlySpan<byte> json, int quote, int backslash, ref Window window)
    {
        FlushTo(quote);
        EnsureOutput(json.Length - quote);
        var output = _output.AsSpan();
        var length = _length;
        output[length++] = (byte)'"';
        json[(quote + 1)..backslash].CopyTo(output[length..]);
        length += backslash - quote - 1;
        var pos = backslash;
        while (true)
        {
            // An escape starts at pos.
            var kind = At(json, pos + 1);
            switch (kind)
            {
                case (byte)'"' or (byte)'\\' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t':
                    // The short escapes of a quote, a backslash and the five control characters are canonical.
                    output[length++] = (byte)'\\';
                    output[length++] = kind;
                    pos += 2;
                    break;
                case (byte)'/':
                    output[length++] = (byte)'/';
                    pos += 2;
                    break;
                case (byte)'u':
                    // Four hex digits, one scalar: a high surrogate must be followed at once by an escaped low one (which
                    // ScanString would have checked as the next escape), and a low one must not come first (as CopyString).
                    var scalar = HexUnit(json, pos + 2);
                    if (scalar is >= 0xD800 and <= 0xDFFF)
                    {
                        var low = scalar < 0xDC00 && At(json, pos + 6) == (byte)'\\' && At(json, pos + 7) == (byte)'u' ? HexUnit(json, pos + 8) : -1;
                        if (low is < 0xDC00 or > 0xDFFF)
                        {
                            return -1;
                        }

                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00);
                        pos += 6;
                    }
                    else if (scalar < 0)
                    {
                        return -1;
                    }

                    length += WriteCanonicalChar(scalar, output[length..]);
                    pos += 6;
                    break;
                default:
                    return -1;
            }

            // Moves the run up to the next quote, backslash or control character.
            ref var from = ref MemoryMarshal.GetReference(json);
            ref var to = ref MemoryMarshal.GetReference(output);
            var offset = pos - window.Start;
            var after = (uint)offset < Window.Size ? window.Stops >> offset : 0;
            if (after != 0)
            {
                // The run ends in the window. It is moved in two vectors where the input has 64 bytes from it to read (the
                // output keeps room for them, as above), else by Memmove.
                var run = System.Numerics.BitOperations.TrailingZeroCount(after);
                if (pos <= json.Length - (2 * Vector256<byte>.Count))
                {
                    Vector256.LoadUnsafe(ref from, (nuint)pos).StoreUnsafe(ref to, (nuint)length);
                    Vector256.LoadUnsafe(ref from, (nuint)(pos + Vector256<byte>.Count)).StoreUnsafe(ref to, (nuint)(length + Vector256<byte>.Count));
                }
                else
                {
                    json.Slice(pos, run).CopyTo(output[length..]);
                }

                pos += run;
                length += run;
                goto Stop;
            }

            while (Vector256.IsHardwareAccelerated && pos <= json.Length - Vector256<byte>.Count)
            {
                var chunk = Vector256.LoadUnsafe(ref from, (nuint)pos);
                chunk.StoreUnsafe(ref to, (nuint)length);
                var stops = (Vector256.Equals(chunk, Vector256.Create((byte)'"')) | Vector256.Equals(chunk, Vector256.Create((byte)'\\'))
                    | Vector256.LessThan(chunk, Vector256.Create((byte)0x20))).ExtractMostSignificantBits();
                var run = stops == 0 ? Vector256<byte>.Count : System.Numerics.BitOperations.TrailingZeroCount(stops);
                pos += run;
                length += run;
                if (stops != 0)
                {
                    goto Stop;
                }
            }

            while (pos < json.Length && json[pos] is not ((byte)'"' or (byte)'\\' or < 0x20))
            {
                output[length++] = json[pos++];
            }

        Stop:
            var b = At(json, pos);
            if (b == (byte)'"')
            {
                // CopyString rejects text that is not UTF-8; escapes are ASCII and decode to whole characters, so the text
                // as sent is UTF-8 exactly when the unescaped text is.
                if (!Utf8.IsValid(json[(quote + 1)..pos]))
                {
                    return -1;
                }

                output[length++] = (byte)'"';
                _length = length;
                _copyFrom = pos + 1;
                return pos + 1;
            }

            if (b != (byte)'\\')
            {
                return -1;
            }
        }
    }

    // The value of the four hex digits at `at`, or -1 when they are not four hex digits.
    private static int HexUnit(ReadOnlySpan<byte> json, int at)
    {
        if (at < 0 || at > json.Length - 4)
        {
            return -1;
        }

        var value = 0;
        foreach (var b in json.Slice(at, 4))
        {
            var letter = (b | 0x20) - 'a';
            var digit = (uint)(b - '0') <= 9 ? b - '0' : (uint)letter <= 5 ? letter + 10 : -1;
            if (digit < 0)
            {
                return -1;
            }

            value = (value << 4) | digit;
        }

        return value;
    }
}
