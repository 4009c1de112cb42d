using System.Globalization;
using System.Text;
using Ingestion.Connectors.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Connectors.Tests.Derivation;

/// <summary>
/// Replays a history of vendor data through the raw store and the engine's incremental derivation (derive jobs over each
/// step's changed and deleted keys, and the rederive-due job), then derives everything again from the raw store alone,
/// so a test can compare the two.
/// </summary>
internal sealed class DerivationHistory : IAsyncDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 6, 0, 0, TimeSpan.Zero);
    private readonly ServiceProvider? _provider;
    private readonly ConnectorHost? _host;
    private readonly Dictionary<StreamId, HashSet<string>> _present = [];
    private long _jobId;

    private DerivationHistory(IDeriver deriver, FakeTimeProvider time, ServiceProvider? provider, ConnectorHost? host)
    {
        Deriver = deriver;
        Time = time;
        _provider = provider;
        _host = host;
    }

    public IDeriver Deriver { get; }

    public FakeTimeProvider Time { get; }

    public IServiceProvider Services => (IServiceProvider?)_provider ?? _host!.Services;

    public IRawStore RawStore => Services.GetRequiredService<IRawStore>();

    /// <summary>Starts on the in-memory stores, or on a PostgreSQL database when <paramref name="connectionString"/> is given.</summary>
    public static async Task<DerivationHistory> StartAsync(IDeriver deriver, string? connectionString, CancellationToken cancellationToken)
    {
        var time = new FakeTimeProvider(Start);
        if (connectionString is null)
        {
            var services = new ServiceCollection();
            services.AddSingleton<TimeProvider>(time);
            services.AddIngestion(ingestion => ingestion.UseInMemoryStores().AddDeriver(deriver));
            return new DerivationHistory(deriver, time, services.BuildServiceProvider(), null);
        }

        var host = await ConnectorHost.StartAsync(connectionString, ingestion => ingestion.AddDeriver(deriver), time, cancellationToken: cancellationToken);
        return new DerivationHistory(deriver, time, null, host);
    }

    /// <summary>
    /// Writes one step: each stream's complete new content (key → JSON) as one batch, keys left out soft-deleted; then
    /// derives the changed and deleted keys as the engine does after a sync, and runs the rederive-due job.
    /// </summary>
    public async Task StepAsync(IReadOnlyDictionary<StreamId, IReadOnlyDictionary<string, string>> snapshot, CancellationToken cancellationToken)
    {
        Time.Advance(TimeSpan.FromHours(7));
        var at = Time.GetUtcNow();
        var handler = Services.GetServices<IJobHandler>().Single(h => h.JobType == IngestionJobTypes.Derive);
        foreach (var (stream, records) in snapshot)
        {
            var result = await RawStore.WriteBatchAsync(
                new RawBatch
                {
                    Stream = stream,
                    RunId = Guid.NewGuid(),
                    FetchedAt = at,
                    Records = [.. records.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => new RawRecordWrite
                    {
                        Key = r.Key,
                        Payload = Encoding.UTF8.GetBytes(r.Value),
                        Hash = ContentHasher.ComputeRaw(Encoding.UTF8.GetBytes(r.Value)),
                    })],
                },
                cancellationToken);
            await RawStore.MarkMissingDeletedAsync(stream, at, at, cancellationToken);
            var before = _present.TryGetValue(stream, out var keys) ? keys : [];
            var deleted = before.Where(key => !records.ContainsKey(key));
            _present[stream] = [.. records.Keys];
            var changed = result.ChangedKeys.Concat(deleted).Distinct(StringComparer.Ordinal).ToList();
            if (changed.Count > 0)
            {
                await handler.HandleAsync(Job(IngestionJobTypes.Derive, DerivePayload(stream, changed)), cancellationToken);
            }
        }

        var due = Services.GetServices<IJobHandler>().Single(h => h.JobType == IngestionJobTypes.RederiveDue);
        await due.HandleAsync(Job(IngestionJobTypes.RederiveDue, "{}"), cancellationToken);
    }

    /// <summary>The incremental output: every stored record, as comparable lines.</summary>
    public async Task<List<string>> IncrementalAsync(CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        await foreach (var stored in Services.GetRequiredService<IDerivedStore>().GetAllAsync(Deriver.Name, cancellationToken))
        {
            Assert.Equal(Deriver.Version, stored.DeriverVersion);
            lines.Add(Line(stored.InputKey, stored.Record));
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    /// <summary>A full rebuild: every input key of every latest record of the deriver's inputs, derived from the raw store.</summary>
    public async Task<List<string>> RebuildAsync(CancellationToken cancellationToken)
    {
        var context = new DerivationContext { RawStore = RawStore, TimeProvider = Time };
        var inputKeys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var stream in Deriver.Inputs)
        {
            await foreach (var record in RawStore.QueryLatestAsync(stream, null, cancellationToken))
            {
                if (!record.IsPartial && record.IsJson && Deriver.GetInputKey(stream, record.Key, record.Payload) is { } key)
                {
                    inputKeys.Add(key);
                }
            }
        }

        var lines = new List<string>();
        foreach (var key in inputKeys)
        {
            foreach (var record in await Deriver.DeriveAsync(key, context, cancellationToken))
            {
                lines.Add(Line(key, record));
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    public async ValueTask DisposeAsync()
    {
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }

        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    private static string Line(string inputKey, DerivedRecord record) =>
        string.Join(
            " | ",
            inputKey,
            record.Key,
            record.Kind,
            record.EffectiveAt?.ToString("O", CultureInfo.InvariantCulture) ?? "-",
            Canonical(System.Text.Json.JsonDocument.Parse(record.Payload).RootElement));

    // PostgreSQL keeps payloads as jsonb, which orders properties its own way: compare the content, not the spelling.
    private static string Canonical(System.Text.Json.JsonElement element) => element.ValueKind switch
    {
        System.Text.Json.JsonValueKind.Object => "{" + string.Join(',', element.EnumerateObject()
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => System.Text.Json.JsonSerializer.Serialize(p.Name) + ":" + Canonical(p.Value))) + "}",
        System.Text.Json.JsonValueKind.Array => "[" + string.Join(',', element.EnumerateArray().Select(Canonical)) + "]",
        System.Text.Json.JsonValueKind.String => System.Text.Json.JsonSerializer.Serialize(element.GetString()),
        _ => element.GetRawText(),
    };

    private static string DerivePayload(StreamId stream, IEnumerable<string> keys) =>
        System.Text.Json.JsonSerializer.Serialize(new { source = stream.Source, stream = stream.Stream, keys });

    private ClaimedJob Job(string type, string payload) => new()
    {
        Id = ++_jobId,
        JobType = type,
        Payload = payload,
        Attempt = 1,
        MaxAttempts = 1,
        LeaseToken = Guid.NewGuid(),
        LeaseExpiresAt = Time.GetUtcNow().AddMinutes(5),
    };
}
