namespace Ingestion;

/// <summary>
/// Finds the records in a response body and hands each one on as UTF-8 JSON bytes, without per-record
/// string round trips. The standard selectors are created by the static factory methods; a connector
/// with an unusual format derives its own.
/// </summary>
public abstract class RecordSelector
{
    /// <summary>Selects the records of one response body.</summary>
    /// <param name="body">The whole response body.</param>
    /// <returns>The records, or the reason the body could not be read.</returns>
    public abstract RecordSelection Select(ReadOnlyMemory<byte> body);

    /// <summary>
    /// Selects the records of one body into <paramref name="records"/> (cleared first) where the selector can, so a caller that
    /// reads the records before the next body (the fetcher, page after page) reuses one list instead of growing a new one per page.
    /// The selection returned may hold <paramref name="records"/>: it is valid until the list is used again.
    /// </summary>
    internal virtual RecordSelection Select(ReadOnlyMemory<byte> body, List<ReadOnlyMemory<byte>> records) => Select(body);

    /// <summary>
    /// Selects the JSON array at <paramref name="recordsPath"/> (for example <c>$.data</c>, <c>$.value</c>,
    /// <c>$</c> for a root array). A single object at the path is one record; a missing path or
    /// <c>null</c> is no records.
    /// </summary>
    /// <param name="recordsPath">A <see cref="JsonPath"/> expression.</param>
    /// <returns>The selector.</returns>
    public static RecordSelector Json(string recordsPath) => JsonRecordSelectors.Json(recordsPath);

    /// <summary>
    /// Selects the JSON array at <paramref name="recordsPath"/> like <see cref="Json(string)"/>, from bodies that may nest up to
    /// <paramref name="maxDepth"/> levels (256 by default). A deeper body is reported as malformed, naming the limit.
    /// </summary>
    /// <param name="recordsPath">A <see cref="JsonPath"/> expression.</param>
    /// <param name="maxDepth">The deepest nesting a body may have; at least 1.</param>
    /// <returns>The selector.</returns>
    public static RecordSelector Json(string recordsPath, int maxDepth) => JsonRecordSelectors.Json(recordsPath, maxDepth);

    /// <summary>
    /// Selects a column-major ("parallel arrays") collection at <paramref name="collectionPath"/>, an object whose
    /// properties are equally long arrays, and transposes it into one JSON object per row.
    /// </summary>
    /// <param name="collectionPath">A <see cref="JsonPath"/> expression; <c>$</c> for the root.</param>
    /// <returns>The selector.</returns>
    public static RecordSelector ColumnMajor(string collectionPath = "$") => JsonRecordSelectors.ColumnMajor(collectionPath);

    /// <summary>
    /// Reads a CSV body with a header row; each row becomes a JSON object of strings keyed by header.
    /// </summary>
    /// <param name="options">Delimiter, and the columns whose blank cells carry the value from the row above (grouped reports).</param>
    /// <returns>The selector.</returns>
    public static RecordSelector Csv(CsvSelectorOptions? options = null) => JsonRecordSelectors.Csv(options ?? new CsvSelectorOptions());
}

/// <summary>Options of <see cref="RecordSelector.Csv"/>.</summary>
public sealed class CsvSelectorOptions
{
    /// <summary>The field delimiter: one ASCII character other than a quote or a line break. Defaults to a comma.</summary>
    public string Delimiter { get; init; } = ",";

    /// <summary>Columns whose blank cells take the value of the row above (group cells of grouped reports); empty for none.</summary>
    public IReadOnlyList<string> CarryDownColumns { get; init; } = [];

    /// <summary>Whether every column carries blank cells down. Defaults to <see langword="false"/>.</summary>
    public bool CarryDownAllColumns { get; init; }
}

/// <summary>The records found in one body, or why none could be read.</summary>
public sealed class RecordSelection
{
    private RecordSelection(IReadOnlyList<ReadOnlyMemory<byte>> records, string? error)
    {
        Records = records;
        Error = error;
    }

    /// <summary>The records as UTF-8 JSON. They may share the body's memory: copy what you keep beyond the page.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Records { get; }

    /// <summary>Why the body could not be read (malformed JSON, not an array), or <see langword="null"/>.</summary>
    public string? Error { get; }

    /// <summary>Whether the body was read.</summary>
    public bool Succeeded => Error is null;

    /// <summary>A successful selection.</summary>
    /// <param name="records">The records.</param>
    /// <returns>The selection.</returns>
    public static RecordSelection Of(IReadOnlyList<ReadOnlyMemory<byte>> records) => new(records, null);

    /// <summary>A failed selection.</summary>
    /// <param name="error">Why the body could not be read; must not contain secrets.</param>
    /// <returns>The selection.</returns>
    public static RecordSelection Malformed(string error) => new([], error);
}
