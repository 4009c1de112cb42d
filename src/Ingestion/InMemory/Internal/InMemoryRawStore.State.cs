using System.Runtime.CompilerServices;
using System.Text.Json;
using Ingestion.Storage.Internal;

namespace Ingestion.InMemory.Internal;

/// <summary>The key state and stored versions the in-memory raw store keeps, and their conversion to records.</summary>
internal sealed partial class InMemoryRawStore
{
    private Dictionary<string, KeyState>? Keys(StreamId stream, bool create)
    {
        if (!_streams.TryGetValue(stream, out var keys) && create)
        {
            keys = new Dictionary<string, KeyState>(StringComparer.Ordinal);
            _streams[stream] = keys;
        }

        return keys;
    }

    private static RawRecord ToRecord(StreamId stream, string key, KeyState state, StoredVersion version) => new()
    {
        Stream = stream,
        Key = key,
        Version = version.Version,
        IsLatest = version.IsLatest,
        Payload = version.Payload,
        IsJson = version.IsJson,
        Hash = version.Hash,
        FirstSeenAt = state.FirstSeenAt,
        FetchedAt = version.FetchedAt,
        LastVerifiedAt = version.IsLatest ? state.LastVerifiedAt : version.SupersededVerifiedAt ?? version.FetchedAt,
        DeletedAt = state.DeletedAt,
        IsPartial = version.IsPartial,
        Issues = version.Issues,
        HttpStatusCode = version.HttpStatusCode,
        ErrorMessage = version.ErrorMessage,
        RunId = version.RunId,
    };

    private static async IAsyncEnumerable<RawRecord> Yield(List<RawRecord> records, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var record in records)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return record;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    private readonly record struct Inspection(bool IsJson, SyncIssue? Issue);

    private enum RetryStatus
    {
        None,
        Pending,
        Succeeded,
        Failed,

        // A later complete run no longer met the partial record: what it stood for arrived another way.
        Resolved,
    }

    /// <summary>The narrow per-key state (the PostgreSQL store's <c>record_keys</c>) and the key's versions.</summary>
    private sealed class KeyState
    {
        public required ContentHash Hash { get; set; }

        public required int LatestVersion { get; set; }

        public required bool LatestIsPartial { get; set; }

        public required DateTimeOffset FirstSeenAt { get; init; }

        public required DateTimeOffset LastSeenAt { get; set; }

        public required DateTimeOffset LastVerifiedAt { get; set; }

        public DateTimeOffset? DeletedAt { get; set; }

        public RetryStatus RetryStatus { get; set; }

        public string? RetryRequest { get; set; }

        public int RetryCount { get; set; }

        public DateTimeOffset? LastRetryAt { get; set; }

        public DateTimeOffset? NextRetryAt { get; set; }

        public DateTimeOffset? RetrySucceededAt { get; set; }

        public string? ErrorMessage { get; set; }

        public int? HttpStatusCode { get; set; }

        /// <summary>The stored versions in ascending order; retention may have removed old ones, so a version's index is not its number.</summary>
        public List<StoredVersion> Versions { get; } = [];

        /// <summary>The highest version; it is never removed, being the latest or above it.</summary>
        public int MaxVersion => Versions[^1].Version;

        public StoredVersion Latest
        {
            get
            {
                // The latest is the last version or close to it: search from the end.
                for (var index = Versions.Count - 1; index >= 0; index--)
                {
                    if (Versions[index].Version == LatestVersion)
                    {
                        return Versions[index];
                    }
                }

                throw new InvalidOperationException($"The latest version {LatestVersion} is missing.");
            }
        }
    }

    private sealed class StoredVersion
    {
        public required int Version { get; init; }

        public required bool IsLatest { get; set; }

        public required byte[] Payload { get; init; }

        public required bool IsJson { get; init; }

        public required ContentHash Hash { get; init; }

        public required DateTimeOffset FetchedAt { get; init; }

        public required Guid RunId { get; init; }

        public required bool IsPartial { get; init; }

        public required IReadOnlyList<SyncIssue> Issues { get; init; }

        public int? HttpStatusCode { get; init; }

        public string? ErrorMessage { get; init; }

        public DateTimeOffset? SupersededVerifiedAt { get; set; }

        /// <summary>
        /// The payload's top-level fields as text (a string by its value, JSON null as <see langword="null"/>, anything else by its
        /// JSON text), read once on the first field query so repeated queries do not parse the payload again;
        /// <see langword="null"/> when the payload is not a JSON object.
        /// </summary>
        public Dictionary<string, string?>? TopLevelFields()
        {
            if (_fields is null && !_notAnObject)
            {
                using var document = JsonDocument.Parse(Payload);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    _notAnObject = true;
                    return null;
                }

                var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    fields[property.Name] = property.Value.ValueKind switch
                    {
                        JsonValueKind.Null => null,
                        JsonValueKind.String => property.Value.GetString(),
                        _ => property.Value.GetRawText(),
                    };
                }

                _fields = fields;
            }

            return _fields;
        }

        private Dictionary<string, string?>? _fields;
        private bool _notAnObject;
    }
}
