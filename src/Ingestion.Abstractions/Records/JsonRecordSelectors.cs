namespace Ingestion;

// Factory entry points for the standard selectors; the implementations live in Records/Internal.
internal static class JsonRecordSelectors
{
    public static RecordSelector Json(string recordsPath) => throw new NotImplementedException();

    public static RecordSelector ColumnMajor(string collectionPath) => throw new NotImplementedException();

    public static RecordSelector Csv(CsvSelectorOptions options) => throw new NotImplementedException();
}
