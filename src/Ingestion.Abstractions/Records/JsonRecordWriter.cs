using System.Buffers;
using System.Text.Json;

namespace Ingestion;

/// <summary>
/// Writes the records a selector builds itself (from CSV rows, say) one after another into one buffer and hands them out
/// as slices of it: one allocation for a page instead of one per record. Write a record with <see cref="Json"/>, then call
/// <see cref="EndRecord"/>; <see cref="ToSelection"/> gives them all.
/// </summary>
public sealed class JsonRecordWriter : IDisposable
{
    // The writer's output is one record at a time; records are not separated, so validation across them is off.
    private static readonly JsonWriterOptions Options = new() { SkipValidation = true };

    private readonly ArrayBufferWriter<byte> _output;
    private readonly List<int> _ends = [];

    /// <summary>Creates a writer whose buffer starts at <paramref name="initialCapacity"/> bytes.</summary>
    /// <param name="initialCapacity">The expected size of all records together (for example twice the body's).</param>
    public JsonRecordWriter(int initialCapacity)
    {
        _output = new ArrayBufferWriter<byte>(Math.Max(256, initialCapacity));
        Json = new Utf8JsonWriter(_output, Options);
    }

    /// <summary>The writer of the current record: one JSON value per record.</summary>
    public Utf8JsonWriter Json { get; }

    /// <summary>The records ended so far.</summary>
    public int Count => _ends.Count;

    /// <summary>Ends the current record; what is written next starts a new one.</summary>
    public void EndRecord()
    {
        Json.Flush();
        _ends.Add(_output.WrittenCount);
        Json.Reset();
    }

    /// <summary>Every ended record, in order, as a successful selection.</summary>
    /// <returns>The selection.</returns>
    public RecordSelection ToSelection()
    {
        var memory = _output.WrittenMemory;
        var records = new ReadOnlyMemory<byte>[_ends.Count];
        var start = 0;
        for (var index = 0; index < records.Length; index++)
        {
            records[index] = memory[start.._ends[index]];
            start = _ends[index];
        }

        return RecordSelection.Of(records);
    }

    /// <inheritdoc />
    public void Dispose() => Json.Dispose();
}
