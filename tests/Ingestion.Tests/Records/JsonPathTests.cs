using System.Text;

namespace Ingestion.Tests.Records;

public sealed class JsonPathTests
{
    private static ReadOnlyMemory<byte> Json(string text) => Encoding.UTF8.GetBytes(text);

    private static string? Select(string path, string json) =>
        JsonPath.Parse(path).TrySelect(Json(json), out var value) ? Encoding.UTF8.GetString(value.Span) : null;

    [Theory]
    [InlineData("$", "{\"a\":1}", "{\"a\":1}")]
    [InlineData("$.data.items", "{\"data\":{\"items\":[1, 2]}}", "[1, 2]")]
    [InlineData("data.items", "{\"data\":{\"items\":[1, 2]}}", "[1, 2]")]
    [InlineData("$['@odata.count']", "{\"value\":[],\"@odata.count\":42}", "42")]
    [InlineData("$[\"x y\"]", "{\"x y\":\"z\"}", "\"z\"")]
    [InlineData("$.items[1].id", "{\"items\":[{\"id\":1},{\"id\":2}]}", "2")]
    [InlineData("$[0]", "[{\"id\":7}, 8]", "{\"id\":7}")]
    [InlineData("[1]", "[{\"id\":7}, 8]", "8")]
    [InlineData("$.a", "{\"b\":{\"a\":0},\"a\":null}", "null")]
    [InlineData("$['it\\'s']", "{\"it's\":true}", "true")]
    [InlineData("$.caf\u00e9", "{\"caf\\u00e9\":\"escaped name\"}", "\"escaped name\"")]
    [InlineData("$.data[-1].id", "{\"data\":[{\"id\":\"cus_1\"},{\"id\":\"cus_2\",\"x\":[1,{\"id\":9}]}],\"has_more\":true}", "\"cus_2\"")]
    [InlineData("$.data[-2].id", "{\"data\":[{\"id\":1},{\"id\":2},{\"id\":3}]}", "2")]
    [InlineData("$[-1]", "[1, [2, 3], 4]", "4")]
    [InlineData("$.a[-1][-1]", "{\"a\":[[1],[2,3]]}", "3")]
    public void Selects_the_raw_value(string path, string json, string expected) => Assert.Equal(expected, Select(path, json));

    [Theory]
    [InlineData("$.missing", "{\"a\":1}")]
    [InlineData("$.a.b", "{\"a\":1}")]
    [InlineData("$.a[0]", "{\"a\":{\"0\":1}}")]
    [InlineData("$.a[5]", "{\"a\":[1,2]}")]
    [InlineData("$.a[-3]", "{\"a\":[1,2]}")]
    [InlineData("$.a[-1]", "{\"a\":[]}")]
    [InlineData("$.a", "[1,2]")]
    [InlineData("$.a", "{\"a\": ")]
    [InlineData("$.a", "")]
    public void Reports_missing_values_and_malformed_json_as_not_found(string path, string json) => Assert.Null(Select(path, json));

    [Fact]
    public void The_slice_shares_the_input_memory()
    {
        var json = Json("{\"data\":[1,2,3]}");
        Assert.True(JsonPath.Parse("$.data").TrySelect(json, out var value));
        Assert.True(json.Span.Overlaps(value.Span));
    }

    [Theory]
    [InlineData("{\"id\":\"a\\\"b\\u0041\"}", "a\"bA")]
    [InlineData("{\"id\":12345678901234567890}", "12345678901234567890")]
    [InlineData("{\"id\":1.50}", "1.50")]
    [InlineData("{\"id\":true}", "true")]
    [InlineData("{\"id\":false}", "false")]
    public void Reads_strings_unescaped_and_scalars_as_written(string json, string expected)
    {
        Assert.True(JsonPath.Parse("id").TryGetString(Json(json), out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("{\"id\":null}")]
    [InlineData("{\"id\":{}}")]
    [InlineData("{\"id\":[]}")]
    [InlineData("{}")]
    [InlineData("not json")]
    public void Does_not_read_null_containers_or_missing_values_as_strings(string json)
    {
        Assert.False(JsonPath.Parse("$.id").TryGetString(Json(json), out var value));
        Assert.Null(value);
    }

    [Theory]
    [InlineData("{\"n\":117}", true, 117)]
    [InlineData("{\"n\":\"117\"}", true, 117)]
    [InlineData("{\"n\":-3}", true, -3)]
    [InlineData("{\"n\":1.5}", false, 0)]
    [InlineData("{\"n\":\"abc\"}", false, 0)]
    [InlineData("{\"n\":null}", false, 0)]
    public void Reads_integers_from_numbers_and_numeric_strings(string json, bool found, long expected)
    {
        Assert.Equal(found, JsonPath.Parse("$.n").TryGetInt64(Json(json), out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("{\"b\":true}", true, true)]
    [InlineData("{\"b\":false}", true, false)]
    [InlineData("{\"b\":\"False\"}", true, false)]
    [InlineData("{\"b\":1}", false, false)]
    [InlineData("{}", false, false)]
    public void Reads_booleans(string json, bool found, bool expected)
    {
        Assert.Equal(found, JsonPath.Parse("$.b").TryGetBoolean(Json(json), out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("$.")]
    [InlineData("$..a")]
    [InlineData("$.a.")]
    [InlineData("$.a[")]
    [InlineData("$.a[*]")]
    [InlineData("$.a[-0]")]
    [InlineData("$.a[-]")]
    [InlineData("$.a[--1]")]
    [InlineData("$.a[?(@.x)]")]
    [InlineData("$['a")]
    [InlineData("$['a'")]
    [InlineData("$x")]
    [InlineData("$.a b")]
    [InlineData("$.*")]
    public void Rejects_expressions_outside_the_subset_quoting_them(string expression)
    {
        var error = Assert.Throws<FormatException>(() => JsonPath.Parse(expression));
        Assert.Contains($"'{expression}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keeps_its_expression() => Assert.Equal("$.data", JsonPath.Parse("$.data").ToString());
}
