using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Ingestion.Hashing.Internal;

internal ref partial struct JsonCanonicalizer
{
    // Marks of the whole input, made in one pass before the scan: for each block of 64 bytes, one bit a byte, the bytes a
    // string stops at (a quote, a backslash or a control character) and the bytes that are not digits, the two masks of a
    // block next to each other. Finding where a string or a run of digits ends is then a load, a shift and a bit count at
    // any position, with nothing to reload and no state kept between tokens (marks made per window of 64 bytes as the scan
    // goes are made again for most objects, and their state lives on the stack). Every position from the input's end
    // on is marked in both masks, and a whole block of marks follows the one that holds the end, so a search always stops
    // at or before the end, and a lookup up to 64 bytes past it still reads marks.
    private const int BlockShift = 6;
    private const int BlockSize = 1 << BlockShift;

    // Marks the input (see above). A block is marked with the widest vectors the CPU has, or byte by byte without them.
    private void Mark()
    {
        var json = _json;
        var whole = json.Length >> BlockShift;
        var marks = _marks = _kept.Longs.Rent(2 * (whole + 2));
        ref var from = ref MemoryMarshal.GetReference(json);
        for (var block = 0; block < whole; block++)
        {
            MarkBlock(ref Unsafe.Add(ref from, block << BlockShift), out marks[2 * block], out marks[(2 * block) + 1]);
        }

        // The last, partial block: its bytes are marked as above from a copy, and the positions past the input's end as
        // both a stop and a non-digit (so is the block after it).
        Span<byte> tail = stackalloc byte[BlockSize];
        var rest = json[(whole << BlockShift)..];
        rest.CopyTo(tail);
        MarkBlock(ref MemoryMarshal.GetReference(tail), out var stops, out var nonDigits);
        var past = ~0UL << rest.Length;
        marks[2 * whole] = stops | past;
        marks[(2 * whole) + 1] = nonDigits | past;
        marks[(2 * whole) + 2] = ulong.MaxValue;
        marks[(2 * whole) + 3] = ulong.MaxValue;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MarkBlock(ref byte from, out ulong stops, out ulong nonDigits)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            var bytes = Vector512.LoadUnsafe(ref from);
            stops = (Vector512.Equals(bytes, Vector512.Create((byte)'"')) | Vector512.Equals(bytes, Vector512.Create((byte)'\\'))
                | Vector512.LessThan(bytes, Vector512.Create((byte)0x20))).ExtractMostSignificantBits();
            nonDigits = ~Vector512.LessThan(bytes - Vector512.Create((byte)'0'), Vector512.Create((byte)10)).ExtractMostSignificantBits();
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            stops = MarkHalf(ref from, out var lowNonDigits) | ((ulong)MarkHalf(ref Unsafe.Add(ref from, 32), out var highNonDigits) << 32);
            nonDigits = lowNonDigits | ((ulong)highNonDigits << 32);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            stops = 0;
            nonDigits = 0;
            for (var quarter = 0; quarter < 4; quarter++)
            {
                var bytes = Vector128.LoadUnsafe(ref from, (nuint)(quarter * 16));
                stops |= (ulong)(Vector128.Equals(bytes, Vector128.Create((byte)'"')) | Vector128.Equals(bytes, Vector128.Create((byte)'\\'))
                    | Vector128.LessThan(bytes, Vector128.Create((byte)0x20))).ExtractMostSignificantBits() << (quarter * 16);
                nonDigits |= (ulong)(~Vector128.LessThan(bytes - Vector128.Create((byte)'0'), Vector128.Create((byte)10)).ExtractMostSignificantBits() & 0xFFFF) << (quarter * 16);
            }
        }
        else
        {
            MarkBytes(ref from, out stops, out nonDigits);
        }
    }

    private static uint MarkHalf(ref byte from, out uint nonDigits)
    {
        var bytes = Vector256.LoadUnsafe(ref from);
        nonDigits = ~Vector256.LessThan(bytes - Vector256.Create((byte)'0'), Vector256.Create((byte)10)).ExtractMostSignificantBits();
        return (Vector256.Equals(bytes, Vector256.Create((byte)'"')) | Vector256.Equals(bytes, Vector256.Create((byte)'\\'))
            | Vector256.LessThan(bytes, Vector256.Create((byte)0x20))).ExtractMostSignificantBits();
    }

    private static void MarkBytes(ref byte from, out ulong stops, out ulong nonDigits)
    {
        stops = 0;
        nonDigits = 0;
        for (var i = 0; i < BlockSize; i++)
        {
            var b = Unsafe.Add(ref from, i);
            stops |= (b is (byte)'"' or (byte)'\\' or < 0x20 ? 1UL : 0) << i;
            nonDigits |= (IsDigit(b) ? 0 : 1UL) << i;
        }
    }

    // The position of the first quote, backslash or control character at or after `pos` (at most 64 past the input's end),
    // or the input's length when there is none.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly int NextStop(int pos) => NextStop(ref MemoryMarshal.GetArrayDataReference(_marks!), pos);

    // NextStop with the marks in hand: loops that look up many marks take the reference once.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int NextStop(ref ulong marks, int pos) => NextMark(ref marks, pos, 0);

    // As NextStop for the first byte that is not a digit.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int NextNonDigit(ref ulong marks, int pos) => NextMark(ref marks, pos, 1);

    // The first mark of kind `kind` (0 stops, 1 non-digits) at or after `pos`. The blocks at the input's end are marked
    // throughout, so the search ends there. Inlined with its loop, not called: the simple-member loop calls nothing.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int NextMark(ref ulong marks, int pos, int kind)
    {
        var block = (nuint)(uint)(pos >> BlockShift);
        var after = Unsafe.Add(ref marks, (block * 2) + (nuint)kind) >> pos;
        if (after == 0)
        {
            do
            {
                block++;
                after = Unsafe.Add(ref marks, (block * 2) + (nuint)kind);
            }
            while (after == 0);
            pos = (int)(block << BlockShift);
        }

        return pos + BitOperations.TrailingZeroCount(after);
    }
}
