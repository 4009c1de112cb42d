namespace Ingestion.Client.Internal;

/// <summary>
/// An interactive sync's changed keys, taken as its batches commit (<see cref="SyncOptions.OnChangedKeys"/>): the first ones, up
/// to the inline budget, are kept to be derived once the run ends; the rest are queued for derive jobs at once. The run then
/// holds no more keys than the budget, however many records it writes. Batches of concurrent child streams may arrive at once.
/// </summary>
internal sealed class InlineDerivationPlan(ChangedKeyDerivation derivation, int budget)
{
    private readonly Lock _gate = new();
    private readonly List<(StreamId Stream, List<string> Keys)> _inline = [];
    private readonly List<long> _jobIds = [];
    private int _budget = budget;
    private int _queued;

    public async ValueTask AcceptAsync(StreamId stream, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        if (!derivation.HasDerivers(stream))
        {
            return;
        }

        IReadOnlyList<string> rest;
        lock (_gate)
        {
            var take = Math.Min(_budget, keys.Count);
            if (take > 0)
            {
                var index = _inline.FindIndex(entry => entry.Stream == stream);
                if (index < 0)
                {
                    index = _inline.Count;
                    _inline.Add((stream, []));
                }

                _inline[index].Keys.AddRange(keys.Take(take));
                _budget -= take;
            }

            rest = take == 0 ? keys : [.. keys.Skip(take)];
        }

        await QueueAsync(stream, rest, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Derives the kept keys (a key whose inline derivation failed goes to the queue, which retries it) and sums up.</summary>
    public async Task<SyncNowResult> FinishAsync(IReadOnlyList<SyncReport> reports, CancellationToken cancellationToken)
    {
        var derived = 0;
        var skipped = 0;
        var errors = new List<string>();
        foreach (var (stream, keys) in _inline)
        {
            var outcome = await derivation.DeriveAsync(stream, keys, "inline", cancellationToken).ConfigureAwait(false);
            errors.AddRange(outcome.Errors);
            derived += outcome.Derived.Count;
            skipped += outcome.Skipped.Count;
            await QueueAsync(stream, outcome.Failed, cancellationToken).ConfigureAwait(false);
        }

        return new SyncNowResult
        {
            Mode = SyncNowMode.Interactive,
            Reports = reports,
            DerivedInline = derived,
            SkippedInline = skipped,
            QueuedForDerivation = _queued,
            DeriveJobIds = [.. _jobIds],
            DerivationErrors = errors,
        };
    }

    private async Task QueueAsync(StreamId stream, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 0)
        {
            return;
        }

        var ids = await derivation.EnqueueAsync(stream, keys, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _jobIds.AddRange(ids);
            _queued += keys.Count;
        }
    }
}
