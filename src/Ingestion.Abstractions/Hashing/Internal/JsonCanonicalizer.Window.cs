using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Ingestion.Hashing.Internal;

internal ref partial struct JsonCanonicalizer
{
    // Marks of 64 bytes of input from Start, one bit a byte: quotes, the bytes a string stops at (a quote, a backslash or a
    // control character), and the bytes that are not digits. Loaded once for several tokens, so that finding where a string or
    // a run of digits ends is a shift and a bit count on registers rather than a vector load and compare that waits for the
    // position before it, once or twice a member. (Marks for two blocks, moved forward a block at a time so that the next
    // load waits for nothing, were slower: the JIT keeps the six masks on the stack.)
    private struct Window
    {
        // Loaded at Start; -Size until first loaded, so no position is inside it.
        public const int Size = 64;
        public int Start;
        public ulong Quotes;
        public ulong Stops;
        public ulong NonDigits;

        public static Window Empty => new() { Start = -Size };

        // False when fewer than 64 bytes of input remain from `start`, or vectors are not accelerated: callers then take the
        // paths that read the input byte by byte or sixteen and 32 bytes at a time.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool TryLoad(ReadOnlySpan<byte> json, int start)
        {
            if (start > json.Length - Size)
            {
                return false;
            }

            ref var from = ref MemoryMarshal.GetReference(json);
            if (Vector512.IsHardwareAccelerated)
            {
                var bytes = Vector512.LoadUnsafe(ref from, (nuint)start);
                var quotes = Vector512.Equals(bytes, Vector512.Create((byte)'"'));
                Quotes = quotes.ExtractMostSignificantBits();
                Stops = (quotes | Vector512.Equals(bytes, Vector512.Create((byte)'\\'))
                    | Vector512.LessThan(bytes, Vector512.Create((byte)0x20))).ExtractMostSignificantBits();
                NonDigits = ~Vector512.LessThan(bytes - Vector512.Create((byte)'0'), Vector512.Create((byte)10)).ExtractMostSignificantBits();
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                Quotes = Half(ref from, start, out var stops, out var nonDigits)
                    | ((ulong)Half(ref from, start + Vector256<byte>.Count, out var highStops, out var highNonDigits) << 32);
                Stops = stops | ((ulong)highStops << 32);
                NonDigits = nonDigits | ((ulong)highNonDigits << 32);
            }
            else
            {
                return false;
            }

            Start = start;
            return true;
        }

        private static uint Half(ref byte from, int start, out uint stops, out uint nonDigits)
        {
            var bytes = Vector256.LoadUnsafe(ref from, (nuint)start);
            var quotes = Vector256.Equals(bytes, Vector256.Create((byte)'"'));
            stops = (quotes | Vector256.Equals(bytes, Vector256.Create((byte)'\\'))
                | Vector256.LessThan(bytes, Vector256.Create((byte)0x20))).ExtractMostSignificantBits();
            nonDigits = ~Vector256.LessThan(bytes - Vector256.Create((byte)'0'), Vector256.Create((byte)10)).ExtractMostSignificantBits();
            return quotes.ExtractMostSignificantBits();
        }
    }

    // What WindowString returns when the string's first stop is not in the window even once moved to the string.
    private const int NoStop = int.MinValue;

    // The position after the string whose opening quote is at `pos` when its first stop is its closing quote and both lie in
    // the window, which is moved to `pos` when they do not lie in it as it stands. Else negative, and the vector or byte paths
    // decide: the complement of the first stop's position when it lies in the window (a backslash or a control character),
    // or NoStop.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WindowString(ref Window window, ReadOnlySpan<byte> json, int pos)
    {
        var offset = pos - window.Start + 1;
        var after = (uint)offset < Window.Size ? window.Stops >> offset : 0;
        if (after == 0)
        {
            if (!window.TryLoad(json, pos))
            {
                return NoStop;
            }

            offset = 1;
            after = window.Stops >> 1;
            if (after == 0)
            {
                return NoStop;
            }
        }

        var stop = pos + 1 + BitOperations.TrailingZeroCount(after);
        return ((window.Quotes >> (stop - window.Start)) & 1) != 0 ? stop + 1 : ~stop;
    }

    // The position of the first byte at or after `pos` that is not a digit, from the window when it holds one; else as
    // SkipDigits finds it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WindowDigits(ref Window window, ReadOnlySpan<byte> json, int pos)
    {
        var offset = pos - window.Start;
        var after = (uint)offset < Window.Size ? window.NonDigits >> offset : 0;
        return after != 0 ? pos + BitOperations.TrailingZeroCount(after) : SkipDigits(json, pos);
    }

    // ScanScalar for a number whose digits lie in the window: an integer, or one with a fraction. Anything else (a literal,
    // an exponent, a sign without digits) is left to ScanScalar, which checks it as Utf8JsonReader does.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WindowNumber(ref Window window, ReadOnlySpan<byte> json, int start)
    {
        var pos = start + (At(json, start) == (byte)'-' ? 1 : 0);
        var first = At(json, pos);
        if (first == (byte)'0')
        {
            pos++;
        }
        else if (IsDigit(first))
        {
            pos = WindowDigits(ref window, json, pos + 1);
        }
        else
        {
            return ScanScalar(json, start);
        }

        if (At(json, pos) == (byte)'.')
        {
            if (!IsDigit(At(json, pos + 1)))
            {
                return -1;
            }

            pos = WindowDigits(ref window, json, pos + 2);
        }

        return (At(json, pos) | 0x20) == (byte)'e' ? ScanScalar(json, start) : pos;
    }
}
