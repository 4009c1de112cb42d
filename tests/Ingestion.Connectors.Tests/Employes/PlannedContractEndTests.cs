using System.Text;
using System.Text.Json;
using Ingestion.Connectors.Employes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Connectors.Tests.Employes;

/// <summary>A fixed-term contract's end shows as planned until its day, and becomes an ended contract when the day passes, without any change at Employes.</summary>
public sealed class PlannedContractEndTests
{
    private static readonly StreamId Employments = new(EmployesDefaults.SourceName, EmployesStreams.Employments);

    [Fact]
    public async Task A_planned_end_becomes_an_ended_contract_when_the_due_job_runs_after_its_day()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddIngestion(ingestion => ingestion.UseInMemoryStores().AddDeriver(new EmploymentTimelineDeriver()));
        await using var provider = services.BuildServiceProvider();
        var payload = Encoding.UTF8.GetBytes("""
            [ { "id": "a", "start_date": "2026-03-01T00:00:00",
                "contracts": [ { "id": "c1", "start_date": "2026-03-01T00:00:00", "contract_duration": "definite", "end_date": "2027-02-28T00:00:00" } ] } ]
            """);
        await provider.GetRequiredService<IRawStore>().WriteBatchAsync(
            new RawBatch { Stream = Employments, RunId = Guid.NewGuid(), FetchedAt = time.GetUtcNow(), Records = [new RawRecordWrite { Key = "e-1", Payload = payload, Hash = ContentHasher.ComputeRaw(payload) }] },
            ct);
        var deriver = provider.GetServices<IDeriver>().OfType<EmploymentTimelineDeriver>().Single();
        var derived = provider.GetRequiredService<IDerivedStore>();
        var context = new DerivationContext { RawStore = provider.GetRequiredService<IRawStore>(), TimeProvider = time };
        await derived.ReplaceAsync(deriver.Name, deriver.Version, "e-1", await deriver.DeriveAsync("e-1", context, ct), ct);
        var handler = provider.GetServices<IJobHandler>().Single(h => h.JobType == IngestionJobTypes.RederiveDue);
        var job = new ClaimedJob { Id = 1, JobType = IngestionJobTypes.RederiveDue, Payload = "{}", Attempt = 1, MaxAttempts = 3, LeaseToken = Guid.NewGuid(), LeaseExpiresAt = time.GetUtcNow().AddMinutes(5) };

        Assert.Equal(["contract_started", "contract_end_planned"], await KindsAsync(derived, deriver.Name, ct));
        Assert.Equal("""{"rederived":0}""", await handler.HandleAsync(job, ct));
        Assert.Equal(["contract_started", "contract_end_planned"], await KindsAsync(derived, deriver.Name, ct));

        time.SetUtcNow(new DateTimeOffset(2027, 2, 28, 0, 30, 0, TimeSpan.Zero));
        Assert.Equal("""{"rederived":1}""", await handler.HandleAsync(job, ct));
        Assert.Equal(["contract_started", "contract_ended"], await KindsAsync(derived, deriver.Name, ct));
        Assert.Equal("""{"rederived":0}""", await handler.HandleAsync(job, ct));
    }

    private static async Task<List<string>> KindsAsync(IDerivedStore store, string deriver, CancellationToken ct) =>
        [.. (await store.GetAsync(deriver, "e-1", ct)).Select(r => r.Record.Kind)];
}
