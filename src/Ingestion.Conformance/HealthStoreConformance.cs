namespace Ingestion.Conformance;

/// <summary>The rules of <see cref="IHealthStore"/>: one health record per stream, saved whole, listed by source then stream.</summary>
public abstract class HealthStoreConformance : StoreConformance
{
    private static readonly StreamId Employees = new("employes", "employees");

    [Fact]
    public async Task There_is_no_health_before_the_first_save()
    {
        Assert.Null(await Stores.Health.GetAsync(Employees, Cancel));
        Assert.Empty(await Stores.Health.GetAllAsync(Cancel));
    }

    [Fact]
    public async Task A_saved_health_record_is_read_back_whole_and_a_later_save_replaces_it()
    {
        var degraded = new StreamHealth
        {
            Stream = Employees, Status = StreamHealthStatus.Degraded, ConsecutiveFailures = 1, ItemCount = 42, LastCheckAt = T0,
            LastSuccessAt = T0.AddDays(-1), LastFailureAt = T0, LastError = "HTTP 503", Reason = "snapshot guard tripped",
        };
        await Stores.Health.SaveAsync(degraded, Cancel);
        Assert.Equal(degraded, await Stores.Health.GetAsync(Employees, Cancel));

        var healthy = new StreamHealth { Stream = Employees, Status = StreamHealthStatus.Healthy, ItemCount = 43, LastCheckAt = T0.AddHours(1), LastSuccessAt = T0.AddHours(1) };
        await Stores.Health.SaveAsync(healthy, Cancel);
        Assert.Equal(healthy, await Stores.Health.GetAsync(Employees, Cancel));
        Assert.Single(await Stores.Health.GetAllAsync(Cancel));
    }

    [Fact]
    public async Task All_health_records_are_listed_by_source_then_stream()
    {
        foreach (var stream in new[] { new StreamId("jibble", "people"), new StreamId("employes", "employees"), new StreamId("employes", "contracts"), new StreamId("Finale", "orders") })
        {
            await Stores.Health.SaveAsync(new StreamHealth { Stream = stream, Status = StreamHealthStatus.Healthy }, Cancel);
        }

        var all = await Stores.Health.GetAllAsync(Cancel);
        Assert.Equal(["Finale/orders", "employes/contracts", "employes/employees", "jibble/people"], all.Select(health => health.Stream.ToString()));
    }
}
