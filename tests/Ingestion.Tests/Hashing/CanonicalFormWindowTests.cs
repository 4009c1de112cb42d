using System.Globalization;
using System.Text;

namespace Ingestion.Tests.Hashing;

/// <summary>
/// Compares the canonical form with <see cref="LegacyJsonCanonicalizer"/> where the canonicaliser reads marks of 64 bytes at a
/// time (quotes, string stops, digits) and where it reuses the order of the last object it ranked: strings, escapes, runs of
/// backslashes and runs of digits that end at every offset around the edge of a window, and arrays of objects whose names
/// repeat, change order, change one name, share their first eight bytes or repeat a name. Both must write the same bytes, or
/// both must reject the payload.
/// </summary>
public sealed class CanonicalFormWindowTests
{
    private static readonly string[] Escapes =
    [
        "\\\"", "\\\\", "\\n", "\\/", "\\u00e9", "\\u001f", "\\ud83d\\ude00", "\\ud800", "\\x", "\u00e9", "\u0001",
    ];

    private static readonly string[] Names =
    [
        "a", "b", "id", "sku", "notes", "active", "quantity", "unitPrice", "description", "abcdefgh", "abcdefgh1", "abcdefgh2",
        "abcdefghX", "abcdefghY", "abcdefg", "\u00e9t\u00e9", "",
    ];

    public static TheoryData<int> Seeds => [1, 2, 3, 4];

    [Fact]
    public void Strings_with_escapes_around_the_window_edge_canonicalise_exactly_as_before()
    {
        var valid = 0;
        int[] offsets = [0, 1, 2, 29, 30, 31, 32, 33, 34, 58, 60, 61, 62, 63, 64, 65];
        for (var lead = 0; lead <= 66; lead++)
        {
            foreach (var escape in Escapes)
            {
                foreach (var offset in offsets)
                {
                    // The first member's value moves the rest across the window that its name was read in.
                    var text = new string('y', offset) + escape + new string('z', (lead + offset) % 7);
                    valid += AssertSameForm($"{{\"a\":\"{new string('x', lead)}\",\"b\":\"{text}\",\"c\":-12.5,\"d\":\"{new string('w', 70 - lead)}\"}}") ? 1 : 0;
                    valid += AssertSameForm($"{{\"b\":\"{new string('x', lead)}\",\"a\":1,\"{text}\":true,\"c\":null}}") ? 1 : 0;
                }
            }
        }

        // Of the eleven escapes and characters, eight are valid in a string, in both places.
        Assert.Equal(67 * 8 * offsets.Length * 2, valid);
    }

    [Fact]
    public void Strings_of_every_length_from_every_offset_canonicalise_exactly_as_before()
    {
        var valid = 0;
        for (var lead = 0; lead <= 66; lead++)
        {
            for (var length = 0; length <= 130; length += length < 70 ? 1 : 20)
            {
                var text = new string('s', length);
                valid += AssertSameForm($"{{\"k\":\"{new string('x', lead)}\",\"{text}\":\"{text}\",\"z\":\"{text}\"}}") ? 1 : 0;
            }
        }

        Assert.Equal(67 * 74, valid);
    }

    [Fact]
    public void Runs_of_backslashes_across_the_window_edge_canonicalise_exactly_as_before()
    {
        var valid = 0;
        for (var lead = 0; lead <= 66; lead++)
        {
            for (var run = 1; run <= 6; run++)
            {
                foreach (var after in new[] { "\"", "n", "q", "u0041" })
                {
                    // An even run is that many halves of escaped backslashes, then `after` as it is; an odd run escapes `after`.
                    var text = new string('x', lead) + new string('\\', run) + after + "tail";
                    valid += AssertSameForm("{\"a\":1,\"b\":\"" + text + "\",\"c\":2}") ? 1 : 0;
                    valid += AssertSameForm("{\"a\":1,\"" + text + "\":2,\"c\":3}") ? 1 : 0;
                }
            }
        }

        // Even runs are valid before n, q and u0041, not before a quote, which ends the string early; odd runs before a quote,
        // n and u0041, not q (no such escape): three of four each.
        Assert.Equal(67 * 6 * 3 * 2, valid);
    }

    [Fact]
    public void Runs_of_digits_across_the_window_edge_canonicalise_exactly_as_before()
    {
        var valid = 0;
        for (var lead = 0; lead <= 66; lead++)
        {
            for (var digits = 1; digits <= 70; digits += digits < 10 ? 1 : 3)
            {
                var run = string.Concat(Enumerable.Range(0, digits).Select(i => (char)('1' + (i % 9))));
                foreach (var number in new[] { run, "-" + run, "0." + run, run + "." + run, run + "e5", "0" + run, "-" + run + ".", "1." })
                {
                    valid += AssertSameForm($"{{\"a\":\"{new string('x', lead)}\",\"n\":{number},\"m\":{run},\"o\":true}}") ? 1 : 0;
                }
            }
        }

        // Five of the eight forms of a number are valid ("0" followed by digits, "-1234." and "1." are not).
        Assert.Equal(67 * 30 * 5, valid);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Arrays_of_objects_whose_names_repeat_or_change_canonicalise_exactly_as_before(int seed)
    {
        var random = new Random(seed);
        var valid = 0;
        for (var i = 0; i < 1_500; i++)
        {
            var names = Enumerable.Range(0, random.Next(2, 10)).Select(_ => Names[random.Next(Names.Length)]).ToList();
            var builder = new StringBuilder("{\"z\":0,\"lines\":[");
            for (var o = random.Next(2, 7); o > 0; o--)
            {
                Change(random, names);
                builder.Append('{');
                for (var m = 0; m < names.Count; m++)
                {
                    builder.Append(m > 0 ? "," : "").Append('"').Append(names[m]).Append("\":");
                    builder.Append(random.Next(6) switch
                    {
                        0 => "\"v\\\"" + m + "\"",
                        1 => "{\"y\":1,\"x\":2}",
                        _ => random.Next(1000).ToString(CultureInfo.InvariantCulture),
                    });
                }

                builder.Append(o > 1 ? "}," : "}");
            }

            valid += AssertSameForm(builder.Append("],\"a\":1}").ToString()) ? 1 : 0;
        }

        // Every document is JSON; the comparison decides.
        Assert.Equal(1_500, valid);
    }

    // The next object's names: mostly the same in the same order, else reordered, one replaced, one added or one removed.
    private static void Change(Random random, List<string> names)
    {
        switch (random.Next(8))
        {
            case 0:
                var from = random.Next(names.Count);
                var name = names[from];
                names.RemoveAt(from);
                names.Insert(random.Next(names.Count + 1), name);
                break;
            case 1:
                names[random.Next(names.Count)] = Names[random.Next(Names.Length)];
                break;
            case 2 when names.Count < 16:
                names.Insert(random.Next(names.Count + 1), Names[random.Next(Names.Length)]);
                break;
            case 3 when names.Count > 1:
                names.RemoveAt(random.Next(names.Count));
                break;
        }
    }

    private static bool AssertSameForm(string payload) =>
        CanonicalFormDifferentialTests.AssertSameForm(Encoding.UTF8.GetBytes(payload), []);
}
