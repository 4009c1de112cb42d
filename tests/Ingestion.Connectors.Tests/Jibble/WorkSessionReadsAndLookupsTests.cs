using System.Globalization;
using System.Text;
using System.Text.Json;
using Ingestion.Connectors.Jibble;
using Ingestion.Connectors.Tests.Derivation;
using Ingestion.Connectors.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Ingestion.Connectors.Tests.Jibble;

/// <summary>
/// A person's day is derived from that day and its neighbours alone; names in sessions follow People and Groups; entries
/// whose status means they no longer count are left out.
/// </summary>
public sealed class WorkSessionReadsAndLookupsTests
{
    private const string Ana = "7e3b2c10-4a6f-4d21-9b8e-2f1a0c9d5e44";
    private static readonly DateOnly FirstDay = new(2026, 1, 1);
    private static readonly StreamId Entries = new(JibbleOptions.DefaultName, JibbleStreams.TimeEntries);
    private static readonly StreamId People = new(JibbleOptions.DefaultName, JibbleStreams.People);
    private static readonly StreamId Groups = new(JibbleOptions.DefaultName, JibbleStreams.Groups);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_day_is_read_with_its_neighbours_and_not_the_persons_whole_history()
    {
        await using var provider = InMemory();
        var store = new CountingRawStore(provider.GetRequiredService<IRawStore>());
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var d = 0; d < 60; d++)
        {
            var day = FirstDay.AddDays(d);
            entries[$"in-{d}"] = Entry($"in-{d}", day, "In", day.ToDateTime(new TimeOnly(8, 0)));
            entries[$"out-{d}"] = Entry($"out-{d}", day, "Out", day.ToDateTime(new TimeOnly(16, 0)));
        }

        await store.WriteBatchAsync(Batch(Entries, entries), Cancel);
        var deriver = new WorkSessionDeriver();

        var sessions = await deriver.DeriveAsync(WorkSessionDeriver.InputKeyFor(Ana, FirstDay.AddDays(30)), new DerivationContext { RawStore = store, TimeProvider = TimeProvider.System }, Cancel);

        var session = JsonDocument.Parse(Assert.Single(sessions).Payload).RootElement;
        Assert.Equal(("in-30", "out-30"), (session.GetProperty("clockInId").GetString(), session.GetProperty("clockOutId").GetString()));
        Assert.Equal(6, store.RecordsRead); // the entries of days 29, 30 and 31; the person and group are not synced
        var query = Assert.Single(store.Queries, q => q?.FieldName == "personId");
        Assert.Equal(["2026-01-30", "2026-01-31", "2026-02-01"], Assert.Single(query!.AlsoMatching).Values);
    }

    [Fact]
    public async Task Names_in_sessions_follow_changes_of_people_and_groups()
    {
        await using var run = await DerivationHistory.StartAsync(new WorkSessionDeriver(), connectionString: null, Cancel);
        var entries = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["e1"] = Entry("e1", FirstDay, "In", FirstDay.ToDateTime(new TimeOnly(8, 0))),
            ["e2"] = Entry("e2", FirstDay, "Out", FirstDay.ToDateTime(new TimeOnly(12, 0))),
        };
        var groups = new Dictionary<string, string>(StringComparer.Ordinal) { ["g1"] = """{"id":"g1","name":"Kitchen","status":"Active"}""" };
        var people = new Dictionary<string, string>(StringComparer.Ordinal) { [Ana] = Person("Ana Silva", "g1") };

        await StepAsync(run, groups, people, entries);
        Assert.Equal(("Ana Silva", "Kitchen"), await NamesAsync(run));

        people[Ana] = Person("Ana Costa", "g1");
        await StepAsync(run, groups, people, entries);
        Assert.Equal(("Ana Costa", "Kitchen"), await NamesAsync(run));

        groups["g1"] = """{"id":"g1","name":"Bar","status":"Active"}""";
        await StepAsync(run, groups, people, entries);
        Assert.Equal(("Ana Costa", "Bar"), await NamesAsync(run));

        people.Remove(Ana);
        await StepAsync(run, groups, people, entries);
        Assert.Equal(((string?)null, (string?)null), await NamesAsync(run));
        Assert.Equal(await run.RebuildAsync(Cancel), await run.IncrementalAsync(Cancel));
    }

    [Theory]
    [InlineData("Archived")]
    [InlineData("Deleted")]
    [InlineData("Removed")]
    [InlineData("inactive")]
    public async Task Entries_whose_status_means_inactive_are_ignored(string status)
    {
        await using var provider = InMemory();
        var store = provider.GetRequiredService<IRawStore>();
        await store.WriteBatchAsync(
            Batch(Entries, new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["old-in"] = Entry("old-in", FirstDay, "In", FirstDay.ToDateTime(new TimeOnly(6, 0)), status),
                ["old-out"] = Entry("old-out", FirstDay, "Out", FirstDay.ToDateTime(new TimeOnly(7, 0)), status),
                ["in"] = Entry("in", FirstDay, "In", FirstDay.ToDateTime(new TimeOnly(8, 0))),
                ["out"] = Entry("out", FirstDay, "Out", FirstDay.ToDateTime(new TimeOnly(9, 30))),
            }),
            Cancel);

        var sessions = await new WorkSessionDeriver().DeriveAsync(
            WorkSessionDeriver.InputKeyFor(Ana, FirstDay), new DerivationContext { RawStore = store, TimeProvider = TimeProvider.System }, Cancel);

        var session = JsonDocument.Parse(Assert.Single(sessions).Payload).RootElement;
        Assert.Equal(("in", 90.0), (session.GetProperty("clockInId").GetString(), session.GetProperty("durationMinutes").GetDouble()));
    }

    [Fact]
    public async Task An_out_linked_one_way_from_the_day_before_is_kept_on_its_own_day()
    {
        // The Out names the In, the In does not name the Out: neither day claims the pair, so both stay visible.
        await using var provider = InMemory();
        var store = provider.GetRequiredService<IRawStore>();
        var tuesday = FirstDay.AddDays(1);
        await store.WriteBatchAsync(
            Batch(Entries, new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["night-in"] = Entry("night-in", FirstDay, "In", FirstDay.ToDateTime(new TimeOnly(22, 0))),
                ["night-out"] = Entry("night-out", tuesday, "Out", tuesday.ToDateTime(new TimeOnly(6, 0))).Replace("}", ""","previousTimeEntryId":"night-in"}""", StringComparison.Ordinal),
            }),
            Cancel);
        var deriver = new WorkSessionDeriver();
        var context = new DerivationContext { RawStore = store, TimeProvider = TimeProvider.System };

        var monday = JsonDocument.Parse(Assert.Single(await deriver.DeriveAsync(WorkSessionDeriver.InputKeyFor(Ana, FirstDay), context, Cancel)).Payload).RootElement;
        var tuesdaySession = JsonDocument.Parse(Assert.Single(await deriver.DeriveAsync(WorkSessionDeriver.InputKeyFor(Ana, tuesday), context, Cancel)).Payload).RootElement;

        Assert.Equal("missing_out", monday.GetProperty("status").GetString());
        Assert.Equal(("missing_in", "night-out"), (tuesdaySession.GetProperty("status").GetString(), tuesdaySession.GetProperty("clockOutId").GetString()));
    }

    private static async Task StepAsync(DerivationHistory run, Dictionary<string, string> groups, Dictionary<string, string> people, Dictionary<string, string> entries) =>
        await run.StepAsync(
            new Dictionary<StreamId, IReadOnlyDictionary<string, string>>
            {
                [Groups] = new Dictionary<string, string>(groups),
                [People] = new Dictionary<string, string>(people),
                [Entries] = new Dictionary<string, string>(entries),
            },
            Cancel);

    private static async Task<(string? Person, string? Group)> NamesAsync(DerivationHistory run)
    {
        var stored = new List<StoredDerivedRecord>();
        await foreach (var record in run.Services.GetRequiredService<IDerivedStore>().GetAllAsync(run.Deriver.Name, Cancel))
        {
            stored.Add(record);
        }

        var session = JsonDocument.Parse(Assert.Single(stored).Record.Payload).RootElement;
        return (session.GetProperty("personName").GetString(), session.GetProperty("groupName").GetString());
    }

    private static ServiceProvider InMemory()
    {
        var services = new ServiceCollection();
        services.AddIngestion(ingestion => ingestion.UseInMemoryStores());
        return services.BuildServiceProvider();
    }

    private static string Person(string name, string group) => $$"""{"id":"{{Ana}}","fullName":"{{name}}","groupId":"{{group}}","status":"Joined"}""";

    private static string Entry(string id, DateOnly day, string type, DateTime time, string status = "Active") =>
        $$"""{"id":"{{id}}","personId":"{{Ana}}","type":"{{type}}","status":"{{status}}","clientType":"Web","time":"{{time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}","belongsToDate":"{{day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}}"}""";

    private static RawBatch Batch(StreamId stream, IReadOnlyDictionary<string, string> records) => new()
    {
        Stream = stream,
        RunId = Guid.NewGuid(),
        FetchedAt = DateTimeOffset.UnixEpoch.AddDays(1),
        Records = [.. records.Select(r => new RawRecordWrite
        {
            Key = r.Key,
            Payload = Encoding.UTF8.GetBytes(r.Value),
            Hash = ContentHasher.ComputeRaw(Encoding.UTF8.GetBytes(r.Value)),
        })],
    };
}
