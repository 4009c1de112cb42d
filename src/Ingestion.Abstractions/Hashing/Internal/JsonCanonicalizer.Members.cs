using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Ingestion.Hashing.Internal;

internal ref partial struct JsonCanonicalizer
{
    // Reads the member name at `pos` into the frame and returns the position after it, or -1. Inlined, as are the other
    // steps taken once per member, because the scan's time goes in such per-token steps.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ReadName(ref Frame frame, ReadOnlySpan<byte> json, int pos)
    {
        var escaped = false;
        var end = -1;
        if (At(json, pos) == (byte)'"')
        {
            // A name whose first stop is its closing quote has no escapes; any other is checked as the reader does.
            end = NextStop(pos + 1) + 1;
            if (At(json, end - 1) != (byte)'"')
            {
                end = ScanString(json, pos, out escaped);
            }
        }

        if (end < 0 || escaped)
        {
            return end < 0 ? -1 : ReadEscapedName(ref frame, json, pos, end);
        }

        // A name without escapes is the span of input between its quotes, and canonical as it stands.
        frame.NameStart = pos + 1;
        frame.NameLength = end - pos - 2;
        frame.Prefix = InputPrefix(json, frame.NameStart, frame.NameLength);
        return end;
    }

    // A name with escapes is unescaped onto the name stack, as CopyString would (so a bad one fails), for comparing and
    // matching, and written again in canonical form.
    private int ReadEscapedName(ref Frame frame, ReadOnlySpan<byte> json, int pos, int end)
    {
        var start = _namesLength;
        var length = Unescape(json[(pos + 1)..(end - 1)]);
        if (length < 0)
        {
            return -1;
        }

        _namesLength += length;
        var name = _names.AsSpan(start, length);
        frame.NameStart = ~start;
        frame.NameLength = length;
        frame.Prefix = PrefixOf(name);
        FlushTo(pos);
        WriteCanonicalString(name);
        _copyFrom = end;
        return end;
    }

    // Records the member that ends at `pos`, and whether its name came in order.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void EndMember(ref Frame frame, int pos)
    {
        var members = _members;
        if (members is null || _memberCount == members.Length)
        {
            members = GrowMembers();
        }

        // Written in place: a Member built first and then stored is copied through the stack.
        ref var member = ref members[_memberCount];
        member.NameStart = frame.NameStart;
        member.NameLength = frame.NameLength;
        member.Prefix = frame.Prefix;
        _prefixes![_memberCount] = frame.Prefix;
        member.Start = frame.MemberStart;
        member.Length = OutPos(pos) - frame.MemberStart;
        if (frame.Written > 0 && frame.Sorted)
        {
            ref var previous = ref members[_memberCount - 1];
            if (previous.Prefix > member.Prefix || (previous.Prefix == member.Prefix && Compare(previous, member) > 0))
            {
                frame.Sorted = false;
            }
        }

        _memberCount++;
    }

    private Member[] GrowMembers()
    {
        var larger = _kept.Members.Rent(_members is null ? 32 : _members.Length * 2);

        // The prefixes are read eight at a time from any member on (see TryRankInVector).
        var prefixes = _kept.Longs.Rent(larger.Length + Vector512<ulong>.Count);
        if (_members is not null)
        {
            _members.AsSpan(0, _memberCount).CopyTo(larger);
            _prefixes.AsSpan(0, _memberCount).CopyTo(prefixes);
            _kept.Members.Return(_members);
            _kept.Longs.Return(_prefixes!);
        }

        _prefixes = prefixes;
        return _members = larger;
    }

    // Keeps the ignored paths that continue through this name; returns true when one of them ends here.
    private readonly bool MatchName(ulong mask, int depth, ReadOnlySpan<byte> name, out ulong childMask)
    {
        childMask = 0;
        for (var bits = mask; bits != 0; bits &= bits - 1)
        {
            var i = BitOperations.TrailingZeroCount(bits);
            var segments = _ignored[i].Segments;
            if (segments.Length > depth && segments[depth].Utf8Name is { } segmentName && name.SequenceEqual(segmentName))
            {
                if (segments.Length == depth + 1)
                {
                    return true;
                }

                childMask |= 1UL << i;
            }
        }

        return false;
    }

    // As MatchName for an array element. Elements are counted from the start only, so an index from the end (-1) never
    // matches here: hashes have always been made that way.
    private readonly bool MatchIndex(ulong mask, int depth, int index, out ulong childMask)
    {
        childMask = 0;
        for (var bits = mask; bits != 0; bits &= bits - 1)
        {
            var i = BitOperations.TrailingZeroCount(bits);
            var segments = _ignored[i].Segments;
            if (segments.Length > depth && !segments[depth].IsName && segments[depth].Index == index)
            {
                if (segments.Length == depth + 1)
                {
                    return true;
                }

                childMask |= 1UL << i;
            }
        }

        return false;
    }

    private readonly ReadOnlySpan<byte> NameSpan(int start, int length) =>
        start >= 0 ? _json.Slice(start, length) : _names.AsSpan(~start, length);

    // Members are ordered by their names' unescaped bytes, then by where they were sent, so duplicates hash deterministically.
    private readonly int Compare(in Member x, in Member y)
    {
        if (x.Prefix != y.Prefix)
        {
            return x.Prefix < y.Prefix ? -1 : 1;
        }

        var byName = NameSpan(x.NameStart, x.NameLength).SequenceCompareTo(NameSpan(y.NameStart, y.NameLength));
        return byName != 0 ? byName : x.Start.CompareTo(y.Start);
    }

    // A name's first eight bytes, big-endian and zero-padded: two names whose prefixes differ are ordered as their prefixes
    // are (a padding zero only ever meets a shorter name's end or a real zero), so most comparisons are one of integers.
    private static ulong PrefixOf(ReadOnlySpan<byte> name)
    {
        if (name.Length >= sizeof(ulong))
        {
            return BinaryPrimitives.ReadUInt64BigEndian(name);
        }

        var prefix = 0UL;
        for (var i = 0; i < name.Length; i++)
        {
            prefix |= (ulong)name[i] << (56 - (8 * i));
        }

        return prefix;
    }

    // PrefixOf for a name that is a span of the input: one read, masked, when eight bytes of input remain from its start.
    private static ulong InputPrefix(ReadOnlySpan<byte> json, int start, int length)
    {
        if (start > json.Length - sizeof(ulong))
        {
            return PrefixOf(json.Slice(start, length));
        }

        // Read without a bounds check: the check above is the one that matters, and this runs once a member.
        var word = BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref MemoryMarshal.GetReference(json), (nuint)(uint)start)));
        return length >= sizeof(ulong) ? word : word & ~(ulong.MaxValue >> (8 * length));
    }

    // Span.Sort would box a comparer and allocate a delegate per object; this sort allocates nothing.
    // Insertion sort for the usual small objects, heapsort (no recursion, no quadratic worst case) for large ones.
    private readonly void SortMembers(Span<Member> members)
    {
        if (members.Length <= 16)
        {
            for (var i = 1; i < members.Length; i++)
            {
                var current = members[i];
                var j = i - 1;
                while (j >= 0 && (members[j].Prefix > current.Prefix || (members[j].Prefix == current.Prefix && Compare(members[j], current) > 0)))
                {
                    members[j + 1] = members[j];
                    j--;
                }

                members[j + 1] = current;
            }

            return;
        }

        for (var i = (members.Length / 2) - 1; i >= 0; i--)
        {
            SiftDown(members, i, members.Length);
        }

        for (var end = members.Length - 1; end > 0; end--)
        {
            (members[0], members[end]) = (members[end], members[0]);
            SiftDown(members, 0, end);
        }
    }

    private readonly void SiftDown(Span<Member> heap, int root, int count)
    {
        while (true)
        {
            var child = (2 * root) + 1;
            if (child >= count)
            {
                return;
            }

            if (child + 1 < count && Compare(heap[child + 1], heap[child]) > 0)
            {
                child++;
            }

            if (Compare(heap[root], heap[child]) >= 0)
            {
                return;
            }

            (heap[root], heap[child]) = (heap[child], heap[root]);
            root = child;
        }
    }
}
