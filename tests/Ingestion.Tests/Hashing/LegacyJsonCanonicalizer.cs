using System.Buffers;
using System.Text.Json;

namespace Ingestion.Tests.Hashing;

/// <summary>
/// The canonicaliser as it was before it became a single scan of its own (a copy kept here only): the differential tests
/// check that the library's canonical form is byte for byte what this one writes, valid or not, so no stored hash changes.
/// It writes the canonical form of a JSON value into a pooled buffer. Objects are written member by
/// member as they are read (nested values already canonical); when an object's names were not in order, its
/// members are rearranged in place through a pooled scratch buffer. Names are compared unescaped, from a pooled
/// stack of name bytes, so no string is created per name.
/// </summary>
internal ref struct LegacyJsonCanonicalizer
{
    private static readonly SearchValues<byte> NeedsEscaping = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(b => (byte)b), (byte)'"', (byte)'\\']);

    private readonly JsonPath[] _ignored;
    private byte[] _output;
    private int _length;
    private byte[] _names;
    private int _namesLength;
    private Member[] _members;
    private int _memberCount;
    private byte[]? _scratch;

    private LegacyJsonCanonicalizer(int inputLength, JsonPath[] ignored)
    {
        _ignored = ignored;
        _output = ArrayPool<byte>.Shared.Rent(Math.Max(inputLength, 64));
        _names = ArrayPool<byte>.Shared.Rent(256);
        _members = ArrayPool<Member>.Shared.Rent(32);
    }

    /// <summary>The canonical form itself, for tests that pin it; <see langword="null"/> when <paramref name="json"/> is not valid JSON.</summary>
    public static byte[]? Canonicalize(ReadOnlySpan<byte> json, JsonPath[] ignored)
    {
        var canonicalizer = new LegacyJsonCanonicalizer(json.Length, ignored);
        try
        {
            return canonicalizer.TryWrite(json) ? canonicalizer._output.AsSpan(0, canonicalizer._length).ToArray() : null;
        }
        finally
        {
            canonicalizer.Return();
        }
    }

    private bool TryWrite(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, JsonPath.ReaderOptions);
            if (reader.Read())
            {
                var mask = _ignored.Length == 0 ? 0UL : _ignored.Length == 64 ? ulong.MaxValue : (1UL << _ignored.Length) - 1;
                WriteValue(ref reader, 0, mask);

                // Anything after the value other than whitespace makes the reader throw.
                return !reader.Read();
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Malformed JSON, or an escape that does not decode (a lone surrogate).
        }

        return false;
    }

    private void WriteValue(ref Utf8JsonReader reader, int depth, ulong mask)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                WriteObject(ref reader, depth, mask);
                break;
            case JsonTokenType.StartArray:
                WriteArray(ref reader, depth, mask);
                break;
            case JsonTokenType.String:
                WriteStringValue(ref reader);
                break;
            case JsonTokenType.Number:
                Append(reader.ValueSpan);
                break;
            case JsonTokenType.True:
                Append("true"u8);
                break;
            case JsonTokenType.False:
                Append("false"u8);
                break;
            case JsonTokenType.Null:
                Append("null"u8);
                break;
            default:
                throw new JsonException($"Unexpected token {reader.TokenType}.");
        }
    }

    private void WriteObject(ref Utf8JsonReader reader, int depth, ulong mask)
    {
        Append((byte)'{');
        var contentStart = _length;
        var memberBase = _memberCount;
        var namesBase = _namesLength;
        var sorted = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var nameStart = _namesLength;
            var nameLength = ReadName(ref reader);
            var childMask = 0UL;
            if (mask != 0 && MatchName(mask, depth, _names.AsSpan(nameStart, nameLength), out childMask))
            {
                // An ignored member: neither its name nor its value reach the hash.
                reader.Read();
                reader.Skip();
                _namesLength = nameStart;
                continue;
            }

            reader.Read();
            if (_memberCount > memberBase)
            {
                Append((byte)',');
            }

            var memberStart = _length;
            WriteCanonicalString(_names.AsSpan(nameStart, nameLength));
            Append((byte)':');
            WriteValue(ref reader, depth + 1, childMask);

            if (_memberCount > memberBase)
            {
                var previous = _members[_memberCount - 1];
                if (_names.AsSpan(previous.NameStart, previous.NameLength).SequenceCompareTo(_names.AsSpan(nameStart, nameLength)) > 0)
                {
                    sorted = false;
                }
            }

            AddMember(new Member(nameStart, nameLength, memberStart, _length - memberStart));
        }

        if (!sorted)
        {
            Reorder(memberBase, contentStart);
        }

        _memberCount = memberBase;
        _namesLength = namesBase;
        Append((byte)'}');
    }

    private void WriteArray(ref Utf8JsonReader reader, int depth, ulong mask)
    {
        Append((byte)'[');
        var index = 0;
        var written = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var childMask = 0UL;
            if (mask != 0 && MatchIndex(mask, depth, index, out childMask))
            {
                reader.Skip();
                index++;
                continue;
            }

            if (written > 0)
            {
                Append((byte)',');
            }

            WriteValue(ref reader, depth + 1, childMask);
            written++;
            index++;
        }

        Append((byte)']');
    }

    // Keeps the ignored paths that continue through this name; returns true when one of them ends here.
    private readonly bool MatchName(ulong mask, int depth, ReadOnlySpan<byte> name, out ulong childMask)
    {
        childMask = 0;
        for (var bits = mask; bits != 0; bits &= bits - 1)
        {
            var i = System.Numerics.BitOperations.TrailingZeroCount(bits);
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

    private readonly bool MatchIndex(ulong mask, int depth, int index, out ulong childMask)
    {
        childMask = 0;
        for (var bits = mask; bits != 0; bits &= bits - 1)
        {
            var i = System.Numerics.BitOperations.TrailingZeroCount(bits);
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

    // Appends the unescaped name to the name stack and returns its length.
    private int ReadName(ref Utf8JsonReader reader)
    {
        var raw = reader.ValueSpan;
        EnsureNames(raw.Length);
        int length;
        if (reader.ValueIsEscaped)
        {
            length = reader.CopyString(_names.AsSpan(_namesLength));
        }
        else
        {
            raw.CopyTo(_names.AsSpan(_namesLength));
            length = raw.Length;
        }

        _namesLength += length;
        return length;
    }

    private void WriteStringValue(ref Utf8JsonReader reader)
    {
        var raw = reader.ValueSpan;
        if (!reader.ValueIsEscaped)
        {
            // Valid JSON has no raw quote, backslash or control character in a string: it is canonical already.
            EnsureOutput(raw.Length + 2);
            _output[_length++] = (byte)'"';
            raw.CopyTo(_output.AsSpan(_length));
            _length += raw.Length;
            _output[_length++] = (byte)'"';
            return;
        }

        // Unescape into the free end of the name stack, then escape canonically.
        EnsureNames(raw.Length);
        var length = reader.CopyString(_names.AsSpan(_namesLength));
        WriteCanonicalString(_names.AsSpan(_namesLength, length));
    }

    private void WriteCanonicalString(ReadOnlySpan<byte> text)
    {
        Append((byte)'"');
        while (true)
        {
            var special = text.IndexOfAny(NeedsEscaping);
            if (special < 0)
            {
                Append(text);
                break;
            }

            Append(text[..special]);
            var b = text[special];
            switch (b)
            {
                case (byte)'"':
                    Append("\\\""u8);
                    break;
                case (byte)'\\':
                    Append("\\\\"u8);
                    break;
                case (byte)'\b':
                    Append("\\b"u8);
                    break;
                case (byte)'\f':
                    Append("\\f"u8);
                    break;
                case (byte)'\n':
                    Append("\\n"u8);
                    break;
                case (byte)'\r':
                    Append("\\r"u8);
                    break;
                case (byte)'\t':
                    Append("\\t"u8);
                    break;
                default:
                    Append("\\u00"u8);
                    Append((byte)"0123456789abcdef"[b >> 4]);
                    Append((byte)"0123456789abcdef"[b & 0xF]);
                    break;
            }

            text = text[(special + 1)..];
        }

        Append((byte)'"');
    }

    private void Reorder(int memberBase, int contentStart)
    {
        var members = _members.AsSpan(memberBase, _memberCount - memberBase);
        SortMembers(members, _names);
        var regionLength = _length - contentStart;
        if (_scratch is null || _scratch.Length < regionLength)
        {
            if (_scratch is not null)
            {
                ArrayPool<byte>.Shared.Return(_scratch);
            }

            _scratch = ArrayPool<byte>.Shared.Rent(regionLength);
        }

        _output.AsSpan(contentStart, regionLength).CopyTo(_scratch);
        var position = contentStart;
        for (var i = 0; i < members.Length; i++)
        {
            if (i > 0)
            {
                _output[position++] = (byte)',';
            }

            var member = members[i];
            _scratch.AsSpan(member.Start - contentStart, member.Length).CopyTo(_output.AsSpan(position));
            position += member.Length;
        }
    }

    private void AddMember(Member member)
    {
        if (_memberCount == _members.Length)
        {
            var larger = ArrayPool<Member>.Shared.Rent(_members.Length * 2);
            _members.AsSpan(0, _memberCount).CopyTo(larger);
            ArrayPool<Member>.Shared.Return(_members);
            _members = larger;
        }

        _members[_memberCount++] = member;
    }

    private void Append(byte value)
    {
        EnsureOutput(1);
        _output[_length++] = value;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        EnsureOutput(bytes.Length);
        bytes.CopyTo(_output.AsSpan(_length));
        _length += bytes.Length;
    }

    private void EnsureOutput(int extra)
    {
        if (_length + extra > _output.Length)
        {
            _output = Grow(_output, _length, _length + extra);
        }
    }

    private void EnsureNames(int extra)
    {
        if (_namesLength + extra > _names.Length)
        {
            _names = Grow(_names, _namesLength, _namesLength + extra);
        }
    }

    private static byte[] Grow(byte[] buffer, int used, int needed)
    {
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, buffer.Length * 2));
        buffer.AsSpan(0, used).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }

    private readonly void Return()
    {
        ArrayPool<byte>.Shared.Return(_output);
        ArrayPool<byte>.Shared.Return(_names);
        ArrayPool<Member>.Shared.Return(_members);
        if (_scratch is not null)
        {
            ArrayPool<byte>.Shared.Return(_scratch);
        }
    }

    private readonly record struct Member(int NameStart, int NameLength, int Start, int Length);

    // Span.Sort would box a comparer and allocate a delegate per object; this sort allocates nothing.
    // Insertion sort for the usual small objects, heapsort (no recursion, no quadratic worst case) for large ones.
    private static void SortMembers(Span<Member> members, ReadOnlySpan<byte> names)
    {
        if (members.Length <= 16)
        {
            for (var i = 1; i < members.Length; i++)
            {
                var current = members[i];
                var j = i - 1;
                while (j >= 0 && Compare(members[j], current, names) > 0)
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
            SiftDown(members, i, members.Length, names);
        }

        for (var end = members.Length - 1; end > 0; end--)
        {
            (members[0], members[end]) = (members[end], members[0]);
            SiftDown(members, 0, end, names);
        }
    }

    private static void SiftDown(Span<Member> heap, int root, int count, ReadOnlySpan<byte> names)
    {
        while (true)
        {
            var child = (2 * root) + 1;
            if (child >= count)
            {
                return;
            }

            if (child + 1 < count && Compare(heap[child + 1], heap[child], names) > 0)
            {
                child++;
            }

            if (Compare(heap[root], heap[child], names) >= 0)
            {
                return;
            }

            (heap[root], heap[child]) = (heap[child], heap[root]);
            root = child;
        }
    }

    private static int Compare(in Member x, in Member y, ReadOnlySpan<byte> names)
    {
        var byName = names.Slice(x.NameStart, x.NameLength).SequenceCompareTo(names.Slice(y.NameStart, y.NameLength));

        // Equal names keep the order they were sent in, so duplicates hash deterministically.
        return byName != 0 ? byName : x.Start.CompareTo(y.Start);
    }
}
