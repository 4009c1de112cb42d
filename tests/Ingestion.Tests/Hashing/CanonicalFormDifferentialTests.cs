using System.Globalization;
using System.Text;
using Ingestion.Hashing.Internal;

namespace Ingestion.Tests.Hashing;

/// <summary>
/// Compares the library's canonical form with <see cref="LegacyJsonCanonicalizer"/>, the canonicaliser as it was, on generated
/// documents (random nesting, names, escapes, numbers, whitespace and ignored paths, a quarter of them then damaged so that most
/// of those are not JSON) and on edge cases: both must write the same bytes, or both must reject the payload.
/// </summary>
public sealed class CanonicalFormDifferentialTests
{
    private static readonly string[] Names =
    [
        "", "a", "b", "A", "Z", "z", "id", "ab", "abc", "abcdefgh", "abcdefgh1", "abcdefgh2", "abcdefgi", "abcdefg", "fetchedAt",
        "meta", "requestId", "items", "seenAt", "caf\u00e9", "\u20ac", "\U0001F600", "a\u0000", "a\u0000b", "x y", "@odata.etag",
        "\u00ff", "\u0100",
    ];

    private static readonly string[] IgnoredPaths =
    [
        "fetchedAt", "$.meta.requestId", "$['@odata.etag']", "$.items[0].seenAt", "$.items[1]", "a", "$.a.b", "$.b[0]",
        "$.abcdefgh", "$.meta", "$['caf\u00e9']", "$['a\u0000']", "$.z.z.z", "$.items[-1]", "$[0]", "$[1].a",
    ];

    public static TheoryData<int> Seeds => [1, 2, 3, 4, 5, 6, 7, 8];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Generated_documents_canonicalise_exactly_as_before(int seed)
    {
        var random = new Random(seed);
        var valid = 0;
        for (var i = 0; i < 2_500; i++)
        {
            var document = new List<byte>();
            Value(random, document, 0, random.Next(1, 6));
            var bytes = random.Next(4) == 0 ? Damage(random, document) : [.. document];
            var ignored = Enumerable.Range(0, random.Next(0, 4)).Select(_ => IgnoredPaths[random.Next(IgnoredPaths.Length)]).Distinct().ToArray();
            valid += AssertSameForm(bytes, ignored) ? 1 : 0;
        }

        // Most documents are JSON, and some of the damaged ones are not: both sides of the comparison were exercised.
        Assert.InRange(valid, 1_500, 2_450);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\uFEFF{}")]
    [InlineData("01")]
    [InlineData("-")]
    [InlineData("1.e5")]
    [InlineData("1e+")]
    [InlineData("truex")]
    [InlineData("[1 2]")]
    [InlineData("{\"a\" 1}")]
    [InlineData("{\"a\":1 \"b\":2}")]
    [InlineData("1//c")]
    [InlineData("\f1")]
    [InlineData("\u00a01")]
    [InlineData("\"\\ud800\\u0041\"")]
    [InlineData("\"\\ud800\\n\"")]
    [InlineData("\"\\ud800\"")]
    [InlineData("\"\\u12G4\"")]
    [InlineData("{\"a\":{\"\\ud800\":1}}")]
    [InlineData("{\"fetchedAt\":{\"\\ud800\":\"\\udc00\"},\"b\":1}")]
    [InlineData("{\"fetchedAt\":[1,]}")]
    [InlineData("{\"fetchedAt\":1,}")]
    [InlineData("{\"fetchedAt\":1,\"fetchedAt\":2}")]
    [InlineData("{ \"b\" : 1 , \"fetchedAt\" : 2 }")]
    public void Edge_cases_canonicalise_exactly_as_before(string payload)
    {
        AssertSameForm(Encoding.UTF8.GetBytes(payload), []);
        AssertSameForm(Encoding.UTF8.GetBytes(payload), ["fetchedAt"]);
    }

    [Theory]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(257)]
    public void Nesting_is_accepted_up_to_the_same_depth_as_before(int depth)
    {
        var expectValid = depth <= 256;
        Assert.Equal(expectValid, AssertSameForm(Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth)), []));
        var objects = string.Concat(Enumerable.Repeat("{\"b\":0,\"a\":", depth)) + "1" + new string('}', depth);
        Assert.Equal(expectValid, AssertSameForm(Encoding.UTF8.GetBytes(objects), []));

        // An ignored member is skipped, not unescaped, but its depth still counts.
        var ignored = "{\"fetchedAt\":" + new string('[', depth - 1) + "\"\\ud800\"" + new string(']', depth - 1) + "}";
        Assert.Equal(expectValid, AssertSameForm(Encoding.UTF8.GetBytes(ignored), ["fetchedAt"]));
    }

    [Theory]
    [InlineData("22FF22", true)]
    [InlineData("225C6EFF22", false)]
    [InlineData("22C35C753030613922", false)]
    [InlineData("7B22FF5C6E223A317D", false)]
    [InlineData("7B2266657463686564417422 3A225C6EFF22 7D", true)]
    public void Bytes_that_are_not_utf8_are_rejected_only_where_they_were_before(string hex, bool valid) =>
        Assert.Equal(valid, AssertSameForm(Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal)), ["fetchedAt"]));

    // Returns whether the payload was JSON; the vector-path tests compare through it too.
    internal static bool AssertSameForm(byte[] bytes, string[] ignored)
    {
        var paths = ignored.Select(path => JsonPath.Parse(path)).ToArray();
        var expected = LegacyJsonCanonicalizer.Canonicalize(bytes, paths);
        var actual = JsonCanonicalizer.Canonicalize(bytes, paths);
        if (expected is null != actual is null || (expected is not null && !expected.AsSpan().SequenceEqual(actual)))
        {
            Assert.Fail($"{Show(bytes)} ignoring [{string.Join(", ", ignored)}]: before {Show(expected)}, now {Show(actual)}");
        }

        return expected is not null;
    }

    private static string Show(byte[]? bytes) =>
        bytes is null ? "not JSON" : string.Concat(bytes.Select(b => b is >= 0x20 and < 0x7F ? ((char)b).ToString() : $"<{b:X2}>"));

    private static byte[] Damage(Random random, List<byte> document)
    {
        byte[] alphabet = [.. "{}[],:\"\\ \t\n0123456789-+.eEtrufalsn/u"u8, 0x00, 0x1F, 0xFF, 0xC3, 0xA9, 0x80];
        for (var i = random.Next(1, 3); i > 0 && document.Count > 0; i--)
        {
            var at = random.Next(document.Count);
            switch (random.Next(4))
            {
                case 0:
                    document.RemoveAt(at);
                    break;
                case 1:
                    document.Insert(at, alphabet[random.Next(alphabet.Length)]);
                    break;
                case 2:
                    document[at] = alphabet[random.Next(alphabet.Length)];
                    break;
                default:
                    document.RemoveRange(at, document.Count - at);
                    break;
            }
        }

        return [.. document];
    }

    private static void Whitespace(Random random, List<byte> output)
    {
        for (var n = random.Next(5) == 0 ? random.Next(1, 4) : 0; n > 0; n--)
        {
            output.Add(" \t\r\n"u8[random.Next(4)]);
        }
    }

    private static void Value(Random random, List<byte> output, int depth, int maxDepth)
    {
        Whitespace(random, output);
        switch (depth >= maxDepth ? random.Next(2, 7) : random.Next(0, 7))
        {
            case 0:
                output.Add((byte)'{');
                Whitespace(random, output);
                for (var i = random.Next(0, 8); i > 0; i--)
                {
                    Whitespace(random, output);
                    String(random, output, Names[random.Next(Names.Length)]);
                    Whitespace(random, output);
                    output.Add((byte)':');
                    Value(random, output, depth + 1, maxDepth);
                    output.Add(i > 1 ? (byte)',' : (byte)'}');
                }

                if (output[^1] != (byte)'}')
                {
                    output.Add((byte)'}');
                }

                break;
            case 1:
                output.Add((byte)'[');
                Whitespace(random, output);
                for (var i = random.Next(0, 6); i > 0; i--)
                {
                    Value(random, output, depth + 1, maxDepth);
                    output.Add(i > 1 ? (byte)',' : (byte)']');
                }

                if (output[^1] != (byte)']')
                {
                    output.Add((byte)']');
                }

                break;
            case 2:
            case 3:
                String(random, output, random.Next(3) == 0 ? Names[random.Next(Names.Length)] : Text(random));
                break;
            case 4:
                string[] numbers = ["0", "-0", "1.50", "-0.0e+10", "1E-7", "3.14159e2", "123456789012345678901234567890"];
                output.AddRange(Encoding.ASCII.GetBytes(random.Next(3) == 0 ? random.Next(-1000, 1000).ToString(CultureInfo.InvariantCulture) : numbers[random.Next(numbers.Length)]));
                break;
            default:
                string[] literals = ["true", "false", "null"];
                output.AddRange(Encoding.ASCII.GetBytes(literals[random.Next(3)]));
                break;
        }

        Whitespace(random, output);
    }

    private static string Text(Random random)
    {
        var text = new StringBuilder();
        for (var n = random.Next(0, 12); n > 0; n--)
        {
            _ = random.Next(10) switch
            {
                0 => text.Append((char)random.Next(0, 0x20)),
                1 => text.Append('"'),
                2 => text.Append('\\'),
                3 => text.Append('/'),
                4 => text.Append((char)random.Next(0x80, 0x800)),
                5 => text.Append((char)random.Next(0x800, 0xD800)),
                6 => text.Append("\U0001F600"),
                7 => text.Append('\u007f'),
                _ => text.Append((char)random.Next(0x20, 0x7F)),
            };
        }

        return text.ToString();
    }

    // Writes a JSON string with each character sent as is, as a \u escape (either case) or as a short escape; now and then
    // a lone surrogate, a reversed pair or a byte that is not UTF-8.
    private static void String(Random random, List<byte> output, string text)
    {
        output.Add((byte)'"');
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var pair = char.IsHighSurrogate(c) && i + 1 < text.Length;
            var mode = c < 0x20 || c == '"' || c == '\\' ? 1 + random.Next(2) : random.Next(6);
            if (mode == 1)
            {
                var format = random.Next(2) == 0 ? "x4" : "X4";
                output.AddRange(Encoding.ASCII.GetBytes("\\u" + ((int)c).ToString(format, CultureInfo.InvariantCulture)));
                if (pair)
                {
                    output.AddRange(Encoding.ASCII.GetBytes("\\u" + ((int)text[++i]).ToString(format, CultureInfo.InvariantCulture)));
                }
            }
            else if (mode == 2 || (c == '/' && mode == 3))
            {
                output.AddRange(Encoding.ASCII.GetBytes(c switch
                {
                    '"' => "\\\"",
                    '\\' => "\\\\",
                    '/' => "\\/",
                    '\b' => "\\b",
                    '\f' => "\\f",
                    '\n' => "\\n",
                    '\r' => "\\r",
                    '\t' => "\\t",
                    _ => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                }));
            }
            else
            {
                output.AddRange(Encoding.UTF8.GetBytes(pair ? text.Substring(i++, 2) : c.ToString()));
            }
        }

        byte[][] oddities = [[.. "\\ud800"u8], [.. "\\udc00"u8], [0xFF], [.. "\\ud83d\\u0041"u8], [0xC3]];
        var odd = random.Next(40);
        if (odd < oddities.Length)
        {
            output.AddRange(oddities[odd]);
        }

        output.Add((byte)'"');
    }
}
