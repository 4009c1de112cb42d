using System.Security.Cryptography;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace Ingestion.Postgres.Tests.Support;

/// <summary>
/// Records written with plain SQL, the way versions of the store before a migration wrote them, for tests that migrate a
/// database holding them. Only columns every schema since 0005 has are named; the hash is SHA-256, the columns' default.
/// </summary>
internal static class PreviousSchemaRecords
{
    public static ContentHash Sha256Of(string json) => new(ContentHashAlgorithm.Sha256, SHA256.HashData(Encoding.UTF8.GetBytes(json)));

    /// <summary>Writes one key of <paramref name="stream"/> with one version, latest, of <paramref name="json"/>.</summary>
    public static async Task WriteAsync(NpgsqlDataSource dataSource, StreamId stream, string key, string json, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var hash = Sha256Of(json).ToArray();
        await using var batch = dataSource.CreateBatch();
        var keys = new NpgsqlBatchCommand("""
            INSERT INTO ingestion.record_keys (source, stream, key, hash, latest_version, max_version, latest_is_partial,
                                               first_seen_at, last_seen_at, last_verified_at, last_written_at)
            VALUES ($4, $5, $1, $2, 1, 1, false, $3, $3, $3, $3)
            """);
        var version = new NpgsqlBatchCommand("""
            INSERT INTO ingestion.raw_records (source, stream, key, version, is_latest, payload, is_json, hash, fetched_at, run_id)
            VALUES ($4, $5, $1, 1, true, $6, true, $2, $3, $7)
            """);
        foreach (var command in new[] { keys, version })
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
            command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = hash });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream.Source });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream.Stream });
            batch.BatchCommands.Add(command);
        }

        version.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = json });
        version.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Guid.NewGuid() });
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
