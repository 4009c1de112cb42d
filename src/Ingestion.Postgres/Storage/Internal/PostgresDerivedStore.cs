using System.Runtime.CompilerServices;
using Ingestion.Postgres.Internal;
using Npgsql;
using NpgsqlTypes;

namespace Ingestion.Postgres.Storage.Internal;

/// <summary>Derivers' output: one transaction replaces an input key's whole output and records the deriver version that wrote it.</summary>
internal sealed class PostgresDerivedStore(PostgresStoreContext context) : IDerivedStore
{
    // Long keys are stored by digest with the full key beside them (see PostgresKey); reads take the full one.
    private const string Columns = "deriver, deriver_version, coalesce(full_input_key, input_key), coalesce(full_key, key), kind, payload, effective_at, derived_at";

    public async ValueTask ReplaceAsync(string deriver, int deriverVersion, string inputKey, IReadOnlyList<DerivedRecord> records, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(deriver);
        ArgumentNullException.ThrowIfNull(inputKey);
        ArgumentNullException.ThrowIfNull(records);
        var keys = new string[records.Count];
        var fullKeys = new string?[records.Count];
        var kinds = new string[records.Count];
        var payloads = new ReadOnlyMemory<byte>[records.Count];
        var effective = new DateTimeOffset?[records.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var index = 0; index < records.Count; index++)
        {
            var record = records[index];
            if (!seen.Add(record.Key))
            {
                throw new ArgumentException($"Deriver '{deriver}' produced the key '{record.Key}' twice for input '{inputKey}'; derived keys must be unique.", nameof(records));
            }

            keys[index] = PostgresKey.Stored(record.Key);
            fullKeys[index] = PostgresKey.FullOrNull(record.Key);
            kinds[index] = PostgresText.Clean(record.Kind);
            payloads[index] = record.Payload;
            effective[index] = record.EffectiveAt;
        }

        var now = context.Time.GetUtcNow();
        var s = context.Schema;
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection, transaction) { Timeout = context.CommandTimeoutSeconds };

        var delete = new NpgsqlBatchCommand($"DELETE FROM {s}.derived_records WHERE deriver = $1 AND input_key = $2");
        delete.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deriver });
        delete.Parameters.Add(new NpgsqlParameter<string> { TypedValue = PostgresKey.Stored(inputKey) });
        batch.BatchCommands.Add(delete);

        if (records.Count > 0)
        {
            var insert = new NpgsqlBatchCommand(
                $"""
                INSERT INTO {s}.derived_records (deriver, input_key, key, kind, payload, effective_at, deriver_version, derived_at, full_input_key, full_key)
                SELECT $1, $2, u.key, u.kind, u.payload, u.effective_at, $3, $4, $9, u.full_key
                  FROM unnest($5::text[], $6::text[], $7::jsonb[], $8::timestamptz[], $10::text[]) AS u(key, kind, payload, effective_at, full_key)
                """);
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deriver });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = PostgresKey.Stored(inputKey) });
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = deriverVersion });
            insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = keys });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = kinds });
            insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb, Value = payloads.Select(p => p.ToArray()).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, Value = effective.Select(e => (object?)e ?? DBNull.Value).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)PostgresKey.FullOrNull(inputKey) ?? DBNull.Value });
            insert.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = fullKeys });
            batch.BatchCommands.Add(insert);
        }

        var input = new NpgsqlBatchCommand(
            $"""
            INSERT INTO {s}.derived_inputs (deriver, input_key, deriver_version, derived_at, full_input_key) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (deriver, input_key) DO UPDATE SET deriver_version = excluded.deriver_version, derived_at = excluded.derived_at
            """);
        input.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deriver });
        input.Parameters.Add(new NpgsqlParameter<string> { TypedValue = PostgresKey.Stored(inputKey) });
        input.Parameters.Add(new NpgsqlParameter<int> { TypedValue = deriverVersion });
        input.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        input.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)PostgresKey.FullOrNull(inputKey) ?? DBNull.Value });
        batch.BatchCommands.Add(input);

        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<StoredDerivedRecord>> GetAsync(string deriver, string inputKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deriver);
        ArgumentNullException.ThrowIfNull(inputKey);
        var records = new List<StoredDerivedRecord>();
        await foreach (var record in QueryAsync(
            "WHERE deriver = $1 AND input_key = $2 ORDER BY effective_at NULLS FIRST, key COLLATE \"C\"",
            command =>
            {
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deriver });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = PostgresKey.Stored(inputKey) });
            },
            cancellationToken).ConfigureAwait(false))
        {
            records.Add(record);
        }

        return records;
    }

    public IAsyncEnumerable<StoredDerivedRecord> GetAllAsync(string deriver, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deriver);
        return QueryAsync(
            "WHERE deriver = $1 ORDER BY input_key COLLATE \"C\", effective_at NULLS FIRST, key COLLATE \"C\"",
            command => command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deriver }),
            cancellationToken);
    }

    public async ValueTask<IReadOnlyList<string>> GetStaleInputKeysAsync(string deriver, int currentVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deriver);
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = context.Command(
            $"SELECT coalesce(full_input_key, input_key) FROM {context.Schema}.derived_inputs WHERE deriver = $1 AND deriver_version < $2 ORDER BY input_key COLLATE \"C\"",
            connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deriver });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = currentVersion });
        var keys = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            keys.Add(reader.GetString(0));
        }

        return keys;
    }

    private async IAsyncEnumerable<StoredDerivedRecord> QueryAsync(string tail, Action<NpgsqlCommand> addParameters, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = context.Command($"SELECT {Columns} FROM {context.Schema}.derived_records {tail}", connection);
        addParameters(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new StoredDerivedRecord
            {
                Deriver = reader.GetString(0),
                DeriverVersion = reader.GetInt32(1),
                InputKey = reader.GetString(2),
                Record = new DerivedRecord
                {
                    Key = reader.GetString(3),
                    Kind = reader.GetString(4),
                    Payload = reader.GetFieldValue<byte[]>(5),
                    EffectiveAt = reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
                },
                DerivedAt = reader.GetFieldValue<DateTimeOffset>(7),
            };
        }
    }
}
