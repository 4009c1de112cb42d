namespace Ingestion.Conformance;

/// <summary>Any key is storable, however long: a failed page's key is its URL, and an OData filter can make that huge.</summary>
public abstract partial class RawStoreConformance
{
    // 100 KB of a filter listing ids, unlike any other key (so nothing can share a prefix with it by chance).
    private static readonly string HugeKey = "page:/items?$filter=" + string.Join(" or ", Enumerable.Range(0, 7_000).Select(i => $"id eq {i:D5}"));

    [Fact]
    public async Task A_partial_record_with_a_100_KB_key_is_stored_read_back_and_retried()
    {
        Assert.True(HugeKey.Length > 100_000);
        var result = await Raw.WriteBatchAsync(Batch(Items, T0, Partial(HugeKey, 414), Record("short", """{"v":1}""")), Cancel);
        Assert.Equal((1, 1), (result.New, result.Partial));

        var latest = await Raw.GetLatestAsync(Items, HugeKey, Cancel);
        Assert.NotNull(latest);
        Assert.Equal(HugeKey, latest.Key);
        Assert.True(latest.IsPartial);
        Assert.Contains(HugeKey, (await ToListAsync(Raw.QueryLatestAsync(Items, new RawRecordQuery { IncludeDeleted = true }, Cancel))).Select(record => record.Key));

        var candidate = Assert.Single(await Stores.RetryLog.GetRecordsNeedingRetryAsync(T0, 10, Cancel));
        Assert.Equal(HugeKey, candidate.Key);
        await Stores.RetryLog.RecordRetryAttemptAsync(new RetryAttempt
        {
            Stream = Items, Key = HugeKey, Attempt = 1, AttemptedAt = T0.AddMinutes(1), Succeeded = false,
            HttpStatusCode = 414, ErrorMessage = "HTTP 414", NextRetryAt = T0.AddMinutes(10),
        }, Cancel);
        Assert.Equal(1, Assert.Single(await Stores.RetryLog.GetRetryLogAsync(Items, HugeKey, Cancel)).Attempt);
        Assert.Equal(1, Assert.Single(await Stores.RetryLog.GetRecordsNeedingRetryAsync(T0.AddMinutes(10), 10, Cancel)).RetryCount);

        // The retry fetched it: a complete version replaces the partial one, and the same content again is unchanged.
        var fetched = await Raw.WriteBatchAsync(Batch(Items, T0.AddMinutes(11), Record(HugeKey, """{"v":2}""")), Cancel);
        var again = await Raw.WriteBatchAsync(Batch(Items, T0.AddMinutes(12), Record(HugeKey, """{"v":2}""")), Cancel);
        Assert.Equal([HugeKey], fetched.ChangedKeys);
        Assert.Equal(1, again.Unchanged);
        Assert.Equal([1, 2], (await ToListAsync(Raw.GetHistoryAsync(Items, HugeKey, Cancel))).Select(version => version.Version));
    }

    [Fact]
    public async Task Long_keys_that_differ_only_at_the_end_are_two_records()
    {
        var first = HugeKey + "1";
        var second = HugeKey + "2";
        await Raw.WriteBatchAsync(Batch(Items, T0, Record(first, """{"v":1}"""), Record(second, """{"v":2}""")), Cancel);

        AssertJson("""{"v":1}""", (await Raw.GetLatestAsync(Items, first, Cancel))!.Payload);
        AssertJson("""{"v":2}""", (await Raw.GetLatestAsync(Items, second, Cancel))!.Payload);
        Assert.Null(await Raw.GetLatestAsync(Items, HugeKey, Cancel));
        Assert.Equal(2L, await Raw.CountLatestAsync(Items, Cancel));
    }

    [Fact]
    public async Task Keys_that_look_like_a_stored_digest_are_ordinary_keys()
    {
        const string lookalike = "~sha256:0000000000000000000000000000000000000000000000000000000000000000";
        await Raw.WriteBatchAsync(Batch(Items, T0, Record(lookalike, """{"v":1}"""), Record("~sha256:", """{"v":2}""")), Cancel);

        Assert.Equal(lookalike, (await Raw.GetLatestAsync(Items, lookalike, Cancel))!.Key);
        Assert.Equal(["~sha256:", lookalike], (await ToListAsync(Raw.QueryLatestAsync(Items, null, Cancel))).Select(record => record.Key).Order(StringComparer.Ordinal));
    }
}
