namespace Ingestion.InMemory.Internal;

/// <summary>What an operator does with retries: see the keys that gave up, and make waiting keys due now.</summary>
internal sealed partial class InMemoryRawStore
{
    public ValueTask<IReadOnlyList<RetryCandidate>> GetRetriesGivenUpAsync(int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        cancellationToken.ThrowIfCancellationRequested();
        var givenUp = new List<RetryCandidate>();
        lock (_gate)
        {
            foreach (var (stream, keys) in _streams)
            {
                foreach (var (key, state) in keys)
                {
                    if (state.RetryStatus == RetryStatus.Failed)
                    {
                        givenUp.Add(Candidate(stream, key, state, dueAt: null));
                    }
                }
            }
        }

        givenUp.Sort(static (left, right) =>
        {
            // Most recent attempt first; keys never retried (not retryable at all) last.
            var order = Nullable.Compare(right.LastRetryAt, left.LastRetryAt);
            if (order == 0)
            {
                order = StreamOrder.Compare(left.Stream, right.Stream);
            }

            return order != 0 ? order : string.CompareOrdinal(left.Key, right.Key);
        });
        return ValueTask.FromResult<IReadOnlyList<RetryCandidate>>([.. givenUp.Take(limit)]);
    }

    public ValueTask<int> MakeRetryDueAsync(StreamId stream, string? key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var made = 0;
        lock (_gate)
        {
            if (Keys(stream, create: false) is not { } keys)
            {
                return ValueTask.FromResult(0);
            }

            foreach (var (candidate, state) in keys)
            {
                if ((key is null || string.Equals(candidate, key, StringComparison.Ordinal))
                    && state.RetryStatus == RetryStatus.Pending
                    && state.NextRetryAt is { } dueAt && dueAt > now)
                {
                    state.NextRetryAt = now;
                    made++;
                }
            }
        }

        return ValueTask.FromResult(made);
    }
}
