using Ingestion.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Ingestion.Retry.Internal;

/// <summary>
/// Runs <see cref="IngestionJobTypes.RetryPartials"/> jobs: re-fetches partial records whose backoff has passed, stores what
/// comes back, and writes every attempt to the retry log. Permanent failures (401, 403, 404, bad body) are given up at once.
/// </summary>
internal sealed class RetryPartialsJobHandler(
    IServiceProvider services,
    ISourceCatalog catalog,
    IFetcher fetcher,
    IOptions<PartialRetryOptions> options,
    TimeProvider timeProvider,
    ILogger<RetryPartialsJobHandler>? logger = null) : IJobHandler
{
    private readonly ILogger _logger = logger ?? NullLogger<RetryPartialsJobHandler>.Instance;

    public string JobType => IngestionJobTypes.RetryPartials;

    public async ValueTask<string?> HandleAsync(ClaimedJob job, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var raw = services.GetRequiredService<IRawStore>();
        if (services.GetService<IRetryLog>() is not { } log)
        {
            // A store without a retry log keeps no retryable partial records: there is nothing to retry.
            return Result(retried: 0, succeeded: 0, failed: 0, gaveUp: 0);
        }

        var now = timeProvider.GetUtcNow();
        // A key never retried is listed from the time its fetch failed; it waits the first delay from then. Ask for more than
        // one run's worth so keys still waiting that delay do not crowd out keys that are due.
        var candidates = await log.GetRecordsNeedingRetryAsync(now, settings.MaxRecordsPerRun * 4, cancellationToken).ConfigureAwait(false);
        var due = candidates
            .Where(c => c.RetryCount > 0 || (c.DueAt ?? DateTimeOffset.MinValue) + settings.DelayBefore(1) <= now)
            .Take(settings.MaxRecordsPerRun)
            .ToList();

        int succeeded = 0, failed = 0, gaveUp = 0;
        foreach (var candidate in due)
        {
            var outcome = await RetryAsync(raw, log, candidate, settings, cancellationToken).ConfigureAwait(false);
            switch (outcome)
            {
                case "succeeded": succeeded++; break;
                case "failed": failed++; break;
                default: gaveUp++; break;
            }

            IngestionTelemetry.RecordRetries.Add(
                1,
                new KeyValuePair<string, object?>(IngestionTelemetry.SourceTag, candidate.Stream.Source),
                new KeyValuePair<string, object?>(IngestionTelemetry.StreamTag, candidate.Stream.Stream),
                new KeyValuePair<string, object?>(IngestionTelemetry.OutcomeTag, outcome));
        }

        return Result(due.Count, succeeded, failed, gaveUp);
    }

    private async Task<string> RetryAsync(IRawStore raw, IRetryLog log, RetryCandidate candidate, PartialRetryOptions settings, CancellationToken cancellationToken)
    {
        var attempt = candidate.RetryCount + 1;
        var attemptedAt = timeProvider.GetUtcNow();
        var source = catalog.Find(candidate.Stream.Source);
        var stream = source?.Streams.FirstOrDefault(s => s.Name == candidate.Stream.Stream);
        PageRequest? request = null;
        string? unfetchable = null;
        if (source is null || stream is null)
        {
            unfetchable = $"The stream {candidate.Stream} is no longer registered.";
        }
        else if (candidate.RetryRequest is null)
        {
            unfetchable = "The record has no stored request to fetch it again.";
        }
        else
        {
            try
            {
                request = PageRequest.FromCheckpoint(candidate.RetryRequest);
            }
            catch (FormatException ex)
            {
                unfetchable = ex.Message;
            }
        }

        if (unfetchable is not null)
        {
            await GiveUpAsync(log, candidate, attempt, attemptedAt, null, unfetchable, cancellationToken).ConfigureAwait(false);
            return "gave_up";
        }

        var (failure, stored) = await FetchAndStoreAsync(raw, source!, stream!, candidate, request!, attemptedAt, cancellationToken).ConfigureAwait(false);
        if (failure is null)
        {
            await log.RecordRetryAttemptAsync(
                new RetryAttempt { Stream = candidate.Stream, Key = candidate.Key, Attempt = attempt, AttemptedAt = attemptedAt, Succeeded = true, HttpStatusCode = 200 },
                cancellationToken).ConfigureAwait(false);
            RetryLog.Succeeded(_logger, attempt, candidate.Key, candidate.Stream, stored);
            return "succeeded";
        }

        var error = $"{failure.Status}{(failure.HttpStatusCode is { } code ? " (HTTP " + code + ")" : string.Empty)}{(failure.Error is { } text ? ": " + text : string.Empty)}";
        if (!failure.IsRetryable)
        {
            await GiveUpAsync(log, candidate, attempt, attemptedAt, failure.HttpStatusCode, "Permanent failure, not retried: " + error, cancellationToken).ConfigureAwait(false);
            return "permanent";
        }

        if (attempt >= settings.MaxRetries)
        {
            await GiveUpAsync(log, candidate, attempt, attemptedAt, failure.HttpStatusCode, $"Failed after {attempt} retries: {error}", cancellationToken).ConfigureAwait(false);
            return "gave_up";
        }

        var next = attemptedAt + settings.DelayBefore(attempt + 1);
        await log.RecordRetryAttemptAsync(
            new RetryAttempt
            {
                Stream = candidate.Stream,
                Key = candidate.Key,
                Attempt = attempt,
                AttemptedAt = attemptedAt,
                Succeeded = false,
                HttpStatusCode = failure.HttpStatusCode,
                ErrorMessage = error,
                NextRetryAt = next,
            },
            cancellationToken).ConfigureAwait(false);
        RetryLog.Failed(_logger, attempt, candidate.Key, candidate.Stream, error, next);
        return "failed";
    }

    /// <summary>Fetches the failed page (or, for a child stream's parent, every page of it) and stores the records. Returns the failed outcome, if any.</summary>
    private async Task<(FetchOutcome? Failure, int Stored)> FetchAndStoreAsync(
        IRawStore raw, SourceDefinition source, StreamDefinition stream, RetryCandidate candidate, PageRequest request, DateTimeOffset fetchedAt, CancellationToken cancellationToken)
    {
        var isPage = candidate.Key.StartsWith("page:", StringComparison.Ordinal);
        var hasher = stream.IgnoredPaths.Count == 0 ? ContentHasher.Default.WithAlgorithm(raw.HashAlgorithm) : new ContentHasher(raw.HashAlgorithm, stream.IgnoredPaths);
        var runId = Guid.NewGuid();
        var stored = 0;
        var fetch = new FetchRequest { Source = source, Stream = stream, FirstRequest = request, ParentKey = isPage ? null : candidate.Key };
        await foreach (var page in fetcher.FetchAsync(fetch, cancellationToken).ConfigureAwait(false))
        {
            if (page.Outcome.Status != FetchStatus.Success)
            {
                return (page.Outcome, stored);
            }

            var writes = new Dictionary<string, RawRecordWrite>(page.Records.Count, StringComparer.Ordinal);
            foreach (var record in page.Records)
            {
                writes[record.Key] = new RawRecordWrite { Key = record.Key, Payload = record.Payload, Hash = hasher.Compute(record.Payload.Span) };
            }

            if (writes.Count > 0)
            {
                await raw.WriteBatchAsync(new RawBatch { Stream = candidate.Stream, RunId = runId, FetchedAt = fetchedAt, Records = [.. writes.Values], Hasher = hasher }, cancellationToken).ConfigureAwait(false);
                stored += writes.Count;
            }

            if (isPage)
            {
                // The partial record stands for this one page; the pages after it were fetched by the run or its successors.
                break;
            }
        }

        return (null, stored);
    }

    private async Task GiveUpAsync(IRetryLog log, RetryCandidate candidate, int attempt, DateTimeOffset attemptedAt, int? httpStatusCode, string error, CancellationToken cancellationToken)
    {
        await log.RecordRetryAttemptAsync(
            new RetryAttempt
            {
                Stream = candidate.Stream,
                Key = candidate.Key,
                Attempt = attempt,
                AttemptedAt = attemptedAt,
                Succeeded = false,
                HttpStatusCode = httpStatusCode,
                ErrorMessage = error,
                GaveUp = true,
            },
            cancellationToken).ConfigureAwait(false);
        RetryLog.GaveUp(_logger, candidate.Key, candidate.Stream, attempt, error);
    }

    private static string Result(int retried, int succeeded, int failed, int gaveUp) =>
        $$"""{"retried":{{retried}},"succeeded":{{succeeded}},"failed":{{failed}},"gaveUp":{{gaveUp}}}""";
}
