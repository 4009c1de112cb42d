using System.Buffers;
using System.Runtime.CompilerServices;

namespace Ingestion.Hashing.Internal;

internal ref partial struct JsonCanonicalizer
{
    // Arrays up to this size stay with the thread that used them, for its next canonicalisation; larger ones go back to the
    // shared pool. Renting and returning a canonicalisation's arrays (marks, members, prefixes, frames, output, scratch) from
    // the shared pool took about 6 % of the canonical hash of a 1 KB record, as much as marking its bytes; taking them from
    // the thread costs one thread-static read. A thread keeps at most twelve arrays of this size.
    private const int KeptBytes = 16 * 1024;

    [ThreadStatic]
    private static KeptArrays? t_kept;

    /// <summary>The arrays one thread keeps between canonicalisations.</summary>
    private sealed class KeptArrays
    {
        public Slots<byte> Bytes;
        public Slots<ulong> Longs;
        public Slots<Member> Members;
        public Slots<Frame> Frames;
    }

    /// <summary>
    /// Up to three kept arrays of one element type. An array in use is not in its slot, so a canonicalisation begun inside
    /// another on the same thread (none is) would rent from the pool rather than share an array.
    /// </summary>
    private struct Slots<T>
    {
        private T[]? _first;
        private T[]? _second;
        private T[]? _third;

        public T[] Rent(int length) =>
            Take(ref _first, length) ?? Take(ref _second, length) ?? Take(ref _third, length) ?? ArrayPool<T>.Shared.Rent(length);

        public void Return(T[] array)
        {
            if (array.Length > KeptBytes / Unsafe.SizeOf<T>() || !(Keep(ref _first, array) || Keep(ref _second, array) || Keep(ref _third, array)))
            {
                ArrayPool<T>.Shared.Return(array);
            }
        }

        private static T[]? Take(ref T[]? slot, int length)
        {
            if (slot is { } array && array.Length >= length)
            {
                slot = null;
                return array;
            }

            return null;
        }

        private static bool Keep(ref T[]? slot, T[] array)
        {
            if (slot is not null)
            {
                return false;
            }

            slot = array;
            return true;
        }
    }
}
