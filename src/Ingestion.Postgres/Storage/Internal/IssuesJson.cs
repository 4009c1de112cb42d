using System.Buffers;
using System.Text.Json;

using Ingestion.Postgres.Internal;

namespace Ingestion.Postgres.Storage.Internal;

/// <summary>Issues as a JSON array (<c>collection_issues</c>, <c>runs.issues</c>): <c>[{"kind":"InvalidJson","message":"…","key":"…","httpStatusCode":500}]</c>.</summary>
internal static class IssuesJson
{
    public static byte[]? Write(IReadOnlyList<SyncIssue> issues, SyncIssue? extra = null)
    {
        if (issues.Count == 0 && extra is null)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var issue in issues)
            {
                WriteIssue(writer, issue);
            }

            if (extra is not null)
            {
                WriteIssue(writer, extra);
            }

            writer.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static IReadOnlyList<SyncIssue> Read(ReadOnlySpan<byte> json)
    {
        if (json.IsEmpty)
        {
            return [];
        }

        var issues = new List<SyncIssue>();
        var reader = new Utf8JsonReader(json);
        var kind = IssueKind.Other;
        var message = string.Empty;
        string? key = null;
        int? status = null;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    kind = IssueKind.Other;
                    message = string.Empty;
                    key = null;
                    status = null;
                    break;
                case JsonTokenType.EndObject:
                    issues.Add(new SyncIssue(kind, message, key, status));
                    break;
                case JsonTokenType.PropertyName:
                    var name = reader.GetString();
                    reader.Read();
                    switch (name)
                    {
                        case "kind":
                            kind = Enum.TryParse<IssueKind>(reader.GetString(), out var parsed) ? parsed : IssueKind.Other;
                            break;
                        case "message":
                            message = reader.GetString() ?? string.Empty;
                            break;
                        case "key":
                            key = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
                            break;
                        case "httpStatusCode":
                            status = reader.TokenType == JsonTokenType.Null ? null : reader.GetInt32();
                            break;
                        default:
                            reader.Skip();
                            break;
                    }

                    break;
            }
        }

        return issues;
    }

    private static void WriteIssue(Utf8JsonWriter writer, SyncIssue issue)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", issue.Kind.ToString());
        writer.WriteString("message", PostgresText.Clean(issue.Message));
        if (issue.Key is not null)
        {
            writer.WriteString("key", PostgresText.Clean(issue.Key));
        }

        if (issue.HttpStatusCode is { } status)
        {
            writer.WriteNumber("httpStatusCode", status);
        }

        writer.WriteEndObject();
    }
}
