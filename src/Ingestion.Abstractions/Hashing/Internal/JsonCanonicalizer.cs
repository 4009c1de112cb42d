using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Ingestion.Hashing.Internal;

/// <summary>
/// Writes the canonical form of a JSON value in one scan of its bytes, then hashes it. The scan accepts and rejects exactly
/// what <see cref="System.Text.Json.Utf8JsonReader"/> with <see cref="JsonPath.ReaderOptions"/> and its <c>CopyString</c>
/// did when they made the form (tests compare the two on generated documents): reading every token through the reader cost
/// about twice SHA-256 over the same bytes, more than all the rest. No tree is built, and input reaches the output only where
/// the form differs from what was sent: a run of input that is canonical as it stands (compact, names in order, strings
/// without escapes) is copied once when something after it changes, and hashed where it lies when nothing does. An object
/// whose names came out of order is put in order when it closes; the root object can be out of order, so the form is hashed
/// in one call once it is whole rather than fed to the hash as it is scanned. The time goes in per-token steps, so the common
/// shapes take short paths: before the scan, one vectorised pass marks the bytes strings stop at and the bytes that are not
/// digits in the whole input (JsonCanonicalizer.Marks.cs), so where a name, string, escape run or run of digits ends is a load,
/// a shift and a bit count; runs of simple object members (plain name, colon, scalar or string) are read in a tight loop
/// (JsonCanonicalizer.Simple.cs) on those marks. An object's members are ranked by their name prefixes in a
/// vector (JsonCanonicalizer.Reorder.cs) rather than sorted with branches that mispredict, and an object whose prefixes are
/// those of the last object ranked (the objects of an array mostly have the same names) takes its order without ranking.
/// </summary>
internal ref partial struct JsonCanonicalizer
{
    // Utf8JsonReader's limit with JsonPath.ReaderOptions, which the canonicaliser used to read with.
    private const int MaxDepth = JsonPath.DefaultMaxDepth;

    // Bytes the output and scratch buffers keep free past their contents, so that members are moved in whole vectors (see Reorder).
    private const int Slack = 64;

    private readonly ReadOnlySpan<byte> _json;
    private readonly JsonPath[] _ignored;

    // The arrays this thread keeps between canonicalisations (Buffers.cs).
    private readonly KeptArrays _kept;

    // Input from _copyFrom up to the scan position is canonical as it stands and not yet in the output.
    private int _copyFrom;
    private byte[]? _output;
    private int _length;
    private byte[]? _names;
    private int _namesLength;
    private Member[]? _members;

    // The members' prefixes again, as one array that vectors load.
    private ulong[]? _prefixes;
    private int _memberCount;
    private Frame[]? _frames;
    private Shape _shape;
    private byte[]? _scratch;

    // Where strings stop and digits end in the whole input (see Marks).
    private ulong[]? _marks;

    private JsonCanonicalizer(ReadOnlySpan<byte> json, JsonPath[] ignored)
    {
        _json = json;
        _ignored = ignored;
        _kept = t_kept ??= new KeptArrays();
    }

    public static bool TryHash(ReadOnlySpan<byte> json, JsonPath[] ignored, ContentHashAlgorithm algorithm, out ContentHash hash)
    {
        var canonicalizer = new JsonCanonicalizer(json, ignored);
        try
        {
            if (canonicalizer.TryWrite(out var form))
            {
                hash = HashFunctions.Hash(form, algorithm);
                return true;
            }
        }
        finally
        {
            canonicalizer.Return();
        }

        hash = default;
        return false;
    }

    /// <summary>The canonical form itself, for tests that pin it; <see langword="null"/> when <paramref name="json"/> is not valid JSON.</summary>
    public static byte[]? Canonicalize(ReadOnlySpan<byte> json, JsonPath[] ignored)
    {
        var canonicalizer = new JsonCanonicalizer(json, ignored);
        try
        {
            return canonicalizer.TryWrite(out var form) ? form.ToArray() : null;
        }
        finally
        {
            canonicalizer.Return();
        }
    }

    private bool TryWrite(out ReadOnlySpan<byte> form)
    {
        form = default;
        var json = _json;

        // Leading whitespace: nothing is pending yet, so there is nothing to copy before dropping it.
        _copyFrom = SkipWhitespace(json, 0);
        Mark();
        var end = Scan(_copyFrom);
        if (end < 0 || SkipWhitespace(json, end) != json.Length)
        {
            return false;
        }

        if (_output is null)
        {
            // Nothing differed from the input: the canonical form is the input's bytes where they lie.
            form = json[_copyFrom..end];
            return true;
        }

        FlushTo(end);
        form = _output.AsSpan(0, _length);
        return true;
    }

    // Writes the value at `pos` and returns the position after it, or -1 when the input is not JSON as Utf8JsonReader reads it.
    // A loop over an explicit stack of open containers rather than recursion, so the scan position stays in a register.
    private int Scan(int pos)
    {
        var json = _json;
        var depth = 0;
        var mask = Mask(_ignored.Length);
        bool written;

    Value:
        // A value starts at pos; mask holds the ignored paths that go on inside it.
        switch (At(json, pos))
        {
            case (byte)'{' or (byte)'[':
                if (depth >= MaxDepth)
                {
                    return -1;
                }

                var isObject = json[pos] == (byte)'{';
                Push(depth++).Open(isObject, mask, OutPos(pos + 1), _memberCount, _namesLength);
                pos = Gap(json, pos + 1);
                if (At(json, pos) != (isObject ? (byte)'}' : (byte)']'))
                {
                    goto Member;
                }

                pos++;
                depth--;
                break;
            case (byte)'"':
                pos = WriteString(json, pos);
                break;
            default:
                pos = ScanScalar(json, pos);
                break;
        }

        if (pos < 0)
        {
            return -1;
        }

        written = true;

    AfterValue:
        // A value (written, or ignored and skipped) ends at pos: a separator or the end of its container follows.
        if (depth == 0)
        {
            return pos;
        }

        {
            ref var frame = ref _frames![depth - 1];
            if (written)
            {
                if (frame.IsObject)
                {
                    EndMember(ref frame, pos);
                }

                frame.Written++;
            }
        }

    Separator:
        // The innermost container's next separator or its end follows at pos, after any whitespace.
        {
            ref var frame = ref _frames![depth - 1];
            pos = Gap(json, pos);
            var next = At(json, pos);
            if (next == (byte)',')
            {
                if (frame.Written == 0)
                {
                    // Only ignored members or elements so far: this separator would lead the output.
                    Cut(OutPos(pos), pos + 1);
                }
                else
                {
                    frame.CommaAt = OutPos(pos);
                }

                frame.Index++;
                pos = Gap(json, pos + 1);
                goto Member;
            }

            if (next != (frame.IsObject ? (byte)'}' : (byte)']'))
            {
                return -1;
            }

            if (!frame.Sorted)
            {
                Reorder(frame.MemberBase, frame.ContentStart, pos);
            }

            _memberCount = frame.MemberBase;
            _namesLength = frame.NamesBase;
            pos++;
            depth--;
            written = true;
            goto AfterValue;
        }

    Member:
        // A member or element of the innermost container starts at pos.
        {
            ref var frame = ref _frames![depth - 1];
            if (frame.IsObject && frame.Mask == 0)
            {
                pos = ScanSimpleMembers(ref frame, json, pos, out var atSeparator);
                if (pos < 0)
                {
                    return -1;
                }

                if (atSeparator)
                {
                    goto Separator;
                }
            }

            var start = OutPos(pos);
            var childMask = 0UL;
            bool ignored;
            if (frame.IsObject)
            {
                pos = ReadName(ref frame, json, pos);
                if (pos < 0)
                {
                    return -1;
                }

                pos = Gap(json, pos);
                if (At(json, pos) != (byte)':')
                {
                    return -1;
                }

                pos = Gap(json, pos + 1);
                frame.MemberStart = start;
                ignored = frame.Mask != 0 && MatchName(frame.Mask, depth - 1, NameSpan(frame.NameStart, frame.NameLength), out childMask);
            }
            else
            {
                ignored = frame.Mask != 0 && MatchIndex(frame.Mask, depth - 1, frame.Index, out childMask);
            }

            if (!ignored)
            {
                mask = childMask;
                goto Value;
            }

            // An ignored member or element: checked as the reader's Skip does, and neither it nor a separator reach the output.
            pos = SkipValue(json, pos, depth);
            if (pos < 0)
            {
                return -1;
            }

            Cut(frame.Written > 0 ? frame.CommaAt : start, pos);
            if (frame.IsObject && frame.NameStart < 0)
            {
                _namesLength = ~frame.NameStart;
            }

            written = false;
            goto AfterValue;
        }
    }

    private static ulong Mask(int count) => count == 0 ? 0UL : count == 64 ? ulong.MaxValue : (1UL << count) - 1;

    // The byte at `pos`, or 0 past the input. Read through a reference once checked: the JIT would check `pos` again, in the
    // steps taken per token.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte At(ReadOnlySpan<byte> json, int pos) =>
        (uint)pos < (uint)json.Length ? Unsafe.Add(ref MemoryMarshal.GetReference(json), (nuint)(uint)pos) : (byte)0;

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t';

    private static int SkipWhitespace(ReadOnlySpan<byte> json, int pos)
    {
        while (pos < json.Length && IsWhitespace(json[pos]))
        {
            pos++;
        }

        return pos;
    }

    // Moves past whitespace at pos, which the canonical form drops: the input before it is copied first.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Gap(ReadOnlySpan<byte> json, int pos) => IsWhitespace(At(json, pos)) ? DropWhitespace(json, pos) : pos;

    private int DropWhitespace(ReadOnlySpan<byte> json, int pos)
    {
        FlushTo(pos);
        _copyFrom = SkipWhitespace(json, pos);
        return _copyFrom;
    }

    // Where the byte at input position `pos` lands in the output.
    private readonly int OutPos(int pos) => _length + (pos - _copyFrom);

    // The output ends at output position `at` (pending input up to there is copied first); copying resumes at input position `resume`.
    private void Cut(int at, int resume)
    {
        if (at >= _length)
        {
            Append(_json.Slice(_copyFrom, at - _length));
        }
        else
        {
            _length = at;
        }

        _copyFrom = resume;
    }

    private void FlushTo(int pos)
    {
        var pending = pos - _copyFrom;
        if (pending > 0)
        {
            // Mostly a few members before an escape or an object put in order: moved in vectors where the input has room
            // to read past them (MoveShort), rather than by a call to Memmove.
            EnsureOutput(pending);
            MoveShort(
                ref Unsafe.Add(ref MemoryMarshal.GetReference(_json), _copyFrom),
                ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_output!), _length),
                pending,
                pos <= _json.Length - Vector256<byte>.Count);
            _length += pending;
        }

        _copyFrom = pos;
    }

    private ref Frame Push(int depth)
    {
        _frames ??= _kept.Frames.Rent(16);
        if (depth == _frames.Length)
        {
            var larger = _kept.Frames.Rent(_frames.Length * 2);
            _frames.AsSpan().CopyTo(larger);
            _kept.Frames.Return(_frames);
            _frames = larger;
        }

        return ref _frames[depth];
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        EnsureOutput(bytes.Length);
        bytes.CopyTo(_output.AsSpan(_length));
        _length += bytes.Length;
    }

    private void EnsureOutput(int extra)
    {
        if (_output is null)
        {
            // The canonical form is never longer than the input (no escape is longer in it than as sent), so this never grows.
            _output = _kept.Bytes.Rent(Math.Max(_json.Length, extra) + Slack);
        }
        else if (_length + extra + Slack > _output.Length)
        {
            _output = Grow(_output, _length, _length + extra + Slack);
        }
    }

    private readonly byte[] Grow(byte[] buffer, int used, int needed)
    {
        var larger = _kept.Bytes.Rent(Math.Max(needed, buffer.Length * 2));
        buffer.AsSpan(0, used).CopyTo(larger);
        _kept.Bytes.Return(buffer);
        return larger;
    }

    private readonly void Return()
    {
        if (_output is not null)
        {
            _kept.Bytes.Return(_output);
        }

        if (_names is not null)
        {
            _kept.Bytes.Return(_names);
        }

        if (_members is not null)
        {
            _kept.Members.Return(_members);
            _kept.Longs.Return(_prefixes!);
        }

        if (_frames is not null)
        {
            _kept.Frames.Return(_frames);
        }

        if (_scratch is not null)
        {
            _kept.Bytes.Return(_scratch);
        }

        if (_marks is not null)
        {
            _kept.Longs.Return(_marks);
        }
    }

    // An open object or array. The name fields describe the object member being read. Fields are set in place (Open) rather
    // than by assigning a new value, which the JIT builds on the stack and copies.
    private struct Frame
    {
        public bool IsObject;
        public bool Sorted;
        public ulong Mask;
        public int ContentStart;
        public int MemberBase;
        public int NamesBase;
        public int Written;
        public int Index;
        public int CommaAt;
        public int NameStart;
        public int NameLength;
        public ulong Prefix;
        public int MemberStart;

        public void Open(bool isObject, ulong mask, int contentStart, int memberBase, int namesBase)
        {
            IsObject = isObject;
            Sorted = true;
            Mask = mask;
            ContentStart = contentStart;
            MemberBase = memberBase;
            NamesBase = namesBase;
            Written = 0;
            Index = 0;
        }
    }

    // A written member of an open object: its name (a span of the input when it has no escapes, else of the name stack, and
    // then NameStart is the complement of its offset), the name's first eight bytes, and where the member lies in the output.
    private struct Member
    {
        public ulong Prefix;
        public int NameStart;
        public int NameLength;
        public int Start;
        public int Length;
    }
}
