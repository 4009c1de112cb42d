namespace Ingestion.Storage.Internal;

/// <summary>
/// What every raw store checks in a batch before writing it: keys present and unique, the issue a payload that cannot be
/// stored as JSON is flagged with, and the refusal of a batch whose run lost its lease. The in-memory and PostgreSQL stores
/// both use it, so both refuse and flag the same records the same way.
/// </summary>
internal static class RawBatchChecks
{
    public static void CheckKeys(IReadOnlyList<RawRecordWrite> records)
    {
        var seen = records.Count > 1 ? new HashSet<string>(records.Count, StringComparer.Ordinal) : null;
        for (var index = 0; index < records.Count; index++)
        {
            var record = records[index] ?? throw new ArgumentException($"The batch's record at index {index} is null.", nameof(records));
            ArgumentNullException.ThrowIfNull(record.Key);
            if (seen is not null && !seen.Add(record.Key))
            {
                throw new ArgumentException($"The key '{record.Key}' appears more than once in the batch; a key may appear at most once per batch.", nameof(records));
            }
        }
    }

    /// <summary>The issue a record is flagged with when <see cref="PayloadInspector"/> finds its payload not storable as JSON.</summary>
    public static SyncIssue? IssueFor(PayloadKind kind, string? detail, string key) => kind switch
    {
        PayloadKind.InvalidJson => new SyncIssue(IssueKind.InvalidJson, detail!, key),
        PayloadKind.NullCharacter => new SyncIssue(IssueKind.NullCharacter, detail!, key),
        PayloadKind.TooLarge => new SyncIssue(IssueKind.PayloadTooLarge, detail!, key),
        _ => null,
    };

    /// <summary>What a store throws when it refuses a batch that requires its run's lease; <paramref name="holder"/> is the run that holds the stream, if any.</summary>
    public static StreamLeaseLostException LeaseLost(RawBatch batch, Guid? holder) => new(
        $"Run {batch.RunId} no longer holds the lease of stream {batch.Stream} ({(holder is { } other ? $"run {other} holds it" : "no run holds it")}); its batch of {batch.Records.Count} records was not written.");
}
