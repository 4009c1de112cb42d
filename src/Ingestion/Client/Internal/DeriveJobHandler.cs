using Ingestion.Queue.Internal;

namespace Ingestion.Client.Internal;

/// <summary>Runs <see cref="IngestionJobTypes.Derive"/> jobs: derives a batch of changed keys of one stream.</summary>
internal sealed class DeriveJobHandler(ChangedKeyDerivation derivation) : IJobHandler
{
    public string JobType => IngestionJobTypes.Derive;

    public async ValueTask<string?> HandleAsync(ClaimedJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        DeriveJobPayload payload;
        try
        {
            payload = DeriveJobPayload.Parse(job.Payload);
        }
        catch (FormatException ex)
        {
            throw new PermanentJobFailureException(ex.Message, ex);
        }

        var outcome = await derivation.DeriveAsync(payload.Stream, payload.Keys, "queued", cancellationToken).ConfigureAwait(false);
        if (outcome.Errors.Count > 0)
        {
            // Output is replaced per input key, so running the whole batch again is harmless.
            throw new InvalidOperationException(
                $"{outcome.Errors.Count} derivation(s) of {payload.Stream} failed: " + string.Join("; ", outcome.Errors.Take(5)));
        }

        return $$"""{"keys":{{payload.Keys.Count}},"derived":{{outcome.Derived.Count}},"skipped":{{outcome.Skipped.Count}}}""";
    }
}
