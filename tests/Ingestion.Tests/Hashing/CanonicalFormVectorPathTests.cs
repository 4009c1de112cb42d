using System.Globalization;
using System.Text;
using Ingestion.Hashing.Internal;

namespace Ingestion.Tests.Hashing;

/// <summary>
/// Compares the canonical form with <see cref="LegacyJsonCanonicalizer"/> where the canonicaliser takes its vector paths: strings
/// that close within or beyond one 32-byte load, escapes of every kind at every offset from a vector's start and from the end of
/// the input (where the vector paths give way to byte loops), runs of digits of every length, objects of simple members in
/// any order with names that share their first eight bytes (ranked in a vector, or sorted when prefixes tie or there are more
/// than sixteen), and every truncation and many single-byte damages of a record: both must write the same bytes, or both must
/// reject the payload.
/// </summary>
public sealed class CanonicalFormVectorPathTests
{
    private static readonly string[] Escapes =
    [
        "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u0041", "\\u00e9", "\\u00E9", "\\u001f", "\\u20ac",
        "\\ud83d\\ude00", "\\uD83D\\uDE00", "\\ud800", "\\udc00", "\\ud800\\u0041", "\\ud800\\uZZZZ", "\\ud800\\n", "\\ud800\"",
        "\\u12G4", "\\x", "\\", "\u00e9", "\U0001F600", "\u0001", "\u007f",
    ];

    private static readonly byte[][] RawOddities = [[0xFF], [0xC3], [0xC3, 0xA9], [0xE2, 0x82], [0x00], [0x1F]];

    private static readonly string[] Names =
    [
        "", "a", "b", "id", "sku", "notes", "active", "abcdefg", "abcdefgh", "abcdefgh1", "abcdefgh2", "abcdefgi", "abcdefghij",
        "description", "quantity", "unitPrice", "fetchedAt", "caf\u00e9", "\u20ac", "a\u0000", "x y", "a_rather_long_member_name_over_32_bytes",
    ];

    public static TheoryData<int> Seeds => [1, 2, 3, 4];

    [Fact]
    public void Escapes_at_every_offset_of_a_long_string_canonicalise_exactly_as_before()
    {
        var valid = 0;
        foreach (var escape in Escapes)
        {
            for (var offset = 0; offset <= 70; offset++)
            {
                var text = new string('x', offset) + escape + new string('y', (offset * 7) % 41);

                // As a member value, as an array element, as the whole payload (ending the input) and as a name.
                valid += AssertSameForm($"{{\"k\":\"{text}\",\"a\":1}}", []) ? 1 : 0;
                valid += AssertSameForm($"[\"{text}\"]", []) ? 1 : 0;
                valid += AssertSameForm($"\"{text}\"", []) ? 1 : 0;
                valid += AssertSameForm($"{{\"z\":0,\"{text}\":1}}", []) ? 1 : 0;
            }
        }

        // Of the 28 escapes and characters, 18 are valid in a string (in all four places) and 10 are not.
        Assert.Equal(18 * 71 * 4, valid);
    }

    [Fact]
    public void Bytes_that_are_not_utf8_or_are_control_characters_in_long_strings_are_rejected_as_before()
    {
        var valid = 0;
        foreach (var oddity in RawOddities)
        {
            for (var offset = 0; offset <= 66; offset += 3)
            {
                foreach (var escaped in new[] { false, true })
                {
                    var text = Encoding.UTF8.GetBytes(new string('x', offset) + (escaped ? "\\n" : ""));
                    var after = Encoding.UTF8.GetBytes(new string('y', 40 - (offset % 40)) + "\",\"a\":1}");
                    valid += AssertSameForm([.. "{\"k\":\""u8, .. text, .. oddity, .. after], []) ? 1 : 0;

                    // The string ends the input, where the byte loops take over from the vectors.
                    valid += AssertSameForm([.. "\""u8, .. text, .. oddity, .. "\""u8], []) ? 1 : 0;
                }
            }
        }

        // A complete UTF-8 character is accepted everywhere; bytes that are not UTF-8 only where the string has no escape
        // (only a string with escapes was ever unescaped, and so checked); control characters nowhere.
        Assert.Equal((23 * 2 * 2) + (3 * 23 * 2), valid);
    }

    [Fact]
    public void Runs_of_digits_of_every_length_canonicalise_exactly_as_before()
    {
        var valid = 0;
        string[] tails = [",\"b\":2}", "}", " }", "x}", ".5}", "e7}", "E-}", ".}", ""];
        for (var digits = 1; digits <= 40; digits++)
        {
            var run = string.Concat(Enumerable.Range(0, digits).Select(i => (char)('1' + (i % 9))));
            foreach (var number in new[] { run, "-" + run, "0" + run, run + "." + run, run + "e+" + run, "-0." + run })
            {
                foreach (var tail in tails)
                {
                    valid += AssertSameForm("{\"a\":" + number + tail, []) ? 1 : 0;
                }

                valid += AssertSameForm(number, []) ? 1 : 0;
                valid += AssertSameForm("[" + number + "," + number + "]", []) ? 1 : 0;
            }
        }

        Assert.InRange(valid, 1_000, 2_000);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Objects_of_simple_members_in_any_order_canonicalise_exactly_as_before(int seed)
    {
        var random = new Random(seed);
        string[][] ignoredSets = [[], [], ["fetchedAt"], ["$.x.sku"], ["$.x[1]"]];
        var valid = 0;
        for (var i = 0; i < 1_500; i++)
        {
            var builder = new StringBuilder("{\"x\":");
            var wrapInArray = random.Next(2) == 0;
            builder.Append(wrapInArray ? "[" : "");
            for (var o = random.Next(1, 4); o > 0; o--)
            {
                Object(random, builder, random.Next(4) == 0 ? random.Next(9, 24) : random.Next(0, 9), 0);
                builder.Append(o > 1 ? (wrapInArray ? "," : "") : "");
                if (!wrapInArray)
                {
                    break;
                }
            }

            builder.Append(wrapInArray ? "]}" : "}");
            var bytes = Encoding.UTF8.GetBytes(builder.ToString());
            if (random.Next(5) == 0)
            {
                bytes = bytes[..random.Next(bytes.Length)];
            }

            valid += AssertSameForm(bytes, ignoredSets[random.Next(ignoredSets.Length)]) ? 1 : 0;
        }

        Assert.InRange(valid, 300, 1_200);
    }

    [Fact]
    public void Every_truncation_and_single_byte_damage_of_a_record_canonicalises_exactly_as_before()
    {
        var record = new StringBuilder("{\"id\":\"7e3b2c10-4a6f-4d21-9b8e-2f1a0c9d5e44\",\"fetchedAt\":\"2026-06-02T07:00:00Z\",\"lines\":[");
        for (var i = 0; i < 4; i++)
        {
            record.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture, $"{{\"sku\":\"BC{100 + i}\",\"quantity\":{i * 3},\"unitPrice\":{i}.25,")
                .Append(CultureInfo.InvariantCulture, $"\"description\":\"Soil \\\"premium\\\" caf\\u00e9 {i} {new string('z', i * 9)}\",\"active\":true,\"notes\":null}}");
        }

        var bytes = Encoding.UTF8.GetBytes(record.Append("],\"amount\":1234.50}").ToString());
        var valid = 0;
        for (var length = 0; length <= bytes.Length; length++)
        {
            valid += AssertSameForm(bytes[..length], ["fetchedAt"]) ? 1 : 0;
        }

        byte[] replacements = [(byte)'"', (byte)'\\', (byte)' ', (byte)'}', (byte)',', (byte)'1', 0x01, 0xFF];
        for (var at = 0; at < bytes.Length; at++)
        {
            var damaged = (byte[])bytes.Clone();
            damaged[at] = replacements[at % replacements.Length];
            valid += AssertSameForm(damaged, []) ? 1 : 0;
        }

        // The whole record, and the damages that leave it JSON (a digit for a digit, a space between tokens, ...).
        Assert.InRange(valid, 2, bytes.Length);
    }

    private static void Object(Random random, StringBuilder builder, int members, int depth)
    {
        builder.Append('{');
        for (var m = 0; m < members; m++)
        {
            builder.Append(m > 0 ? "," : "").Append(random.Next(12) == 0 ? " " : "");
            var name = Names[random.Next(Names.Length)];
            builder.Append('"').Append(random.Next(10) == 0 ? Escape(name) : name.Replace("\u0000", "\\u0000", StringComparison.Ordinal)).Append('"');
            builder.Append(random.Next(15) == 0 ? " : " : ":");
            switch (random.Next(12))
            {
                case 0:
                    builder.Append('"').Append(new string('s', random.Next(20, 80))).Append('"');
                    break;
                case 1:
                    builder.Append('"').Append(new string('e', random.Next(0, 40))).Append(Escapes[random.Next(Escapes.Length)]).Append('"');
                    break;
                case 2 when depth < 3:
                    Object(random, builder, random.Next(0, 6), depth + 1);
                    break;
                case 3:
                    builder.Append('[').Append(random.Next(100)).Append(",\"v\"]");
                    break;
                case 4:
                    builder.Append(random.Next(3) switch { 0 => "true", 1 => "false", _ => "null" });
                    break;
                case 5:
                    builder.Append(CultureInfo.InvariantCulture, $"{random.Next(-99999, 99999)}.{random.Next(1000)}e{random.Next(-9, 9)}");
                    break;
                case 6:
                    builder.Append(random.Next(3) switch { 0 => "tru", 1 => "-", _ => "01" });
                    break;
                default:
                    builder.Append(random.Next(2) == 0 ? random.Next(-1000, 100000).ToString(CultureInfo.InvariantCulture) : "\"v" + random.Next(1000) + "\"");
                    break;
            }

            builder.Append(random.Next(12) == 0 ? "\n" : "");
        }

        builder.Append('}');
    }

    private static string Escape(string name) =>
        string.Concat(name.Select(c => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture)));

    private static bool AssertSameForm(string payload, string[] ignored) => AssertSameForm(Encoding.UTF8.GetBytes(payload), ignored);

    private static bool AssertSameForm(byte[] bytes, string[] ignored) => CanonicalFormDifferentialTests.AssertSameForm(bytes, ignored);
}
