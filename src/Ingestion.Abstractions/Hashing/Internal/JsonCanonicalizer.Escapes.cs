using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text.Unicode;

namespace Ingestion.Hashing.Internal;

internal ref partial struct JsonCanonicalizer
{
    // Writes the string value at `quote` (its opening quote), whose first escape is at `backslash`, in canonical form, and
    // returns the position after it, or -1 where ScanString or CopyString would have failed (a bad escape, a control
    // character, no closing quote, a lone or reversed surrogate, text that is not UTF-8). One pass: each escape is checked as
    // it is rewritten, and the run after it ends where the marks say (Marks.cs). The output keeps room for the rest of the
    // input (the canonical form of a string is never longer than the string as sent), so runs are moved in whole vectors
    // that may store past a run's end; what lands past it is overwritten or lies past the form's length.
    private int WriteEscapedString(ReadOnlySpan<byte> json, int quote, int backslash)
    {
        FlushTo(quote);
        EnsureOutput(json.Length - quote);
        var output = _output.AsSpan();
        var length = _length;
        output[length++] = (byte)'"';

        // The bytes of the runs moved in vectors, or'd together: when none has its high bit set and every run was moved so,
        // the text is ASCII and need not be checked for UTF-8 below (the vectors read past a run's end, which can only make
        // the check be made when it was not needed).
        var high = Vector256<byte>.Zero;
        var allMoved = Vector256.IsHardwareAccelerated;
        var pos = quote + 1;
        var stop = backslash;
        while (true)
        {
            // Moves the run up to the next quote, backslash or control character (at `stop`): in vectors where the input
            // has 32 bytes to read past the run's end, else by Memmove.
            var run = stop - pos;
            if (Vector256.IsHardwareAccelerated && stop <= json.Length - Vector256<byte>.Count)
            {
                ref var from = ref MemoryMarshal.GetReference(json);
                ref var to = ref MemoryMarshal.GetReference(output);
                for (var moved = 0; moved < run; moved += Vector256<byte>.Count)
                {
                    var chunk = Vector256.LoadUnsafe(ref from, (nuint)(pos + moved));
                    chunk.StoreUnsafe(ref to, (nuint)(length + moved));
                    high |= chunk;
                }
            }
            else
            {
                json.Slice(pos, run).CopyTo(output[length..]);
                allMoved = false;
            }

            pos = stop;
            length += run;

            var b = At(json, pos);
            if (b == (byte)'"')
            {
                // CopyString rejects text that is not UTF-8; escapes are ASCII and decode to whole characters, so the text
                // as sent is UTF-8 exactly when the unescaped text is.
                if ((!allMoved || high.ExtractMostSignificantBits() != 0) && !Utf8.IsValid(json[(quote + 1)..pos]))
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

                    if (scalar is >= 0x80 and < 0x800)
                    {
                        // Two bytes of UTF-8 (accented letters, the usual reason for a \u escape), written in place.
                        output[length] = (byte)(0xC0 | (scalar >> 6));
                        output[length + 1] = (byte)(0x80 | (scalar & 0x3F));
                        length += 2;
                    }
                    else
                    {
                        length += WriteCanonicalChar(scalar, output[length..]);
                    }

                    pos += 6;
                    break;
                default:
                    return -1;
            }

            stop = NextStop(pos);
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
