namespace Ingestion.Hashing.Internal;

internal ref partial struct JsonCanonicalizer
{
    // Reads members of the innermost object (one that no ignored path reaches into) from `pos`, a member's start, for as long
    // as each is simple: a name without escapes that closes within the window of marks (up to 62 bytes on) or within 32 bytes,
    // a colon right after it, and a string, number or literal right after that. Most members of most records are; each is
    // checked, written and recorded exactly as the general path in Scan would, in a fraction of the steps. One window is
    // loaded per object and moved to a token only when the token does not end in it. Returns where Scan goes on: the start of a member that is not simple
    // (atSeparator false; nothing of it is consumed), the byte after the last member read, which is not a comma (atSeparator
    // true), or -1 when a value is not JSON (the general path fails on it too).
    private int ScanSimpleMembers(ref Frame frame, ReadOnlySpan<byte> json, int pos, out bool atSeparator)
    {
        // The count and the order check are kept in locals (registers) in the loop and stored once at the end; the frame's
        // other counts and its last comma follow from the members read, so the loop keeps fewer values live.
        var members = _members;
        var firstRead = _memberCount;
        var count = firstRead;
        var sorted = frame.Sorted;
        var last = frame.Written > 0 ? _prefixes![count - 1] : 0;

        // A member is compared with the one before it from here on: the first one read is, when the object has one before.
        var compareFrom = frame.Written > 0 ? count : count + 1;

        // Where the byte at an input position lands in the output (OutPos) while nothing is copied.
        var shift = _length - _copyFrom;
        var window = Window.Empty;
        int end;
        while (true)
        {
            if (At(json, pos) != (byte)'"')
            {
                break;
            }

            var nameEnd = WindowString(ref window, json, pos);
            if (nameEnd < 0)
            {
                nameEnd = ScanShortString(json, pos);
            }

            if (nameEnd < 0 || At(json, nameEnd) != (byte)':')
            {
                break;
            }

            var first = At(json, nameEnd + 1);
            var start = pos + shift;
            if (first == (byte)'"')
            {
                end = WindowString(ref window, json, nameEnd + 1);
                if (end < 0)
                {
                    // A longer string, or one with escapes, which is written again in canonical form; the window has
                    // found the first escape of most.
                    end = end != NoStop && At(json, ~end) == (byte)'\\' ? WriteEscapedString(json, nameEnd + 1, ~end, ref window) : WriteString(json, nameEnd + 1);
                    shift = _length - _copyFrom;
                }
            }
            else if (IsDigit(first) || first == (byte)'-')
            {
                end = WindowNumber(ref window, json, nameEnd + 1);
            }
            else if (first is (byte)'t' or (byte)'f' or (byte)'n')
            {
                end = ScanScalar(json, nameEnd + 1);
            }
            else
            {
                // A container, whitespace, or something that is not JSON: the general path decides.
                break;
            }

            if (end < 0)
            {
                // Not JSON: the general path would have failed on this value as well.
                atSeparator = false;
                return -1;
            }

            if (members is null || count == members.Length)
            {
                _memberCount = count;
                members = GrowMembers();
            }

            ref var member = ref members[count];
            member.NameStart = pos + 1;
            member.NameLength = nameEnd - pos - 2;
            var prefix = member.Prefix = InputPrefix(json, member.NameStart, member.NameLength);
            _prefixes![count] = prefix;
            member.Start = start;
            member.Length = end + shift - start;
            if (count >= compareFrom && sorted && (last > prefix || (last == prefix && Compare(members[count - 1], member) > 0)))
            {
                sorted = false;
            }

            last = prefix;
            count++;
            if (At(json, end) != (byte)',')
            {
                pos = end;
                atSeparator = true;
                goto Done;
            }

            pos = end + 1;
            if (IsWhitespace(At(json, pos)))
            {
                pos = DropWhitespace(json, pos);
                shift = _length - _copyFrom;
            }
        }

        atSeparator = false;

    Done:
        // Every member read was followed by a comma but the last when the object's end or a separator that is not a comma
        // follows it; a comma lands in the output right after the member before it.
        var read = count - firstRead;
        var commas = atSeparator ? read - 1 : read;
        if (commas > 0)
        {
            ref var beforeComma = ref members![firstRead + commas - 1];
            frame.CommaAt = beforeComma.Start + beforeComma.Length;
        }

        _memberCount = count;
        frame.Written += read;
        frame.Index += commas;
        frame.Sorted = sorted;
        return pos;
    }
}
