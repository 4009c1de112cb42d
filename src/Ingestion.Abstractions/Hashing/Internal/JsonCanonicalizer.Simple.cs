using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ingestion.Hashing.Internal;

internal ref partial struct JsonCanonicalizer
{
    // Reads members of the innermost object (one that no ignored path reaches into) from `pos`, a member's start, for as long
    // as each is simple: a name without escapes, a colon right after it, and a string, an integer, a number with a fraction
    // or a literal right after that, followed by a comma and the next name's quote, or by anything else, which ends it. Most
    // members of most records are; each is checked and recorded exactly as the general path in Scan would, in a fraction of
    // the steps: where each name, string and run of digits ends is read from the input's marks (Marks.cs). Anything else
    // (exponents, whitespace, invalid JSON) is left to the general path, so that the loop calls no method on the common
    // path: the values it keeps in registers would otherwise be spilled around each call (only five registers survive
    // one), on every member. Returns where Scan goes on: the start of a member that is not simple (atSeparator false;
    // nothing of it is consumed), the separator after the last member read (atSeparator true), or -1 when an escaped
    // string is not JSON (the general path fails on it too).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int ScanSimpleMembers(ref Frame frame, ReadOnlySpan<byte> json, int pos, out bool atSeparator)
    {
        // The loop reads the members, prefixes and marks through references; the count and the order check are kept in
        // locals and stored once at the end, and the frame's other counts and its last comma follow from the members read.
        var members = _members;
        if (members is null || _memberCount == members.Length)
        {
            members = GrowMembers();
        }

        var firstRead = _memberCount;
        var count = firstRead;
        var capacity = members.Length;
        ref var member0 = ref MemoryMarshal.GetArrayDataReference(members);
        ref var prefixes = ref MemoryMarshal.GetArrayDataReference(_prefixes!);
        ref var marks = ref MemoryMarshal.GetArrayDataReference(_marks!);
        var sorted = frame.Sorted;

        // The prefix of the member before, or 0 when there is none: a member is compared with the one before it only when
        // its prefix is not greater (which the first member's is not only when it is 0), so the common path keeps one value.
        var last = frame.Written > 0 ? Unsafe.Add(ref prefixes, count - 1) : 0;

        // Where the byte at an input position lands in the output (OutPos), until an escaped string is written.
        var shift = _length - _copyFrom;
        atSeparator = false;
        while (count < capacity && At(json, pos) == (byte)'"')
        {
            // The name's first stop must be its closing quote, and a colon must follow.
            var nameEnd = NextStop(ref marks, pos + 1) + 1;
            if (At(json, nameEnd - 1) != (byte)'"' || At(json, nameEnd) != (byte)':')
            {
                break;
            }

            var valueStart = nameEnd + 1;
            var first = At(json, valueStart);
            var start = pos + shift;
            int end;
            if (first == (byte)'"')
            {
                // A string without escapes is canonical as it stands; one with escapes is written again in canonical form
                // (the only call in the loop, taken after the values the loop keeps are settled).
                end = NextStop(ref marks, valueStart + 1);
                if (At(json, end) != (byte)'"')
                {
                    if (At(json, end) != (byte)'\\')
                    {
                        break;
                    }

                    end = WriteEscapedString(json, valueStart, end);
                    if (end < 0)
                    {
                        return -1;
                    }

                    shift = _length - _copyFrom;
                }
                else
                {
                    end++;
                }
            }
            else if (IsDigit(first) || first == (byte)'-')
            {
                end = MarkedNumber(ref marks, json, valueStart);
                if (end < 0)
                {
                    break;
                }
            }
            else if (first is (byte)'t' or (byte)'n' && valueStart <= json.Length - 4
                && ReadUInt32(ref Unsafe.Add(ref MemoryMarshal.GetReference(json), (nuint)(uint)valueStart)) == (first == (byte)'t' ? True : Null))
            {
                end = valueStart + 4;
            }
            else if (first == (byte)'f' && valueStart <= json.Length - 5
                && ReadUInt32(ref Unsafe.Add(ref MemoryMarshal.GetReference(json), (nuint)(uint)valueStart + 1)) == Alse)
            {
                end = valueStart + 5;
            }
            else
            {
                // A container, whitespace, or something that is not JSON: the general path decides.
                break;
            }

            var nameLength = nameEnd - pos - 2;
            var prefix = InputPrefix(json, pos + 1, nameLength);
            if (last >= prefix && sorted && (count > firstRead || frame.Written > 0))
            {
                // Equal prefixes: the names themselves decide, then the order sent (Compare), which is rare enough to call.
                sorted = last == prefix && Compare(Unsafe.Add(ref member0, count - 1), new Member { Prefix = prefix, NameStart = pos + 1, NameLength = nameLength, Start = start }) <= 0;
            }

            ref var member = ref Unsafe.Add(ref member0, count);
            member.Prefix = prefix;
            member.NameStart = pos + 1;
            member.NameLength = nameLength;
            member.Start = start;
            member.Length = end + shift - start;
            Unsafe.Add(ref prefixes, count) = prefix;
            last = prefix;
            count++;

            // A comma followed by a name goes on; anything else (the object's end, whitespace, invalid JSON) is the
            // separator's to read.
            pos = end;
            if (At(json, end) != (byte)',' || At(json, end + 1) != (byte)'"')
            {
                atSeparator = true;
                break;
            }

            pos = end + 1;
        }

        // Every member read was followed by a comma but the last when the loop stopped at a separator; a comma lands in the
        // output right after the member before it.
        var read = count - firstRead;
        var commas = atSeparator ? read - 1 : read;
        if (commas > 0)
        {
            ref var beforeComma = ref members[firstRead + commas - 1];
            frame.CommaAt = beforeComma.Start + beforeComma.Length;
        }

        _memberCount = count;
        frame.Written += read;
        frame.Index += commas;
        frame.Sorted = sorted;
        return pos;
    }

    // The literals' bytes as one little-endian read: "true", "null", and "false" after its first byte.
    private const uint True = 0x65757274;
    private const uint Null = 0x6c6c756e;
    private const uint Alse = 0x65736c61;

    // Four bytes as a little-endian integer, read without a bounds check (the caller has made one).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint ReadUInt32(ref byte at)
    {
        var value = Unsafe.ReadUnaligned<uint>(ref at);
        return BitConverter.IsLittleEndian ? value : System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(value);
    }

    // The position after the integer or number with a fraction at `start`, whose runs of digits end where the marks say; -1
    // for anything else (an exponent, a sign without digits, invalid JSON), which the general path checks as Utf8JsonReader does.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int MarkedNumber(ref ulong marks, ReadOnlySpan<byte> json, int start)
    {
        var pos = start + (At(json, start) == (byte)'-' ? 1 : 0);
        var first = At(json, pos);
        if (first == (byte)'0')
        {
            pos++;
        }
        else if (IsDigit(first))
        {
            pos = NextNonDigit(ref marks, pos + 1);
        }
        else
        {
            return -1;
        }

        if (At(json, pos) == (byte)'.')
        {
            if (!IsDigit(At(json, pos + 1)))
            {
                return -1;
            }

            pos = NextNonDigit(ref marks, pos + 2);
        }

        return (At(json, pos) | 0x20) == (byte)'e' ? -1 : pos;
    }
}
