using System.Runtime.CompilerServices;
using System.Text.Json;
using Ingestion.Storage.Internal;

namespace Ingestion.InMemory.Internal;

/// <summary>The in-memory raw store's retry log: partial records due for a retry and their attempts.</summary>
internal sealed partial class InMemoryRawStore
{
    public ValueTask<IReadOnlyList<RetryCandidate>> GetRecordsNeedingRetryAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        cancellationToken.ThrowIfCancellationRequested();
        var due = new List<(DateTimeOffset DueAt, RetryCandidate Candidate)>();
        lock (_gate)
        {
            foreach (var (stream, keys) in _streams)
            {
                foreach (var (key, state) in keys)
                {
                    if (state.RetryStatus == RetryStatus.Pending && state.NextRetryAt is { } dueAt && dueAt <= now)
                    {
                        due.Add((dueAt, Candidate(stream, key, state, dueAt)));
                    }
                }
            }
        }

        due.Sort(static (left, right) =>
        {
            var order = left.DueAt.CompareTo(right.DueAt);
            if (order == 0)
            {
                order = StreamOrder.Compare(left.Candidate.Stream, right.Candidate.Stream);
            }

            return order != 0 ? order : string.CompareOrdinal(left.Candidate.Key, right.Candidate.Key);
        });
        return ValueTask.FromResult<IReadOnlyList<RetryCandidate>>([.. due.Take(limit).Select(entry => entry.Candidate)]);
    }

    public ValueTask RecordRetryAttemptAsync(RetryAttempt attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        ArgumentNullException.ThrowIfNull(attempt.Key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_retryLog.TryGetValue((attempt.Stream, attempt.Key), out var log))
            {
                log = [];
                _retryLog[(attempt.Stream, attempt.Key)] = log;
            }

            log.Add(attempt);
            if (Keys(attempt.Stream, create: false) is { } keys && keys.TryGetValue(attempt.Key, out var state))
            {
                state.RetryCount = Math.Max(state.RetryCount, attempt.Attempt);
                state.LastRetryAt = attempt.AttemptedAt;
                if (attempt.Succeeded)
                {
                    state.RetrySucceededAt = attempt.AttemptedAt;
                    state.RetryStatus = RetryStatus.Succeeded;
                    state.NextRetryAt = null;
                }
                else
                {
                    if (attempt.GaveUp)
                    {
                        state.RetryStatus = RetryStatus.Failed;
                    }

                    state.NextRetryAt = attempt.GaveUp ? null : attempt.NextRetryAt;
                    state.HttpStatusCode = attempt.HttpStatusCode ?? state.HttpStatusCode;
                    state.ErrorMessage = attempt.ErrorMessage ?? state.ErrorMessage;
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<RetryAttempt>> GetRetryLogAsync(StreamId stream, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<RetryAttempt>>(_retryLog.TryGetValue((stream, key), out var log) ? [.. log] : []);
        }
    }

    private static RetryCandidate Candidate(StreamId stream, string key, KeyState state, DateTimeOffset? dueAt) => new()
    {
        Stream = stream,
        Key = key,
        RetryCount = state.RetryCount,
        LastRetryAt = state.LastRetryAt,
        RetryRequest = state.RetryRequest,
        ErrorMessage = state.ErrorMessage,
        HttpStatusCode = state.HttpStatusCode,
        DueAt = dueAt,
    };
}
