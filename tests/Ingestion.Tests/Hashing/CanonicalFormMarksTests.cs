using System.Globalization;
using System.Text;

namespace Ingestion.Tests.Hashing;

/// <summary>
/// Compares the canonical form with <see cref="LegacyJsonCanonicalizer"/> where the canonicaliser reads the marks it makes of the
/// whole input in 64-byte blocks before its scan (string stops, non-digits): tokens that end at every offset around a block's
/// edge and around the input's end (whose last block is partial and marked past the end), strings and runs of digits longer
/// than a block, inputs cut short at every length, literals and numbers the simple-member loop reads itself, escaped strings
/// whose UTF-8 check is skipped when they are ASCII, and objects put in order while part of them is input not yet copied.
/// Both must write the same bytes, or both must reject the payload.
/// </summary>
public sealed class CanonicalFormMarksTests
{
    private static readonly string[] Values =
    [
        "\"plain\"", "\"a\\\"b\"", "\"caf\\u00e9\"", "\"\u00e9t\u00e9\\n\"", "\"\\ud83d\\ude00x\"", "\"x\\u0041\u00ff\"", "12", "-0.5",
        "3e7", "true", "false", "null", "{\"y\":\"\\t\",\"x\":1}", "[1,\"\\/\"]",
    ];

    [Fact]
    public void Documents_cut_short_at_every_length_are_rejected_or_canonicalised_exactly_as_before()
    {
        // Every prefix of documents whose tokens cross block edges: the scan meets the input's end inside a name, a string,
        // an escape, a number, a literal, and between tokens.
        var valid = 0;
        foreach (var lead in new[] { 0, 17, 40, 59 })
        {
            var document = $"{{\"{new string('k', lead)}\":\"v\",\"b\":\"x\\\"y caf\\u00e9\",\"a\":12.5,\"t\":true,\"f\":false,\"n\":null,"
                + $"\"s\":\"{new string('s', 70)}\",\"o\":{{\"q\":-3,\"p\":\"\\u00e9\"}},\"z\":[1,2]}}";
            var bytes = Encoding.UTF8.GetBytes(document);
            for (var length = 1; length <= bytes.Length; length++)
            {
                valid += CanonicalFormDifferentialTests.AssertSameForm(bytes[..length], []) ? 1 : 0;
            }
        }

        // Only the whole documents are JSON.
        Assert.Equal(4, valid);
    }

    [Fact]
    public void Values_ending_at_every_offset_around_block_edges_and_the_input_end_canonicalise_exactly_as_before()
    {
        var valid = 0;
        for (var lead = 0; lead <= 130; lead++)
        {
            foreach (var value in Values)
            {
                // The value ends at every offset of the first two blocks, and the document at every offset of its last block.
                var padding = new string('p', lead);
                valid += AssertSameForm($"{{\"{padding}\":{value},\"a\":{value}}}") ? 1 : 0;
                valid += AssertSameForm($"{{\"b\":\"{padding}\",\"a\":{value}}}") ? 1 : 0;
                valid += AssertSameForm($"[{{\"b\":{value},\"a\":\"{padding}\"}}]") ? 1 : 0;
            }
        }

        Assert.Equal(131 * Values.Length * 3, valid);
    }

    [Fact]
    public void Strings_and_digits_longer_than_a_block_canonicalise_exactly_as_before()
    {
        var valid = 0;
        foreach (var length in new[] { 63, 64, 65, 127, 128, 129, 200, 300 })
        {
            var text = new string('t', length);
            var digits = string.Concat(Enumerable.Range(0, length).Select(i => (char)('1' + (i % 9))));
            foreach (var at in new[] { 0, 1, 31, 32, 63, 64, 65, length - 1 }.Where(at => at < length).Distinct())
            {
                var escaped = text[..at] + "\\\"" + text[at..];
                var accented = text[..at] + "\u00e9\\n" + text[at..];
                valid += AssertSameForm($"{{\"z\":\"{text}\",\"{text}\":\"{escaped}\",\"a\":{digits},\"m\":{digits}.{digits}}}") ? 1 : 0;
                valid += AssertSameForm($"{{\"z\":\"{accented}\",\"y\":[\"{escaped}\",{digits}],\"a\":\"{text}\"}}") ? 1 : 0;
            }
        }

        // Offsets inside the text: five for 63 and 64 bytes, six for 65, eight for the five longer ones; all valid twice.
        Assert.Equal((5 + 5 + 6 + (5 * 8)) * 2, valid);
    }

    [Fact]
    public void Literals_and_numbers_read_by_the_simple_member_loop_are_checked_exactly_as_before()
    {
        string[] scalars =
        [
            "true", "false", "null", "tru", "fals", "nul", "truex", "nulll", "True", "t", "f", "n", "0", "-0", "01", "-", "1.", ".5", "1.5e",
            "1e5", "1E+5", "-1.25e-3", "1.2.3", "--1", "0x10", "12a", "1 ", " 1", "1\t",
        ];
        var valid = 0;
        foreach (var scalar in scalars)
        {
            for (var lead = 0; lead <= 8; lead++)
            {
                // A scalar in the middle of an object, and as the last bytes of the input (the literal read checks its room).
                var padding = new string('x', lead);
                valid += AssertSameForm($"{{\"b\":\"{padding}\",\"a\":{scalar},\"c\":1}}") ? 1 : 0;
                valid += AssertSameForm($"{{\"b\":\"{padding}\",\"a\":{scalar}}}") ? 1 : 0;
                valid += AssertSameForm($"{{\"b\":\"{padding}\",\"a\":{scalar}") ? 1 : 0;
            }
        }

        // Of the 29 scalars, 11 are JSON (the literals, 0, -0, the three exponents, and 1 with whitespace around it), each
        // valid in two of the three documents (the third is cut short).
        Assert.Equal(11 * 9 * 2, valid);
    }

    [Fact]
    public void Escaped_strings_with_and_without_non_ascii_text_are_checked_for_utf8_exactly_as_before()
    {
        // Raw bytes around an escape: ASCII, valid UTF-8, and bytes that are not UTF-8 (a lone continuation byte, a lead byte
        // without its continuation, an overlong form), before and after the escape, in runs moved in vectors or not.
        byte[][] texts = [[], [0x41], [0xC3, 0xA9], [0x80], [0xC3], [0xC0, 0xAF], [0xE2, 0x82, 0xAC], [0xF0, 0x9F, 0x98, 0x80]];
        var valid = 0;
        foreach (var lead in new[] { 0, 5, 40, 90 })
        {
            foreach (var before in texts)
            {
                foreach (var after in texts)
                {
                    foreach (var escape in new[] { "\\n", "\\u00e9" })
                    {
                        var prefix = Encoding.UTF8.GetBytes($"{{\"b\":\"{new string('x', lead)}\",\"a\":\"");
                        byte[] bytes = [.. prefix, .. before, .. Encoding.UTF8.GetBytes(escape), .. after, .. "\",\"c\":1}"u8];
                        valid += CanonicalFormDifferentialTests.AssertSameForm(bytes, []) ? 1 : 0;
                        byte[] last = [.. prefix, .. before, .. Encoding.UTF8.GetBytes(escape), .. after, .. "\"}"u8];
                        valid += CanonicalFormDifferentialTests.AssertSameForm(last, []) ? 1 : 0;
                    }
                }
            }
        }

        // Five of the eight texts are UTF-8: 25 pairs, two escapes, two places, four leads.
        Assert.Equal(25 * 2 * 2 * 4, valid);
    }

    [Fact]
    public void Objects_put_in_order_while_part_of_them_is_not_copied_yet_canonicalise_exactly_as_before()
    {
        // An escape anywhere in an object (first, middle, last member, or inside a nested member) copies the input before it;
        // the rest of the object is then ordered from the input. Near the input's end, and far from it.
        string[] members = ["\"m\":\"e\\u00e9\"", "\"k\":{\"y\":\"\\n\",\"x\":2}", "\"j\":[\"\\t\",1]", "\"h\":3", "\"g\":\"plain\"", "\"f\":null"];
        var valid = 0;
        for (var escaped = 0; escaped < members.Length; escaped++)
        {
            foreach (var tail in new[] { 0, 1, 20, 40 })
            {
                var order = members.Where((_, i) => i != escaped).Prepend(members[escaped]).ToList();
                for (var at = 0; at < order.Count; at++)
                {
                    var moved = order.Skip(1).ToList();
                    moved.Insert(at, order[0]);
                    var body = "{" + string.Join(",", moved) + "}";
                    valid += AssertSameForm($"{{\"z\":{body},\"a\":\"{new string('x', tail)}\"}}") ? 1 : 0;
                    valid += AssertSameForm($"[{body},{body}]") ? 1 : 0;
                    valid += AssertSameForm($"{{\"z\":[{body}],\"y\":{body}}}") ? 1 : 0;
                }
            }
        }

        Assert.Equal(6 * 4 * 6 * 3, valid);
    }

    [Fact]
    public void Names_sharing_their_first_eight_bytes_are_ordered_exactly_as_before()
    {
        string[] names = ["abcdefgh", "abcdefgh1", "abcdefgh2", "abcdefg", "abcdefgh\\u0031", "abcdefghX"];
        var valid = 0;
        for (var first = 0; first < names.Length; first++)
        {
            for (var second = 0; second < names.Length; second++)
            {
                foreach (var value in new[] { "1", "\"v\"", "\"\\n\"" })
                {
                    // Equal names too: members with the same name keep the order they were sent in.
                    valid += AssertSameForm($"{{\"{names[first]}\":{value},\"{names[second]}\":2,\"b\":{value}}}") ? 1 : 0;
                    valid += AssertSameForm($"{{\"a\":0,\"{names[first]}\":{value},\"{names[second]}\":\"{second}\"}}") ? 1 : 0;
                }
            }
        }

        Assert.Equal(6 * 6 * 3 * 2, valid);
    }

    [Fact]
    public void Whitespace_between_members_read_by_the_simple_member_loop_is_dropped_exactly_as_before()
    {
        string[] gaps = ["", " ", "\n  ", "\t", "\r\n"];
        var valid = 0;
        foreach (var gap in gaps)
        {
            foreach (var value in Values)
            {
                var document = string.Create(
                    CultureInfo.InvariantCulture,
                    $"{{\"c\":{value}{gap},{gap}\"b\":{gap}{value},\"a\"{gap}:{value}{gap}}}");
                valid += AssertSameForm(document) ? 1 : 0;
                valid += AssertSameForm($"[{document},{gap}{document}]") ? 1 : 0;
            }
        }

        Assert.Equal(gaps.Length * Values.Length * 2, valid);
    }

    [Theory]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(100)]
    public void Objects_with_more_simple_members_than_the_loop_has_room_for_canonicalise_exactly_as_before(int count)
    {
        // The simple-member loop stops when the members array is full and the general path grows it; names in reverse order,
        // so the object is put in order, and an escaped value now and then.
        var members = Enumerable.Range(0, count).Reverse()
            .Select(i => string.Create(CultureInfo.InvariantCulture, $"\"m{i:D3}\":{(i % 7 == 3 ? "\"e\\u00e9\"" : i.ToString(CultureInfo.InvariantCulture))}"));
        var body = "{" + string.Join(",", members) + "}";
        Assert.True(AssertSameForm(body));
        Assert.True(AssertSameForm($"{{\"z\":{body},\"lines\":[{body},{body}]}}"));
    }

    private static bool AssertSameForm(string payload) =>
        CanonicalFormDifferentialTests.AssertSameForm(Encoding.UTF8.GetBytes(payload), []);
}
