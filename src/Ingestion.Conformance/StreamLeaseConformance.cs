namespace Ingestion.Conformance;

/// <summary>
/// The rules of <see cref="IStreamLeases"/>: one holder per stream until its lease expires; only the holder renews or releases;
/// an expired lease is free to take; streams are independent; the raw store writes a batch that requires its run's lease
/// (<see cref="RawBatch.RequiresLease"/>) only while the run holds it.
/// </summary>
public abstract class StreamLeaseConformance : StoreConformance
{
    private static readonly StreamId Items = new("vendor", "items");
    private static readonly StreamId Orders = new("vendor", "orders");
    private static readonly TimeSpan Duration = TimeSpan.FromMinutes(2);

    private IStreamLeases Leases => Stores.Leases ?? throw new InvalidOperationException("StoreSet.Leases is not set.");

    private StreamLease Request(StreamId stream, string holder) => new(stream, Guid.NewGuid(), holder, Time.GetUtcNow(), Time.GetUtcNow() + Duration);

    [Fact]
    public async Task A_held_stream_is_refused_to_another_run_and_the_answer_names_the_holder()
    {
        var first = Request(Items, "host-a/1");
        var taken = await Leases.TryAcquireAsync(first, Cancel);
        var refused = await Leases.TryAcquireAsync(Request(Items, "host-b/2"), Cancel);
        var otherStream = Request(Orders, "host-b/2");

        Assert.Equal(first, taken);
        Assert.Equal(first.RunId, refused.RunId);
        Assert.Equal("host-a/1", refused.Holder);
        Assert.Equal(first.ExpiresAt, refused.ExpiresAt);
        Assert.Equal(otherStream.RunId, (await Leases.TryAcquireAsync(otherStream, Cancel)).RunId);
        Assert.Equal(first.RunId, (await Leases.TryAcquireAsync(first, Cancel)).RunId);
    }

    [Fact]
    public async Task An_expired_lease_is_taken_over_and_its_old_holder_can_no_longer_renew_or_release_it()
    {
        var dead = Request(Items, "host-a/1");
        await Leases.TryAcquireAsync(dead, Cancel);
        Time.Advance(Duration - TimeSpan.FromSeconds(1));
        var tooEarly = await Leases.TryAcquireAsync(Request(Items, "host-b/2"), Cancel);
        Time.Advance(TimeSpan.FromSeconds(1));
        var successor = Request(Items, "host-b/2");
        var taken = await Leases.TryAcquireAsync(successor, Cancel);

        Assert.Equal(dead.RunId, tooEarly.RunId);
        Assert.Equal(successor.RunId, taken.RunId);
        Assert.False(await Leases.RenewAsync(Items, dead.RunId, Time.GetUtcNow() + Duration, Cancel));
        await Leases.ReleaseAsync(Items, dead.RunId, Cancel);
        Assert.Equal(successor.RunId, (await Leases.TryAcquireAsync(Request(Items, "host-c/3"), Cancel)).RunId);
    }

    [Fact]
    public async Task A_renewed_lease_outlives_its_first_expiry_and_a_released_one_is_free_at_once()
    {
        var holder = Request(Items, "host-a/1");
        await Leases.TryAcquireAsync(holder, Cancel);
        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await Leases.RenewAsync(Items, holder.RunId, Time.GetUtcNow() + Duration, Cancel));
        Time.Advance(TimeSpan.FromMinutes(1.5));
        var whileRenewed = await Leases.TryAcquireAsync(Request(Items, "host-b/2"), Cancel);

        await Leases.ReleaseAsync(Items, holder.RunId, Cancel);
        var next = Request(Items, "host-b/2");
        var afterRelease = await Leases.TryAcquireAsync(next, Cancel);

        Assert.Equal(holder.RunId, whileRenewed.RunId);
        Assert.Equal(next.RunId, afterRelease.RunId);
        Assert.False(await Leases.RenewAsync(Orders, holder.RunId, Time.GetUtcNow() + Duration, Cancel));
    }

    [Fact]
    public async Task Of_many_runs_asking_for_one_free_stream_at_once_exactly_one_takes_it()
    {
        var requests = Enumerable.Range(0, 8).Select(i => Request(Items, $"host-{i}/1")).ToList();
        var answers = await Task.WhenAll(requests.Select(request => Task.Run(async () => await Leases.TryAcquireAsync(request, Cancel), Cancel)));

        var winners = requests.Where((request, i) => answers[i].RunId == request.RunId).ToList();
        var winner = Assert.Single(winners);
        Assert.All(answers, answer => Assert.Equal(winner.RunId, answer.RunId));
        Assert.Equal(winner.RunId, (await Leases.TryAcquireAsync(Request(Items, "late/1"), Cancel)).RunId);
    }

    [Fact]
    public async Task A_batch_that_requires_the_lease_commits_while_its_run_holds_it_and_nothing_of_it_once_another_run_took_it()
    {
        var dead = Request(Items, "host-a/1");
        await Leases.TryAcquireAsync(dead, Cancel);
        await Stores.Raw.WriteBatchAsync(LeasedBatch(dead.RunId, "a", checkpoint: "page-2"), Cancel);
        Time.Advance(Duration);
        var successor = Request(Items, "host-b/2");
        await Leases.TryAcquireAsync(successor, Cancel);

        var refused = await Assert.ThrowsAsync<StreamLeaseLostException>(async () => await Stores.Raw.WriteBatchAsync(LeasedBatch(dead.RunId, "b", checkpoint: "page-3"), Cancel));
        await Stores.Raw.WriteBatchAsync(LeasedBatch(successor.RunId, "c", checkpoint: "page-9"), Cancel);

        Assert.Contains(successor.RunId.ToString(), refused.Message, StringComparison.Ordinal);
        Assert.NotNull(await Stores.Raw.GetLatestAsync(Items, "a", Cancel));
        Assert.Null(await Stores.Raw.GetLatestAsync(Items, "b", Cancel));
        Assert.NotNull(await Stores.Raw.GetLatestAsync(Items, "c", Cancel));
        Assert.Equal("page-9", (await Stores.SyncState.GetAsync(Items, Cancel))!.Checkpoint);
    }

    private RawBatch LeasedBatch(Guid runId, string key, string checkpoint) => new()
    {
        Stream = Items,
        RunId = runId,
        FetchedAt = Time.GetUtcNow(),
        Records = [Record(key, $$"""{"id":"{{key}}"}""")],
        State = new SyncState { Stream = Items, Checkpoint = checkpoint, UpdatedAt = Time.GetUtcNow() },
        RequiresLease = true,
    };
}
