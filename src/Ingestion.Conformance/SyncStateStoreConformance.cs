namespace Ingestion.Conformance;

/// <summary>The rules of <see cref="ISyncStateStore"/>: one state per stream, saved whole.</summary>
public abstract class SyncStateStoreConformance : StoreConformance
{
    private static readonly StreamId Employees = new("employes", "employees");

    [Fact]
    public async Task There_is_no_state_before_the_first_save()
    {
        Assert.Null(await Stores.SyncState.GetAsync(Employees, Cancel));
    }

    [Fact]
    public async Task A_saved_state_is_read_back_whole_and_a_later_save_replaces_it()
    {
        var state = new SyncState { Stream = Employees, Watermark = "w", Checkpoint = "c", LastGoodSnapshotCount = 42, LastGoodSnapshotAt = T0, UpdatedAt = T0 };
        await Stores.SyncState.SaveAsync(state, Cancel);
        Assert.Equal(state, await Stores.SyncState.GetAsync(Employees, Cancel));

        var next = new SyncState { Stream = Employees, Watermark = "w2", UpdatedAt = T0.AddHours(1) };
        await Stores.SyncState.SaveAsync(next, Cancel);
        Assert.Equal(next, await Stores.SyncState.GetAsync(Employees, Cancel));
    }

    [Fact]
    public async Task Streams_keep_their_own_state()
    {
        var other = new StreamId("employes", "contracts");
        await Stores.SyncState.SaveAsync(new SyncState { Stream = Employees, Watermark = "a", UpdatedAt = T0 }, Cancel);
        await Stores.SyncState.SaveAsync(new SyncState { Stream = other, Watermark = "b", UpdatedAt = T0 }, Cancel);

        Assert.Equal("a", (await Stores.SyncState.GetAsync(Employees, Cancel))!.Watermark);
        Assert.Equal("b", (await Stores.SyncState.GetAsync(other, Cancel))!.Watermark);
        Assert.Null(await Stores.SyncState.GetAsync(new StreamId("jibble", "employees"), Cancel));
    }
}
