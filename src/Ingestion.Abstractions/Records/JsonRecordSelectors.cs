using Ingestion.Records.Internal;

namespace Ingestion;

// Factory entry points for the standard selectors; the implementations live in Records/Internal.
internal static class JsonRecordSelectors
{
    public static RecordSelector Json(string recordsPath, int maxDepth = JsonPath.DefaultMaxDepth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDepth, 1);
        return new JsonArraySelector(ParsePath(recordsPath, nameof(recordsPath)), maxDepth);
    }

    public static RecordSelector ColumnMajor(string collectionPath) => new ColumnMajorSelector(ParsePath(collectionPath, nameof(collectionPath)));

    public static RecordSelector Csv(CsvSelectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Delimiter is not { Length: 1 } || !char.IsAscii(options.Delimiter[0]) || options.Delimiter[0] is '"' or '\r' or '\n')
        {
            throw new ArgumentException(
                $"The CSV delimiter must be a single ASCII character other than a quote or a line break, not '{options.Delimiter}'.", nameof(options));
        }

        ArgumentNullException.ThrowIfNull(options.CarryDownColumns, nameof(options));
        foreach (var column in options.CarryDownColumns)
        {
            if (string.IsNullOrEmpty(column))
            {
                throw new ArgumentException("A carry-down column name must not be empty.", nameof(options));
            }
        }

        return new CsvSelector(options);
    }

    private static JsonPath ParsePath(string expression, string parameterName) => JsonPathArgument.Parse(expression, parameterName);
}
