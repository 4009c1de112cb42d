using Ingestion.Postgres.Internal;
using Ingestion.Storage.Internal;
using Npgsql;
using NpgsqlTypes;

namespace Ingestion.Postgres.Storage.Internal;

/// <summary>The raw store's write helpers: finding payloads PostgreSQL refuses, and the rows and arrays a batch sends.</summary>
internal sealed partial class PostgresRawStore
{
    /// <summary>Data exceptions (class 22) and program limits (class 54) are what one record's payload can cause.</summary>
    private static bool IsPayloadRefusal(PostgresException exception) =>
        exception.SqlState.StartsWith("22", StringComparison.Ordinal) || exception.SqlState.StartsWith("54", StringComparison.Ordinal);

    /// <summary>
    /// Sends the batch's JSON payloads as <c>jsonb[]</c> and halves every refused group until the refused payloads are found:
    /// about (refused × log₂ batch size) round trips, nothing written.
    /// </summary>
    private async Task<Dictionary<int, SyncIssue>> FindRefusedPayloadsAsync(IReadOnlyList<RawRecordWrite> records, CancellationToken cancellationToken)
    {
        var candidates = new List<int>(records.Count);
        for (var index = 0; index < records.Count; index++)
        {
            if (PayloadInspector.Inspect(records[index].Payload.Span, _context.Options.MaxPayloadBytes, out _) == PayloadKind.Json)
            {
                candidates.Add(index);
            }
        }

        var refused = new Dictionary<int, SyncIssue>();
        await using var connection = await _context.OpenAsync(cancellationToken).ConfigureAwait(false);
        var groups = new Stack<(int Start, int Count)>();
        groups.Push((0, candidates.Count));
        while (groups.Count > 0)
        {
            var (start, count) = groups.Pop();
            if (count == 0)
            {
                continue;
            }

            await using var probe = _context.Command("SELECT cardinality($1)", connection);
            var payloads = new byte[count][];
            for (var offset = 0; offset < count; offset++)
            {
                payloads[offset] = records[candidates[start + offset]].Payload.ToArray();
            }

            probe.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb, Value = payloads });
            try
            {
                await probe.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException exception) when (IsPayloadRefusal(exception))
            {
                if (count == 1)
                {
                    var index = candidates[start];
                    refused[index] = new SyncIssue(
                        IssueKind.StoreFailure,
                        $"PostgreSQL refused the payload as JSONB ({exception.SqlState}: {exception.MessageText}); stored raw.",
                        records[index].Key);
                }
                else
                {
                    var half = count / 2;
                    groups.Push((start + half, count - half));
                    groups.Push((start, half));
                }
            }
        }

        return refused;
    }

    private static async ValueTask WriteNewKeyAsync(
        NpgsqlBinaryImporter copy, RawRecordWrite record, string source, string stream, DateTimeOffset at, byte[] hashBuffer, CancellationToken cancellationToken)
    {
        record.Hash.CopyTo(hashBuffer);
        var hash = new ReadOnlyMemory<byte>(hashBuffer, 0, record.Hash.Length);
        await copy.StartRowAsync(cancellationToken).ConfigureAwait(false);
        await copy.WriteAsync(source, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
        await copy.WriteAsync(stream, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
        await copy.WriteAsync(PostgresKey.Stored(record.Key), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
        await copy.WriteAsync(hash, NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false);
        await copy.WriteAsync(1, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
        await copy.WriteAsync(1, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
        await copy.WriteAsync(record.IsPartial, NpgsqlDbType.Boolean, cancellationToken).ConfigureAwait(false);
        for (var column = 0; column < 4; column++)
        {
            // first_seen_at, last_seen_at, last_verified_at, last_written_at
            await copy.WriteAsync(at, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
        }

        if (record.IsPartial)
        {
            var retryable = record.IsRetryable;
            await copy.WriteAsync(retryable ? "pending" : "failed", NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await WriteNullableAsync(copy, PostgresText.CleanOrNull(record.RetryRequest), cancellationToken).ConfigureAwait(false);
            if (retryable)
            {
                await copy.WriteAsync(at, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await copy.WriteNullAsync(cancellationToken).ConfigureAwait(false);
            }

            await WriteNullableAsync(copy, PostgresText.CleanOrNull(record.ErrorMessage), cancellationToken).ConfigureAwait(false);
            await WriteNullableAsync(copy, record.HttpStatusCode, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            for (var column = 0; column < 5; column++)
            {
                await copy.WriteNullAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        await copy.WriteAsync(AlgorithmName(record.Hash.Algorithm), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
        await WriteNullableAsync(copy, PostgresKey.FullOrNull(record.Key), cancellationToken).ConfigureAwait(false);
    }

    private static void AddStreamAt(NpgsqlParameterCollection parameters, string source, string stream, DateTimeOffset at, bool withTime = true)
    {
        parameters.Add(new NpgsqlParameter<string> { TypedValue = source });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
        if (withTime)
        {
            parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at });
        }
    }

    private static async ValueTask WriteNullableAsync(NpgsqlBinaryImporter copy, string? value, CancellationToken cancellationToken)
    {
        if (value is not null)
        {
            await copy.WriteAsync(value, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await copy.WriteNullAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async ValueTask WriteNullableAsync(NpgsqlBinaryImporter copy, int? value, CancellationToken cancellationToken)
    {
        if (value is { } present)
        {
            await copy.WriteAsync(present, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await copy.WriteNullAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The batch's keys, hashes and partial flags as arrays, sorted by key so that the probes into <c>record_keys</c> walk its index
    /// in order; each with its index in the batch.
    /// </summary>
    private static void AddBatchKeys(NpgsqlParameterCollection parameters, IReadOnlyList<RawRecordWrite> records)
    {
        var order = new int[records.Count];
        var keys = new string[records.Count];
        for (var index = 0; index < order.Length; index++)
        {
            order[index] = index;
            keys[index] = PostgresKey.Stored(records[index].Key);
        }

        Array.Sort(keys, order, StringComparer.Ordinal);
        var hashes = new byte[order.Length][];
        var partial = new bool[order.Length];
        var algorithms = new string[order.Length];
        for (var position = 0; position < order.Length; position++)
        {
            var record = records[order[position]];
            hashes[position] = record.Hash.ToArray();
            partial[position] = record.IsPartial;
            algorithms[position] = AlgorithmName(record.Hash.Algorithm);
        }

        parameters.Add(new NpgsqlParameter<int[]> { TypedValue = order });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = keys });
        parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = hashes });
        parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = partial });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = algorithms });
    }

    /// <summary>How <c>hash_algorithm</c> names an algorithm.</summary>
    internal static string AlgorithmName(ContentHashAlgorithm algorithm) => algorithm switch
    {
        ContentHashAlgorithm.XxHash128 => "xxhash128",
        ContentHashAlgorithm.Sha256 => "sha256",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Not a content hash algorithm."),
    };

    internal static ContentHashAlgorithm ParseAlgorithm(string name) => name switch
    {
        "xxhash128" => ContentHashAlgorithm.XxHash128,
        "sha256" => ContentHashAlgorithm.Sha256,
        _ => throw new InvalidOperationException($"The stored hash algorithm '{name}' is unknown to this version of the store."),
    };

    private PayloadInspection[] Inspect(IReadOnlyList<RawRecordWrite> records, List<VersionPlan> plans, Dictionary<int, SyncIssue>? refused)
    {
        var inspections = new PayloadInspection[records.Count];
        foreach (var plan in plans)
        {
            var index = plan.Ordinal;
            var record = records[index];
            if (refused is not null && refused.TryGetValue(index, out var refusal))
            {
                inspections[index] = new PayloadInspection(PayloadKind.Refused, refusal);
                continue;
            }

            var kind = PayloadInspector.Inspect(record.Payload.Span, _context.Options.MaxPayloadBytes, out var detail);
            var issue = RawBatchChecks.IssueFor(kind, detail, record.Key);
            inspections[index] = new PayloadInspection(kind, issue);
        }

        return inspections;
    }

    private readonly record struct VersionPlan(int Ordinal, int Version, bool IsNew, bool BecomesLatest)
    {
        /// <summary>The first version of a key the store does not hold.</summary>
        public static VersionPlan NewKey(int ordinal) => new(ordinal, Version: 1, IsNew: true, BecomesLatest: true);
    }

    private readonly record struct PayloadInspection(PayloadKind Kind, SyncIssue? Issue);

    /// <summary>The key-state columns of a batch's new versions, sent as arrays to one set-based statement.</summary>
    private sealed class KeyColumns
    {
        private readonly List<string> _keys = [];
        private readonly List<byte[]> _hashes = [];
        private readonly List<bool> _partial = [];
        private readonly List<string?> _retryStatus = [];
        private readonly List<string?> _retryRequest = [];
        private readonly List<string?> _errors = [];
        private readonly List<int?> _statuses = [];
        private readonly List<int> _versions = [];
        private readonly List<bool> _becomesLatest = [];
        private readonly List<string> _algorithms = [];

        public int Count => _keys.Count;

        public void Add(RawRecordWrite record, VersionPlan plan)
        {
            _keys.Add(PostgresKey.Stored(record.Key));
            _hashes.Add(record.Hash.ToArray());
            _partial.Add(record.IsPartial);
            _retryStatus.Add(record.IsPartial ? (record.IsRetryable ? "pending" : "failed") : null);
            _retryRequest.Add(record.IsPartial ? PostgresText.CleanOrNull(record.RetryRequest) : null);
            _errors.Add(record.IsPartial ? PostgresText.CleanOrNull(record.ErrorMessage) : null);
            _statuses.Add(record.IsPartial ? record.HttpStatusCode : null);
            _versions.Add(plan.Version);
            _becomesLatest.Add(plan.BecomesLatest);
            _algorithms.Add(AlgorithmName(record.Hash.Algorithm));
        }

        public void AddParameters(NpgsqlParameterCollection parameters, string source, string stream, DateTimeOffset at)
        {
            parameters.Add(new NpgsqlParameter<string> { TypedValue = source });
            parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
            parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at });
            parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. _keys] });
            parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. _hashes] });
            parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = [.. _partial] });
            parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. _retryStatus] });
            parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. _retryRequest] });
            parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. _errors] });
            parameters.Add(new NpgsqlParameter<int?[]> { TypedValue = [.. _statuses] });
            parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. _versions] });
            parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = [.. _becomesLatest] });
            parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. _algorithms] });
        }
    }

    /// <summary>Keys whose stored hash, made with another algorithm, matched: their new hash and algorithm, as arrays.</summary>
    private sealed class RehashedKeys
    {
        private readonly List<string> _keys = [];
        private readonly List<byte[]> _hashes = [];
        private readonly List<string> _algorithms = [];

        public void Add(RawRecordWrite record)
        {
            _keys.Add(PostgresKey.Stored(record.Key));
            _hashes.Add(record.Hash.ToArray());
            _algorithms.Add(AlgorithmName(record.Hash.Algorithm));
        }

        public void AddParameters(NpgsqlParameterCollection parameters)
        {
            parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. _keys] });
            parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. _hashes] });
            parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. _algorithms] });
        }
    }
}
