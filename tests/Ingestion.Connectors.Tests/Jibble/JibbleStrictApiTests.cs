using Ingestion.Connectors.Jibble;
using Ingestion.Connectors.Tests.Support;
using Ingestion.Samples.VendorSimulator;

namespace Ingestion.Connectors.Tests.Jibble;

/// <summary>
/// Jibble where the real API is stricter than a friendly fake: a <c>$top</c> cap below the connector's page size, OData's
/// node-count and request-line limits on <c>$filter</c>, late edits of past days, both datings of night shifts, no etags.
/// </summary>
public sealed class JibbleStrictApiTests(ConnectorTestFixture database)
{
    private static readonly DateOnly First = new(2026, 6, 1);
    private static readonly DateOnly Tomorrow = new(2026, 7, 2);

    [Fact]
    public async Task A_server_capping_top_below_the_page_size_is_paged_to_the_end_by_its_count()
    {
        // The connector asks for 40 per page; the server returns at most 15 and says nothing.
        await using var harness = await JibbleHarness.StartAsync(database, nameof(A_server_capping_top_below_the_page_size_is_paged_to_the_end_by_its_count), simulator: o => o.JibbleMaxPageSize = 15);
        var sim = harness.Simulator;

        var reports = await harness.SyncAsync();

        Assert.All(reports, r => Assert.Equal(RunStatus.Succeeded, r.Status));
        Assert.Equal(sim.Data.PersonIds.Count, await harness.CountAsync(JibbleStreams.People));
        Assert.Equal(sim.Data.CountTimeEntries(First, Tomorrow), await harness.CountAsync(JibbleStreams.TimeEntries));
        Assert.All(sim.Requests.For(Vendor.Jibble, "/v1/People"), r => Assert.Contains("$count=true", Uri.UnescapeDataString(r.Query), StringComparison.Ordinal));
        Assert.Equal(2, sim.RequestCount(Vendor.Jibble, "/v1/People")); // 24 people: 15, then 9 (the count says that is all)

        // A snapshot of everything: a second run deletes nobody.
        harness.Clock.Advance(TimeSpan.FromMinutes(1));
        var again = await harness.SyncAsync();
        Assert.Equal(0, again.For(JibbleStreams.People).RecordsDeleted);
        Assert.Equal(sim.Data.PersonIds.Count, again.For(JibbleStreams.People).RecordsUnchanged);
    }

    [Fact]
    public async Task A_group_filter_of_many_members_is_sent_in_chunks_within_the_odata_limits_and_merged()
    {
        await using var harness = await JibbleHarness.StartAsync(database, nameof(A_group_filter_of_many_members_is_sent_in_chunks_within_the_odata_limits_and_merged), simulator: o => o.PeopleCount = 90);
        await harness.SyncAsync();
        var stored = await harness.LatestAsync(JibbleStreams.TimeEntries);
        var people = await harness.LatestAsync(JibbleStreams.People);
        var groups = people.Select(p => JibbleSyncTests.Field(p, "groupId")).OfType<string>().Distinct().ToList();
        var members = people.Where(p => JibbleSyncTests.Field(p, "groupId") is not null).Select(p => p.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.True(members.Count > 60, $"{members.Count} members");
        harness.Simulator.Requests.Clear();

        var report = (await harness.Clock.DriveAsync(
            harness.Runner.SyncStreamAsync("jibble", JibbleStreams.TimeEntries, new SyncOptions
            {
                Parameters = new Dictionary<string, string>
                {
                    [JibbleStreams.FromParameter] = "2026-06-01",
                    [JibbleStreams.GroupParameter] = string.Join(',', groups),
                },
            }, TestContext.Current.CancellationToken),
            due => due < JibbleHarness.AttemptTimeout)).Single();

        Assert.Equal(RunStatus.Succeeded, report.Status);
        Assert.Equal(stored.Count(e => members.Contains(JibbleSyncTests.Field(e, "personId")!)), report.RecordsFetched);
        var requests = harness.Simulator.Requests.For(Vendor.Jibble, "/v1/TimeEntries");
        Assert.All(requests, r => Assert.Equal(200, r.StatusCode));
        var asked = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var request in requests)
        {
            var query = Uri.UnescapeDataString(request.Query);
            var ids = query.Split("personId eq ").Skip(1).Select(part => part[..36]).ToList();
            Assert.InRange(ids.Count, 1, 20);
            asked.UnionWith(ids);
        }

        Assert.Equal(members.Order(StringComparer.OrdinalIgnoreCase), asked.Order(StringComparer.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_daily_reconciliation_re_pulls_the_last_35_days_so_a_late_archive_arrives()
    {
        await using var harness = await JibbleHarness.StartAsync(database, nameof(A_daily_reconciliation_re_pulls_the_last_35_days_so_a_late_archive_arrives));
        var sim = harness.Simulator;
        await harness.SyncAsync();
        var old = (await harness.LatestAsync(JibbleStreams.TimeEntries))
            .First(r => JibbleSyncTests.Field(r, "belongsToDate") == "2026-06-25" && JibbleSyncTests.Field(r, "status") == "Active").Key;

        // Within the day: the frequent run re-pulls the trailing open days only, and misses the late archive.
        harness.Clock.Advance(TimeSpan.FromHours(2));
        sim.Data.ArchiveTimeEntry(Guid.Parse(old));
        sim.Requests.Clear();
        var frequent = (await harness.SyncAsync()).For(JibbleStreams.TimeEntries);
        Assert.Equal(RunStatus.Succeeded, frequent.Status);
        Assert.DoesNotContain(old, frequent.ChangedKeys);
        Assert.All(sim.Requests.For(Vendor.Jibble, "/v1/TimeEntries"), r =>
            Assert.Contains("belongsToDate ge 2026-06-28 ", Uri.UnescapeDataString(r.Query), StringComparison.Ordinal));

        // A day after the last reconciliation (the first run counts as one), the run reaches 35 days back.
        harness.Clock.Advance(TimeSpan.FromHours(22));
        sim.Requests.Clear();
        var reconciling = (await harness.SyncAsync()).For(JibbleStreams.TimeEntries);

        Assert.Equal(RunStatus.Succeeded, reconciling.Status);
        Assert.Contains(old, reconciling.ChangedKeys);
        Assert.All(sim.Requests.For(Vendor.Jibble, "/v1/TimeEntries"), r =>
            Assert.Contains("belongsToDate ge 2026-05-28 ", Uri.UnescapeDataString(r.Query), StringComparison.Ordinal));
        var stored = await harness.Host.RawStore.GetLatestAsync(new StreamId("jibble", JibbleStreams.TimeEntries), old, TestContext.Current.CancellationToken);
        Assert.Equal("Archived", JibbleSyncTests.Field(stored!, "status"));

        // The next frequent run is cheap again.
        harness.Clock.Advance(TimeSpan.FromHours(1));
        sim.Requests.Clear();
        await harness.SyncAsync();
        Assert.All(sim.Requests.For(Vendor.Jibble, "/v1/TimeEntries"), r =>
            Assert.DoesNotContain("belongsToDate ge 2026-05-28 ", Uri.UnescapeDataString(r.Query), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Night_shifts_in_both_datings_and_people_without_etags_are_all_stored()
    {
        await using var harness = await JibbleHarness.StartAsync(
            database,
            nameof(Night_shifts_in_both_datings_and_people_without_etags_are_all_stored),
            simulator: o =>
            {
                o.JibbleNightShiftsBothDatings = true;
                o.JibbleEmitEtag = false;
                o.PeopleCount = 60;
            });
        var sim = harness.Simulator;

        var reports = await harness.SyncAsync();

        Assert.All(reports, r => Assert.Equal(RunStatus.Succeeded, r.Status));
        Assert.Equal(sim.Data.PersonIds.Count, await harness.CountAsync(JibbleStreams.People));
        Assert.Equal(sim.Data.TimeEntryCount, await harness.CountAsync(JibbleStreams.TimeEntries));
        // Both datings arrived: outs on the day their shift started, and outs dated the next day.
        var entries = (await harness.LatestAsync(JibbleStreams.TimeEntries)).ToDictionary(e => e.Key, StringComparer.OrdinalIgnoreCase);
        var crossing = entries.Values.Where(e => JibbleSyncTests.Field(e, "previousTimeEntryId") is { } previous && entries.ContainsKey(previous)
            && JibbleSyncTests.Field(entries[previous], "belongsToDate") != JibbleSyncTests.Field(e, "belongsToDate")).ToList();
        Assert.NotEmpty(crossing);
    }
}
