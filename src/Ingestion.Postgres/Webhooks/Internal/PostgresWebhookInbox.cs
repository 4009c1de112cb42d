using System.Text;
using System.Text.Json;
using Ingestion.Postgres.Internal;
using Ingestion.Postgres.Storage.Internal;
using Ingestion.Storage.Internal;
using Npgsql;
using NpgsqlTypes;

namespace Ingestion.Postgres.Webhooks.Internal;

/// <summary>
/// The webhook inbox in the <c>webhook_inbox</c> table. The body is kept byte for byte in <c>payload_raw</c> (it is what was
/// signed), and also as <c>payload</c> JSONB when it is JSON, for queries. A refused delivery keeps no body and is stored processed.
/// </summary>
internal sealed class PostgresWebhookInbox(PostgresStoreContext context) : IWebhookInbox
{
    private const string Columns = "id, source, delivery_id, event_type, headers::text, payload_raw, signature_valid, received_at, processed_at, job_id, error";

    public async ValueTask<WebhookInboxAddResult> AddAsync(WebhookInboxWrite delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var s = context.Schema;
        var body = delivery.SignatureValid ? delivery.Body : ReadOnlyMemory<byte>.Empty;
        var json = !body.IsEmpty && PayloadInspector.Inspect(body.Span, context.Options.MaxPayloadBytes, out _) == PayloadKind.Json
            ? Encoding.UTF8.GetString(body.Span)
            : null;
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var insert = context.Command(
            $"""
            INSERT INTO {s}.webhook_inbox (source, delivery_id, event_type, headers, payload, payload_raw, signature_valid, received_at, processed_at, error)
            VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7, $8, CASE WHEN $7 THEN NULL ELSE $8 END, $9)
            ON CONFLICT (source, delivery_id) WHERE delivery_id IS NOT NULL DO NOTHING
            RETURNING {Columns}
            """,
            connection))
        {
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = PostgresText.Clean(delivery.Source) });
            insert.Parameters.Add(Text(delivery.DeliveryId));
            insert.Parameters.Add(Text(delivery.EventType));
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = HeadersJson(delivery.Headers) });
            insert.Parameters.Add(Text(json));
            insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = body.ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = delivery.SignatureValid });
            insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = delivery.ReceivedAt });
            insert.Parameters.Add(Text(delivery.Error));
            await using var reader = await insert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return new WebhookInboxAddResult(Read(reader), Duplicate: false);
            }
        }

        await using var select = context.Command($"SELECT {Columns} FROM {s}.webhook_inbox WHERE source = $1 AND delivery_id = $2", connection);
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = PostgresText.Clean(delivery.Source) });
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = PostgresText.Clean(delivery.DeliveryId!) });
        await using var existing = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await existing.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new WebhookInboxAddResult(Read(existing), Duplicate: true)
            : throw new InvalidOperationException("The webhook delivery conflicted with an entry that no longer exists; try again.");
    }

    public async ValueTask SetJobAsync(long id, long jobId, CancellationToken cancellationToken)
    {
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = context.Command($"UPDATE {context.Schema}.webhook_inbox SET job_id = $2 WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = jobId });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask MarkProcessedAsync(long id, DateTimeOffset processedAt, string? error, CancellationToken cancellationToken)
    {
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = context.Command($"UPDATE {context.Schema}.webhook_inbox SET processed_at = $2, error = $3 WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = processedAt });
        command.Parameters.Add(Text(error));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<WebhookInboxEntry?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = context.Command($"SELECT {Columns} FROM {context.Schema}.webhook_inbox WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    public async ValueTask<IReadOnlyList<WebhookInboxEntry>> GetRecentAsync(string? source, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        await using var connection = await context.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = context.Command(
            $"SELECT {Columns} FROM {context.Schema}.webhook_inbox WHERE $1::text IS NULL OR source = $1 ORDER BY id DESC LIMIT $2", connection);
        command.Parameters.Add(Text(source));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var entries = new List<WebhookInboxEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(Read(reader));
        }

        return entries;
    }

    private static NpgsqlParameter Text(string? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)PostgresText.CleanOrNull(value) ?? DBNull.Value };

    private static string HeadersJson(IReadOnlyDictionary<string, string> headers)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in headers)
            {
                writer.WriteString(PostgresText.Clean(name), PostgresText.Clean(value));
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    private static WebhookInboxEntry Read(NpgsqlDataReader reader)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        using (var document = JsonDocument.Parse(reader.GetString(4)))
        {
            foreach (var property in document.RootElement.EnumerateObject())
            {
                headers[property.Name] = property.Value.GetString() ?? string.Empty;
            }
        }

        return new WebhookInboxEntry
        {
            Id = reader.GetInt64(0),
            Source = reader.GetString(1),
            DeliveryId = reader.IsDBNull(2) ? null : reader.GetString(2),
            EventType = reader.IsDBNull(3) ? null : reader.GetString(3),
            Headers = headers,
            Body = reader.IsDBNull(5) ? ReadOnlyMemory<byte>.Empty : reader.GetFieldValue<byte[]>(5),
            SignatureValid = !reader.IsDBNull(6) && reader.GetBoolean(6),
            ReceivedAt = reader.GetFieldValue<DateTimeOffset>(7),
            ProcessedAt = reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
            JobId = reader.IsDBNull(9) ? null : reader.GetInt64(9),
            Error = reader.IsDBNull(10) ? null : reader.GetString(10),
        };
    }
}
