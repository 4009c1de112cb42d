using Ingestion.Queue.Internal;
using Ingestion.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ingestion.Client.Internal;

/// <summary>
/// Runs the registered derivers over changed record keys, inline or through <see cref="IngestionJobTypes.Derive"/> jobs.
/// A record key maps to a deriver's input key with <see cref="IDeriver.GetInputKey"/>; each input key's output is replaced
/// whole, so deriving a key twice is harmless.
/// </summary>
internal sealed class ChangedKeyDerivation(IServiceProvider services, IEnumerable<IDeriver> derivers, IOptions<IngestionClientOptions> options, TimeProvider timeProvider)
{
    private readonly IDeriver[] _derivers = [.. derivers];

    public IngestionClientOptions Options => options.Value;

    /// <summary>Whether any deriver takes <paramref name="stream"/> as input.</summary>
    public bool HasDerivers(StreamId stream) => _derivers.Any(d => d.Inputs.Contains(stream));

    /// <summary>Derives the given record keys of one stream with every deriver that takes it as input.</summary>
    /// <returns>
    /// Which keys were derived, which no deriver could take, and which failed (with messages naming deriver and key); a
    /// failed key's other derivers still ran.
    /// </returns>
    public async Task<DerivationOutcome> DeriveAsync(StreamId stream, IReadOnlyList<string> keys, string mode, CancellationToken cancellationToken)
    {
        var relevant = _derivers.Where(d => d.Inputs.Contains(stream)).ToArray();
        if (relevant.Length == 0 || keys.Count == 0)
        {
            return new DerivationOutcome { Skipped = keys };
        }

        var raw = services.GetRequiredService<IRawStore>();
        var derived = services.GetRequiredService<IDerivedStore>();
        var context = new DerivationContext { RawStore = raw, TimeProvider = timeProvider };
        // Every readable version of a changed key, latest first: an edit can move a record to another input key (an entry moved
        // to another day), and the input key its earlier versions fed must be derived again too, or it keeps output built on
        // the record. A partial or non-JSON version has nothing a deriver can read; a key with no readable version is skipped.
        var records = new List<RawRecord>(keys.Count);
        foreach (var key in keys)
        {
            await foreach (var version in raw.GetHistoryAsync(stream, key, cancellationToken).ConfigureAwait(false))
            {
                if (version is { IsPartial: false, IsJson: true })
                {
                    records.Add(version);
                }
            }
        }

        var errors = new List<string>();
        var failed = new HashSet<string>(StringComparer.Ordinal);
        var mapped = new HashSet<string>(StringComparer.Ordinal);
        foreach (var deriver in relevant)
        {
            // Several record keys (employments) can map to one input key (the employee): derive each input key once, and
            // count its outcome for every record key that maps to it.
            var inputKeys = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            void Map(string inputKey, string recordKey)
            {
                mapped.Add(recordKey);
                if (!inputKeys.TryGetValue(inputKey, out var recordKeys))
                {
                    inputKeys[inputKey] = recordKeys = [];
                }

                if (!recordKeys.Contains(recordKey))
                {
                    recordKeys.Add(recordKey);
                }
            }

            if (deriver is ILookupDeriver lookup)
            {
                // A lookup deriver sees all versions of a key at once and names every input key the change reaches.
                foreach (var versions in records.GroupBy(record => record.Key, StringComparer.Ordinal))
                {
                    try
                    {
                        var latestFirst = versions.OrderByDescending(record => record.Version).ToList();
                        foreach (var inputKey in await lookup.GetInputKeysAsync(stream, versions.Key, latestFirst, context, cancellationToken).ConfigureAwait(false))
                        {
                            Map(inputKey, versions.Key);
                        }
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        failed.Add(versions.Key);
                        errors.Add($"Deriver '{deriver.Name}' could not map key '{versions.Key}' of {stream}: {ex.Message}");
                    }
                }
            }
            else
            {
                foreach (var record in records)
                {
                    try
                    {
                        if (deriver.GetInputKey(stream, record.Key, record.Payload) is { } inputKey)
                        {
                            Map(inputKey, record.Key);
                        }
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        failed.Add(record.Key);
                        errors.Add($"Deriver '{deriver.Name}' could not map key '{record.Key}' of {stream}: {ex.Message}");
                    }
                }
            }

            foreach (var (inputKey, recordKeys) in inputKeys)
            {
                try
                {
                    var output = await deriver.DeriveAsync(inputKey, context, cancellationToken).ConfigureAwait(false);
                    await derived.ReplaceAsync(deriver.Name, deriver.Version, inputKey, output, cancellationToken).ConfigureAwait(false);
                    IngestionTelemetry.DerivedKeys.Add(
                        1,
                        new KeyValuePair<string, object?>(IngestionTelemetry.DeriverTag, deriver.Name),
                        new KeyValuePair<string, object?>(IngestionTelemetry.ModeTag, mode));
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    failed.UnionWith(recordKeys);
                    errors.Add($"Deriver '{deriver.Name}' failed for input key '{inputKey}' of {stream}: {ex.Message}");
                }
            }
        }

        return new DerivationOutcome
        {
            Derived = [.. keys.Where(key => mapped.Contains(key) && !failed.Contains(key)).Distinct(StringComparer.Ordinal)],
            Skipped = [.. keys.Where(key => !mapped.Contains(key) && !failed.Contains(key)).Distinct(StringComparer.Ordinal)],
            Failed = [.. keys.Where(failed.Contains).Distinct(StringComparer.Ordinal)],
            Errors = errors,
        };
    }

    /// <summary>Enqueues derive jobs for record keys of one stream, in batches of <see cref="IngestionClientOptions.DeriveBatchSize"/>.</summary>
    public async Task<IReadOnlyList<long>> EnqueueAsync(StreamId stream, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 0 || !HasDerivers(stream))
        {
            return [];
        }

        var settings = options.Value;
        var jobs = new List<JobRequest>();
        foreach (var chunk in keys.Chunk(settings.DeriveBatchSize))
        {
            jobs.Add(new JobRequest
            {
                JobType = IngestionJobTypes.Derive,
                Payload = new DeriveJobPayload { Stream = stream, Keys = chunk }.ToJson(),
                Priority = settings.DerivePriority,
                MaxAttempts = settings.DeriveMaxAttempts,
            });
        }

        var queue = services.GetService<IJobQueue>()
            ?? throw new InvalidOperationException("No IJobQueue is registered, so derivation cannot be queued: call UsePostgres(...) or register a job queue.");
        var results = await queue.EnqueueManyAsync(jobs, cancellationToken).ConfigureAwait(false);
        return [.. results.Select(r => r.JobId)];
    }
}

/// <summary>What deriving a set of changed record keys did, key by key.</summary>
internal sealed record DerivationOutcome
{
    /// <summary>Keys that at least one deriver mapped to an input and derived, with no deriver failing for them.</summary>
    public IReadOnlyList<string> Derived { get; init; } = [];

    /// <summary>
    /// Keys no deriver took: the latest version is missing, partial or not JSON, or no deriver maps the key to an input.
    /// Deriving them again would skip them again, so they are neither derived nor queued.
    /// </summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];

    /// <summary>Keys a deriver failed to map or derive; worth another try.</summary>
    public IReadOnlyList<string> Failed { get; init; } = [];

    /// <summary>The failures, as messages naming the deriver and the key.</summary>
    public IReadOnlyList<string> Errors { get; init; } = [];
}
