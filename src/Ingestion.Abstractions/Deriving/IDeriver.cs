namespace Ingestion;

/// <summary>
/// A pure, versioned function from raw records to derived records (timeline events, work sessions).
/// Output for one input key replaces that key's previous output, so re-running is idempotent; a new
/// <see cref="Version"/> can rebuild everything from the raw records.
/// </summary>
public interface IDeriver
{
    /// <summary>The deriver's name, unique within the host (for example <c>employes.timeline</c>).</summary>
    string Name { get; }

    /// <summary>The version of the derivation logic; raise it when output changes.</summary>
    int Version { get; }

    /// <summary>The streams whose changes this deriver reacts to.</summary>
    IReadOnlyList<StreamId> Inputs { get; }

    /// <summary>Maps a changed raw record to the input key it affects (for example an employee id), or <see langword="null"/> to ignore it.</summary>
    /// <param name="stream">The stream of the changed record.</param>
    /// <param name="recordKey">The changed record's key.</param>
    /// <param name="payload">The changed record's payload.</param>
    /// <returns>The input key, or <see langword="null"/>.</returns>
    string? GetInputKey(StreamId stream, string recordKey, ReadOnlyMemory<byte> payload);

    /// <summary>Derives the complete output for one input key from the raw store.</summary>
    /// <param name="inputKey">The input key.</param>
    /// <param name="context">Read access to raw records.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The complete output for the key, which replaces any previous output.</returns>
    ValueTask<IReadOnlyList<DerivedRecord>> DeriveAsync(string inputKey, DerivationContext context, CancellationToken cancellationToken);
}

/// <summary>
/// A deriver whose output changes meaning with time: a record of one of <see cref="KindsDueAtEffectiveDate"/> stands for
/// something planned for its <see cref="DerivedRecord.EffectiveAt"/> (a contract end still ahead), so its input key is
/// derived again once that time has passed, even when no raw record changed. The scheduler queues the
/// <see cref="IngestionJobTypes.RederiveDue"/> job that does it.
/// </summary>
public interface ITimeSensitiveDeriver : IDeriver
{
    /// <summary>The kinds of derived record that fall due at their effective date.</summary>
    IReadOnlyCollection<string> KindsDueAtEffectiveDate { get; }
}

/// <summary>
/// A deriver whose output for an input key also depends on records that do not map to that key alone: a lookup record (a
/// person's name in every session of theirs) or a record linked across input keys (an entry paired with one of the day
/// before). When a record of one of its <see cref="IDeriver.Inputs"/> changes, the engine asks
/// <see cref="GetInputKeysAsync"/> for every input key to derive again, instead of calling <see cref="IDeriver.GetInputKey"/>.
/// </summary>
public interface ILookupDeriver : IDeriver
{
    /// <summary>Lists every input key whose output a change of one record can alter.</summary>
    /// <param name="stream">The stream of the changed record.</param>
    /// <param name="recordKey">The changed record's key.</param>
    /// <param name="versions">
    /// The record's readable versions, latest first: an edit can move a record away from the input keys its earlier versions
    /// fed, and those must be derived again too. The latest is soft-deleted when the record went missing from a snapshot.
    /// </param>
    /// <param name="context">Read access to raw records (to find the records a lookup record is used by).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The input keys, without duplicates; empty to ignore the change.</returns>
    ValueTask<IReadOnlyList<string>> GetInputKeysAsync(StreamId stream, string recordKey, IReadOnlyList<RawRecord> versions, DerivationContext context, CancellationToken cancellationToken);
}

/// <summary>What a deriver may read.</summary>
public sealed class DerivationContext
{
    /// <summary>The raw store.</summary>
    public required IRawStore RawStore { get; init; }

    /// <summary>The clock.</summary>
    public required TimeProvider TimeProvider { get; init; }
}

/// <summary>One derived record.</summary>
public sealed record DerivedRecord
{
    /// <summary>A deterministic key, stable across re-derivations (for example <c>employee-1:salary_increase:2025-01-01</c>).</summary>
    public required string Key { get; init; }

    /// <summary>The record's kind (for example <c>salary_increase</c>, <c>work_session</c>).</summary>
    public required string Kind { get; init; }

    /// <summary>The record as UTF-8 JSON.</summary>
    public required ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>The date the record is about (event date, session start), if any.</summary>
    public DateTimeOffset? EffectiveAt { get; init; }
}

/// <summary>A derived record as stored, with its provenance.</summary>
public sealed record StoredDerivedRecord
{
    /// <summary>The deriver's name.</summary>
    public required string Deriver { get; init; }

    /// <summary>The deriver's version that wrote it.</summary>
    public required int DeriverVersion { get; init; }

    /// <summary>The input key it was derived for.</summary>
    public required string InputKey { get; init; }

    /// <summary>The record.</summary>
    public required DerivedRecord Record { get; init; }

    /// <summary>When it was written.</summary>
    public required DateTimeOffset DerivedAt { get; init; }
}

/// <summary>Keeps derivers' output.</summary>
public interface IDerivedStore
{
    /// <summary>Replaces the output of one deriver for one input key, atomically.</summary>
    /// <param name="deriver">The deriver's name.</param>
    /// <param name="deriverVersion">The deriver's version.</param>
    /// <param name="inputKey">The input key.</param>
    /// <param name="records">The complete new output (keys unique).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the output is replaced.</returns>
    ValueTask ReplaceAsync(string deriver, int deriverVersion, string inputKey, IReadOnlyList<DerivedRecord> records, CancellationToken cancellationToken);

    /// <summary>Reads the output for one input key, ordered by effective date then key.</summary>
    /// <param name="deriver">The deriver's name.</param>
    /// <param name="inputKey">The input key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The records.</returns>
    ValueTask<IReadOnlyList<StoredDerivedRecord>> GetAsync(string deriver, string inputKey, CancellationToken cancellationToken);

    /// <summary>Reads every output of a deriver, ordered by input key, effective date, key.</summary>
    /// <param name="deriver">The deriver's name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The records.</returns>
    IAsyncEnumerable<StoredDerivedRecord> GetAllAsync(string deriver, CancellationToken cancellationToken);

    /// <summary>Lists the input keys whose output was written by a version older than <paramref name="currentVersion"/> (to rebuild).</summary>
    /// <param name="deriver">The deriver's name.</param>
    /// <param name="currentVersion">The current version.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The stale input keys.</returns>
    ValueTask<IReadOnlyList<string>> GetStaleInputKeysAsync(string deriver, int currentVersion, CancellationToken cancellationToken);
}
