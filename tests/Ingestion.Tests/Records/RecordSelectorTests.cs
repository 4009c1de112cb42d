using System.Text;
using System.Text.Json;

namespace Ingestion.Tests.Records;

public sealed class RecordSelectorTests
{
    private static RecordSelection Select(RecordSelector selector, string body) => selector.Select(Encoding.UTF8.GetBytes(body));

    private static string[] Texts(RecordSelection selection)
    {
        Assert.True(selection.Succeeded, selection.Error);
        return [.. selection.Records.Select(r => Encoding.UTF8.GetString(r.Span))];
    }

    [Theory]
    [InlineData("$.data", "{\"data\":[{\"id\":1},{\"id\":2}],\"total\":2}")]
    [InlineData("$.value", "{\"@odata.context\":\"x\",\"value\":[{\"id\":1},{\"id\":2}]}")]
    [InlineData("$", "[{\"id\":1},{\"id\":2}]")]
    [InlineData("data.items", "{\"data\":{\"items\":[{\"id\":1},{\"id\":2}]}}")]
    public void Selects_each_array_element_as_a_slice_of_the_body(string path, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var selection = RecordSelector.Json(path).Select(bytes);
        Assert.Equal(["{\"id\":1}", "{\"id\":2}"], Texts(selection));
        Assert.All(selection.Records, r => Assert.True(r.Span.Overlaps(bytes)));
    }

    [Fact]
    public void Keeps_nested_records_whole() =>
        Assert.Equal(["{\"a\":[1,{\"b\":2}]}", "[3]", "\"s\""], Texts(Select(RecordSelector.Json("$"), "[{\"a\":[1,{\"b\":2}]}, [3], \"s\"]")));

    [Fact]
    public void A_single_object_is_one_record() =>
        Assert.Equal(["{\"id\":1}"], Texts(Select(RecordSelector.Json("$.data"), "{\"data\":{\"id\":1}}")));

    [Theory]
    [InlineData("$.data", "{\"other\":[1]}")]
    [InlineData("$.data", "{\"data\":null}")]
    [InlineData("$.data", "{\"data\":[]}")]
    [InlineData("$", "[]")]
    [InlineData("$", "")]
    [InlineData("$.data", "[1,2]")]
    public void A_missing_path_null_or_empty_array_is_no_records(string path, string body) =>
        Assert.Empty(Texts(Select(RecordSelector.Json(path), body)));

    [Fact]
    public void A_scalar_at_the_path_is_malformed_and_names_the_path()
    {
        var selection = Select(RecordSelector.Json("$.data"), "{\"data\":\"secret-value\"}");
        Assert.False(selection.Succeeded);
        Assert.Empty(selection.Records);
        Assert.Contains("'$.data'", selection.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-value", selection.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"data\":[{\"id\":1},{\"name\":\"secret-value\"")]
    [InlineData("{\"data\":[{\"id\":1}]} secret-value")]
    [InlineData("{\"other\":secret-value, \"data\":[]}")]
    [InlineData("<html>secret-value</html>")]
    public void Malformed_json_is_reported_with_the_path_but_not_the_body(string body)
    {
        var selection = Select(RecordSelector.Json("$.data"), body);
        Assert.False(selection.Succeeded);
        Assert.Contains("'$.data'", selection.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", selection.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_a_bad_records_path_naming_the_argument()
    {
        var error = Assert.Throws<ArgumentException>(() => RecordSelector.Json("$..data"));
        Assert.Equal("recordsPath", error.ParamName);
        Assert.Contains("'$..data'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Transposes_a_column_major_collection_into_rows()
    {
        const string body = """
            {"orderId": ["PO-1", "PO-2"], "receiveDate": [null, "2026-06-20"], "items": [[1, 2], []], "qty": [1.50, 2], "say\"it": ["a", "b"]}
            """;
        var rows = Texts(Select(RecordSelector.ColumnMajor(), body));
        Assert.Equal(
            [
                "{\"orderId\":\"PO-1\",\"receiveDate\":null,\"items\":[1, 2],\"qty\":1.50,\"say\\u0022it\":\"a\"}",
                "{\"orderId\":\"PO-2\",\"receiveDate\":\"2026-06-20\",\"items\":[],\"qty\":2,\"say\\u0022it\":\"b\"}",
            ],
            rows);
        foreach (var row in rows)
        {
            using var document = JsonDocument.Parse(row);
            Assert.Equal(5, document.RootElement.EnumerateObject().Count());
        }
    }

    [Fact]
    public void Transposes_a_collection_at_a_path() =>
        Assert.Equal(["{\"id\":1}", "{\"id\":2}"], Texts(Select(RecordSelector.ColumnMajor("$.result"), "{\"result\":{\"id\":[1,2]}}")));

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"id\":[],\"name\":[]}")]
    [InlineData("{\"other\":1}")]
    [InlineData("")]
    public void An_empty_column_major_collection_is_no_records(string body) =>
        Assert.Empty(Texts(Select(RecordSelector.ColumnMajor(body == "{\"other\":1}" ? "$.result" : "$"), body)));

    [Fact]
    public void Unequal_columns_are_malformed_and_named()
    {
        var selection = Select(RecordSelector.ColumnMajor(), "{\"orderId\":[\"a\",\"b\",\"c\"],\"statusId\":[\"x\",\"y\"]}");
        Assert.False(selection.Succeeded);
        Assert.Contains("'orderId' has 3", selection.Error, StringComparison.Ordinal);
        Assert.Contains("'statusId' has 2", selection.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"orderId\":\"PO-1\"}", "orderId")]
    [InlineData("[[1]]", "not an object")]
    [InlineData("{\"orderId\":[1,", "not valid JSON")]
    public void A_collection_that_is_not_an_object_of_arrays_is_malformed(string body, string expected)
    {
        var selection = Select(RecordSelector.ColumnMajor(), body);
        Assert.False(selection.Succeeded);
        Assert.Contains(expected, selection.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Reads_csv_rows_as_objects_of_strings_keyed_by_header()
    {
        const string body = "\"Product ID\",\"Description\",\"Units in stock\"\r\n\"BC101\",\"Soil, \"\"premium\"\"\",\"1,200\"\r\nBC102,Sack,40\r\n";
        Assert.Equal(
            [
                "{\"Product ID\":\"BC101\",\"Description\":\"Soil, \\u0022premium\\u0022\",\"Units in stock\":\"1,200\"}",
                "{\"Product ID\":\"BC102\",\"Description\":\"Sack\",\"Units in stock\":\"40\"}",
            ],
            Texts(Select(RecordSelector.Csv(), body)));
    }

    [Fact]
    public void Carries_group_cells_down_in_grouped_reports()
    {
        const string body = """
            "Order ID","Status","Product ID","Note"
            "PO-10041","Committed","BC101","x"
            "","","BC105",""
            "PO-10042","Completed","BC102",""
            "","","BC103",""
            """;
        var selector = RecordSelector.Csv(new CsvSelectorOptions { CarryDownColumns = ["Order ID", "Status"] });
        var rows = Texts(Select(selector, body)).Select(r => JsonDocument.Parse(r).RootElement).ToArray();
        Assert.Equal(["PO-10041", "PO-10041", "PO-10042", "PO-10042"], rows.Select(r => r.GetProperty("Order ID").GetString()));
        Assert.Equal(["Committed", "Committed", "Completed", "Completed"], rows.Select(r => r.GetProperty("Status").GetString()));
        Assert.Equal(["x", "", "", ""], rows.Select(r => r.GetProperty("Note").GetString()));
    }

    [Fact]
    public void Carries_every_column_down_when_asked()
    {
        const string body = "a;b\n1;2\n;3\n4;\n";
        var selector = RecordSelector.Csv(new CsvSelectorOptions { Delimiter = ";", CarryDownAllColumns = true });
        Assert.Equal(["{\"a\":\"1\",\"b\":\"2\"}", "{\"a\":\"1\",\"b\":\"3\"}", "{\"a\":\"4\",\"b\":\"3\"}"], Texts(Select(selector, body)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\r\n")]
    [InlineData("\"Order ID\",\"Status\"\r\n")]
    [InlineData("\"Order ID\",\"Status\"")]
    public void An_empty_or_header_only_csv_is_no_records(string body) => Assert.Empty(Texts(Select(RecordSelector.Csv(), body)));

    [Fact]
    public void A_missing_carry_down_column_is_named()
    {
        var selection = Select(RecordSelector.Csv(new CsvSelectorOptions { CarryDownColumns = ["Supplier"] }), "a,b\n1,2\n");
        Assert.False(selection.Succeeded);
        Assert.Contains("'Supplier'", selection.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_row_with_more_fields_than_the_header_is_malformed()
    {
        var selection = Select(RecordSelector.Csv(), "a,b\n1,2,secret\n");
        Assert.False(selection.Succeeded);
        Assert.DoesNotContain("secret", selection.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Short_rows_get_empty_cells() =>
        Assert.Equal(["{\"a\":\"1\",\"b\":\"\"}"], Texts(Select(RecordSelector.Csv(), "a,b\n1\n")));

    [Fact]
    public void Rejects_a_multi_character_delimiter() =>
        Assert.Equal("options", Assert.Throws<ArgumentException>(() => RecordSelector.Csv(new CsvSelectorOptions { Delimiter = "||" })).ParamName);

    [Fact]
    public void A_body_nested_past_the_limit_says_the_nesting_limit_was_exceeded_and_a_raised_limit_reads_it()
    {
        var body = "{\"data\":[" + new string('[', 10_000) + new string(']', 10_000) + "]}";

        var selection = Select(RecordSelector.Json("$.data"), body);
        Assert.False(selection.Succeeded);
        Assert.Contains("nests deeper than the limit of 256 levels", selection.Error, StringComparison.Ordinal);
        Assert.Contains("RecordsMaxDepth", selection.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("not valid JSON", selection.Error, StringComparison.Ordinal);

        var raised = Select(RecordSelector.Json("$.data", maxDepth: 10_010), body);
        Assert.True(raised.Succeeded, raised.Error);
        Assert.Single(raised.Records);
    }

    [Fact]
    public void Invalid_json_within_the_limit_is_still_reported_as_invalid_json() =>
        Assert.Contains("not valid JSON (line 1", Select(RecordSelector.Json("$.data"), "{\"data\":[{\"id\":1,}]}").Error, StringComparison.Ordinal);
}
