using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Ingestion.Hashing.Internal;

internal ref partial struct JsonCanonicalizer
{
    // Objects with up to this many members are ordered by ranking them, without branches that depend on the names.
    private const int MaxRanked = 16;

    // The order of members that are sorted in place.
    private static ReadOnlySpan<byte> InOrder => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

    // Members up to this long are moved in whole vectors; longer ones by Memmove.
    private const int MaxVectorMove = 128;

    // Puts the members of the object whose content starts at output position `contentStart` and ends at input position `end`
    // in order; the input from _copyFrom to `end` is not in the output yet.
    private void Reorder(int memberBase, int contentStart, int end)
    {
        var members = _members.AsSpan(memberBase, _memberCount - memberBase);
        ReadOnlySpan<byte> order = _shape.Order;
        if (members.Length > MaxRanked || !TryRankAsBefore(_prefixes.AsSpan(memberBase), members.Length))
        {
            SortMembers(members);
            order = InOrder;
        }

        // The input before the object's content, when not copied yet, goes to the output as it stands.
        if (contentStart > _length)
        {
            FlushTo(contentStart - _length + _copyFrom);
        }

        var pending = end - _copyFrom;
        var regionLength = _length + pending - contentStart;

        // A region that is most of the output (the root object) is written in order into a second buffer that then becomes
        // the output, one copy; a smaller one is copied aside and back: the part in the output and the input not yet
        // copied, which is so moved once rather than into the output and then aside.
        var swap = contentStart <= regionLength;
        if (swap)
        {
            FlushTo(end);
        }
        else
        {
            EnsureOutput(pending);
        }

        var output = _output!;
        var needed = (swap ? output.Length : regionLength) + Slack;
        if (_scratch is null || _scratch.Length < needed)
        {
            if (_scratch is not null)
            {
                _kept.Bytes.Return(_scratch);
            }

            _scratch = _kept.Bytes.Rent(needed);
        }

        var scratch = _scratch;
        if (swap)
        {
            output.AsSpan(0, contentStart).CopyTo(scratch);
        }
        else
        {
            // Both reads may run up to 31 bytes past their ends: the output keeps Slack bytes past its contents, and the
            // input is read so only when it has them.
            var inOutput = _length - contentStart;
            ref var aside = ref MemoryMarshal.GetArrayDataReference(scratch);
            MoveShort(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(output), contentStart), ref aside, inOutput, true);
            MoveShort(ref Unsafe.Add(ref MemoryMarshal.GetReference(_json), _copyFrom), ref Unsafe.Add(ref aside, inOutput), pending, end <= _json.Length - Vector256<byte>.Count);
            _length += pending;
            _copyFrom = end;
        }

        var target = swap ? scratch : output;
        var source = swap ? output : scratch;
        var offset = swap ? 0 : contentStart;
        ref var to = ref MemoryMarshal.GetArrayDataReference(target);
        ref var from = ref MemoryMarshal.GetArrayDataReference(source);

        var position = contentStart;
        for (var i = 0; i < members.Length; i++)
        {
            if (i > 0)
            {
                target[position++] = (byte)',';
            }

            ref var member = ref members[i < MaxRanked ? order[i] : i];
            var length = member.Length;
            var start = member.Start - offset;
            if (length <= MaxVectorMove && Vector256.IsHardwareAccelerated)
            {
                // Moved in whole vectors, up to 31 bytes too many: both buffers have Slack bytes past the region, and what
                // lands past this member's end is overwritten by the next one or lies past the end of the form.
                for (var moved = 0; moved < length; moved += Vector256<byte>.Count)
                {
                    Vector256.LoadUnsafe(ref from, (nuint)(start + moved)).StoreUnsafe(ref to, (nuint)(position + moved));
                }
            }
            else
            {
                source.AsSpan(start, length).CopyTo(target.AsSpan(position));
            }

            position += length;
        }

        if (swap)
        {
            (_output, _scratch) = (scratch, output);
        }
    }

    // Copies `length` bytes: in whole vectors when they are few and `overRead` says the source has 32 bytes to read past them
    // (the target always has), else by Memmove.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MoveShort(ref byte from, ref byte to, int length, bool overRead)
    {
        if (length <= MaxVectorMove && overRead && Vector256.IsHardwareAccelerated)
        {
            for (var moved = 0; moved < length; moved += Vector256<byte>.Count)
            {
                Vector256.LoadUnsafe(ref from, (nuint)moved).StoreUnsafe(ref to, (nuint)moved);
            }
        }
        else
        {
            Unsafe.CopyBlockUnaligned(ref to, ref from, (uint)length);
        }
    }

    // TryRank through the last object ranked: the objects of an array mostly have the same names in the same order, and the
    // order found by ranking depends on nothing but the prefixes, so the same prefixes in the same places give the same order.
    // The order is left in _shape.Order. The prefix array has room for eight from any member on (see TryRankInVector).
    private bool TryRankAsBefore(ReadOnlySpan<ulong> prefixes, int count)
    {
        Span<ulong> shape = _shape.Prefixes;
        if (count == _shape.Count)
        {
            // Up to eight prefixes are compared in one vector (both arrays have room for eight), rather than by a call.
            if (Vector512.IsHardwareAccelerated && count <= Vector512<ulong>.Count)
            {
                var differ = ~Vector512.Equals(Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(prefixes)), Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(shape)))
                    .ExtractMostSignificantBits();
                if ((differ & ((1UL << count) - 1)) == 0)
                {
                    return true;
                }
            }
            else if (prefixes[..count].SequenceEqual(shape[..count]))
            {
                return true;
            }
        }

        _shape.Count = 0;
        if (!TryRank(_members.AsSpan(_memberCount - count, count), prefixes, _shape.Order))
        {
            return false;
        }

        prefixes[..count].CopyTo(shape);
        _shape.Count = count;
        return true;
    }

    // Writes into `order` the members' indexes in order when no two of their names share their first eight bytes: each one's
    // place is the number of members whose prefix is smaller, counted without branching on the comparisons (which a sort
    // mispredicts about every other time). False when two prefixes are equal: then the names themselves and the order sent decide.
    private static bool TryRank(ReadOnlySpan<Member> members, ReadOnlySpan<ulong> prefixes, Span<byte> order)
    {
        if (Vector512.IsHardwareAccelerated && members.Length <= Vector512<ulong>.Count)
        {
            return TryRankInVector(prefixes, members.Length, order);
        }

        var ties = 0;
        for (var i = 0; i < members.Length; i++)
        {
            var prefix = members[i].Prefix;
            var rank = 0;
            for (var j = 0; j < members.Length; j++)
            {
                var other = members[j].Prefix;
                rank += other < prefix ? 1 : 0;
                ties += other == prefix ? 1 : 0;
            }

            order[rank] = (byte)i;
        }

        // Each member's prefix equals its own once.
        return ties == members.Length;
    }

    // TryRank for up to eight members: their prefixes in one vector, each compared with all of them at once. The prefix array
    // has room for eight from any member on; lanes past the object's members are masked out.
    private static bool TryRankInVector(ReadOnlySpan<ulong> prefixes, int count, Span<byte> order)
    {
        var all = Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(prefixes));
        var present = (1UL << count) - 1;
        var ties = 0;
        for (var i = 0; i < count; i++)
        {
            var prefix = Vector512.Create(prefixes[i]);
            var smaller = Vector512.LessThan(all, prefix).ExtractMostSignificantBits() & present;
            ties += BitOperations.PopCount(Vector512.Equals(all, prefix).ExtractMostSignificantBits() & present);
            order[BitOperations.PopCount(smaller)] = (byte)i;
        }

        return ties == count;
    }

    // The prefixes of the last object ranked, and the order ranking found for them.
    private struct Shape
    {
        public int Count;
        public ShapePrefixes Prefixes;
        public ShapeOrder Order;
    }

    [InlineArray(MaxRanked)]
    private struct ShapePrefixes
    {
        private ulong _first;
    }

    [InlineArray(MaxRanked)]
    private struct ShapeOrder
    {
        private byte _first;
    }
}
