namespace Ingestion.Conformance;

/// <summary>What an operator does with retries: see the keys that gave up, and make waiting keys due now.</summary>
public abstract partial class RawStoreConformance
{
    private Task RecordFailedRetryAsync(StreamId stream, string key, DateTimeOffset at, bool gaveUp, string error) =>
        Stores.RetryLog.RecordRetryAttemptAsync(new RetryAttempt
        {
            Stream = stream, Key = key, Attempt = 1, AttemptedAt = at, Succeeded = false, HttpStatusCode = 503,
            ErrorMessage = error, NextRetryAt = gaveUp ? null : at.AddHours(1), GaveUp = gaveUp,
        }, Cancel).AsTask();

    [Fact]
    public async Task Keys_whose_retries_gave_up_are_listed_with_their_last_error_most_recent_first()
    {
        await Raw.WriteBatchAsync(Batch(Items, T0, Partial("a", 503), Partial("b", 503), Partial("c", 503)), Cancel);
        await RecordFailedRetryAsync(Items, "a", T0.AddMinutes(1), gaveUp: true, "HTTP 503 on a");
        await RecordFailedRetryAsync(Items, "b", T0.AddMinutes(2), gaveUp: true, "HTTP 503 on b");
        await RecordFailedRetryAsync(Items, "c", T0.AddMinutes(3), gaveUp: false, "HTTP 503 on c");

        var givenUp = await Stores.RetryLog.GetRetriesGivenUpAsync(10, Cancel);

        Assert.Equal([("b", "HTTP 503 on b", 1), ("a", "HTTP 503 on a", 1)], givenUp.Select(key => (key.Key, key.ErrorMessage, key.RetryCount)));
        Assert.All(givenUp, key => Assert.Equal((Items, (DateTimeOffset?)null), (key.Stream, key.DueAt)));
        Assert.Single(await Stores.RetryLog.GetRetriesGivenUpAsync(1, Cancel));
    }

    [Fact]
    public async Task Retry_now_makes_one_waiting_key_or_all_of_a_streams_waiting_keys_due()
    {
        await Raw.WriteBatchAsync(Batch(Items, T0, Partial("a", 503), Partial("b", 503), Partial("gone", 503)), Cancel);
        await Raw.WriteBatchAsync(Batch(Other, T0, Partial("x", 503)), Cancel);
        foreach (var (stream, key) in new[] { (Items, "a"), (Items, "b"), (Other, "x") })
        {
            await RecordFailedRetryAsync(stream, key, T0.AddMinutes(1), gaveUp: false, "HTTP 503");
        }

        await RecordFailedRetryAsync(Items, "gone", T0.AddMinutes(1), gaveUp: true, "HTTP 503");
        var now = T0.AddMinutes(2);
        Assert.Empty(await Stores.RetryLog.GetRecordsNeedingRetryAsync(now, 10, Cancel));

        Assert.Equal(1, await Stores.RetryLog.MakeRetryDueAsync(Items, "a", now, Cancel));
        Assert.Equal(["a"], (await Stores.RetryLog.GetRecordsNeedingRetryAsync(now, 10, Cancel)).Select(candidate => candidate.Key));

        Assert.Equal(1, await Stores.RetryLog.MakeRetryDueAsync(Items, key: null, now, Cancel));
        Assert.Equal(["a", "b"], (await Stores.RetryLog.GetRecordsNeedingRetryAsync(now, 10, Cancel)).Select(candidate => candidate.Key).Order(StringComparer.Ordinal));
        Assert.Single(await Stores.RetryLog.GetRetriesGivenUpAsync(10, Cancel));
        Assert.Equal(0, await Stores.RetryLog.MakeRetryDueAsync(Items, "gone", now, Cancel));
    }
}
