using System.Text.Json;
using Ingestion.Connectors.Jibble;
using Ingestion.Connectors.Tests.Support;
using Ingestion.Samples.VendorSimulator;

namespace Ingestion.Connectors.Tests.Jibble;

public sealed class JibbleSyncTests(ConnectorTestFixture database)
{
    private static readonly DateOnly First = new(2026, 6, 1);
    private static readonly DateOnly Tomorrow = new(2026, 7, 2);

    [Fact]
    public async Task Full_sync_stores_every_person_group_and_time_entry_of_the_window()
    {
        await using var harness = await JibbleHarness.StartAsync(database, nameof(Full_sync_stores_every_person_group_and_time_entry_of_the_window));
        var sim = harness.Simulator;

        var reports = await harness.SyncAsync();

        Assert.All(reports, r => Assert.Equal(RunStatus.Succeeded, r.Status));
        Assert.Equal([JibbleStreams.People, JibbleStreams.Groups, JibbleStreams.TimeEntries], reports.Select(r => r.Stream.Stream));
        Assert.Equal(sim.Data.PersonIds.Count, await harness.CountAsync(JibbleStreams.People));
        var expectedEntries = sim.Data.CountTimeEntries(First, Tomorrow);
        Assert.Equal(sim.Data.TimeEntryCount, expectedEntries);
        var entries = reports.For(JibbleStreams.TimeEntries);
        Assert.Equal(expectedEntries, entries.RecordsNew);
        Assert.Equal(expectedEntries, await harness.CountAsync(JibbleStreams.TimeEntries));
        Assert.True(entries.Pages > 2, $"{entries.Pages} pages");
        Assert.Equal("2026-06-30", entries.Watermark);
        Assert.True(await harness.CountAsync(JibbleStreams.Groups) > 1);

        // One token for the whole run, and every TimeEntries request windowed by belongsToDate with unquoted dates.
        Assert.Equal(1, sim.RequestCount(Vendor.Jibble, "/connect/token"));
        var timeRequests = sim.Requests.For(Vendor.Jibble, "/v1/TimeEntries");
        Assert.All(timeRequests, r =>
        {
            var query = Uri.UnescapeDataString(r.Query);
            Assert.Contains("$filter=belongsToDate ge 2026-06-01 and belongsToDate le 2026-07-02", query, StringComparison.Ordinal);
            Assert.Contains("$top=40", query, StringComparison.Ordinal);
        });
        Assert.Equal(Enumerable.Range(0, timeRequests.Count).Select(i => i * 40), timeRequests.Select(r => SkipOf(r.Query)));
    }

    [Fact]
    public async Task Second_sync_finds_everything_unchanged_and_re_pulls_the_trailing_open_days()
    {
        await using var harness = await JibbleHarness.StartAsync(database, nameof(Second_sync_finds_everything_unchanged_and_re_pulls_the_trailing_open_days));
        await harness.SyncAsync();
        harness.Simulator.Requests.Clear();

        var reports = await harness.SyncAsync();

        Assert.All(reports, r =>
        {
            Assert.Equal(RunStatus.Succeeded, r.Status);
            Assert.Equal(0, r.RecordsNew);
            Assert.Equal(0, r.RecordsChanged);
            Assert.Equal(r.RecordsFetched, r.RecordsUnchanged);
            Assert.Empty(r.ChangedKeys);
        });
        var entries = reports.For(JibbleStreams.TimeEntries);
        Assert.Equal(harness.Simulator.Data.CountTimeEntries(new DateOnly(2026, 6, 28), Tomorrow), entries.RecordsFetched);
        Assert.Contains(entries.Issues, i => i.Kind == IssueKind.Overlap);
        Assert.All(harness.Simulator.Requests.For(Vendor.Jibble, "/v1/TimeEntries"), r =>
            Assert.Contains("belongsToDate ge 2026-06-28 and belongsToDate le 2026-07-02", Uri.UnescapeDataString(r.Query), StringComparison.Ordinal));
        foreach (var record in await harness.LatestAsync(JibbleStreams.People))
        {
            Assert.Equal(1, record.Version);
        }
    }

    [Fact]
    public async Task After_the_vendor_changes_records_exactly_those_get_new_versions()
    {
        await using var harness = await JibbleHarness.StartAsync(database, nameof(After_the_vendor_changes_records_exactly_those_get_new_versions));
        var sim = harness.Simulator;
        await harness.SyncAsync();

        var renamed = sim.Data.PersonIds[3];
        var archived = (await harness.LatestAsync(JibbleStreams.TimeEntries))
            .First(r => Field(r, "belongsToDate") == "2026-06-29" && Field(r, "status") == "Active").Key;
        sim.Data.RenamePerson(renamed, "Renamed", "Person");
        sim.Data.ArchiveTimeEntry(Guid.Parse(archived));
        var clockedIn = sim.Data.PersonIds[5];
        var added = sim.Data.AddTimeEntry(clockedIn, "In", JibbleHarness.Now.AddHours(-1));

        var reports = await harness.SyncAsync();

        var people = reports.For(JibbleStreams.People);
        // The renamed person, and the person who clocked in (Jibble moves their latestTimeEntryTime).
        Assert.Equal(2, people.RecordsChanged);
        Assert.Equal(0, people.RecordsNew);
        Assert.Equal(new[] { renamed.ToString(), clockedIn.ToString() }.Order(), people.ChangedKeys.Order());
        Assert.Empty(reports.For(JibbleStreams.Groups).ChangedKeys);
        var entries = reports.For(JibbleStreams.TimeEntries);
        Assert.Equal(1, entries.RecordsChanged);
        Assert.Equal(1, entries.RecordsNew);
        Assert.Equal(new[] { added.ToString(), archived }.Order(), entries.ChangedKeys.Order());
        Assert.Equal("2026-07-01", entries.Watermark);

        var history = new List<RawRecord>();
        await foreach (var version in harness.RawStore.GetHistoryAsync(new StreamId("jibble", JibbleStreams.TimeEntries), archived, TestContext.Current.CancellationToken))
        {
            history.Add(version);
        }

        Assert.Equal(2, history.Count);
        Assert.Equal("Archived", Field(history.Single(h => h.IsLatest), "status"));
    }

    [Fact]
    public async Task An_odata_next_link_is_followed_when_the_api_sends_one()
    {
        await using var harness = await JibbleHarness.StartAsync(
            database, nameof(An_odata_next_link_is_followed_when_the_api_sends_one), simulator: o => o.JibbleEmitNextLink = true);

        var reports = await harness.SyncAsync();

        var entries = reports.For(JibbleStreams.TimeEntries);
        Assert.Equal(RunStatus.Succeeded, entries.Status);
        Assert.Equal(harness.Simulator.Data.TimeEntryCount, await harness.CountAsync(JibbleStreams.TimeEntries));
        Assert.True(entries.Pages > 2);
    }

    [Fact]
    public async Task A_page_cut_silently_below_the_page_size_does_not_end_paging_and_the_run_gets_everything()
    {
        // The vendor's silent cap: a page shorter than $top is not taken as the last one while the count says more exist.
        await using var harness = await JibbleHarness.StartAsync(database, nameof(A_page_cut_silently_below_the_page_size_does_not_end_paging_and_the_run_gets_everything));
        var sim = harness.Simulator;
        var rule = sim.Faults.Add(new FaultRule(Vendor.Jibble, "/v1/People", FaultKind.SilentTruncation) { Cap = 10 });

        var first = await harness.SyncAsync();

        Assert.Equal(1, rule.Fired);
        Assert.Equal(RunStatus.Succeeded, first.For(JibbleStreams.People).Status);
        Assert.Equal(sim.Data.PersonIds.Count, first.For(JibbleStreams.People).RecordsFetched);
        Assert.Equal(sim.Data.PersonIds.Count, await harness.CountAsync(JibbleStreams.People));
    }

    [Fact]
    public async Task Run_parameters_backfill_an_explicit_range()
    {
        await using var harness = await JibbleHarness.StartAsync(database, nameof(Run_parameters_backfill_an_explicit_range));
        var options = new SyncOptions
        {
            Parameters = new Dictionary<string, string> { [JibbleStreams.FromParameter] = "2026-06-26", [JibbleStreams.ToParameter] = "2026-06-27" },
        };

        var reports = await harness.Clock.DriveAsync(
            harness.Runner.SyncStreamAsync("jibble", JibbleStreams.TimeEntries, options, TestContext.Current.CancellationToken),
            due => due < JibbleHarness.AttemptTimeout);

        var expected = harness.Simulator.Data.CountTimeEntries(new DateOnly(2026, 6, 26), new DateOnly(2026, 6, 27));
        Assert.True(expected > 0);
        Assert.Equal(expected, reports.Single().RecordsNew);
        Assert.Equal(expected, await harness.CountAsync(JibbleStreams.TimeEntries));
    }

    [Fact]
    public async Task A_first_run_without_backfill_fetches_the_last_hours_and_the_trailing_open_days()
    {
        await using var harness = await JibbleHarness.StartAsync(
            database,
            nameof(A_first_run_without_backfill_fetches_the_last_hours_and_the_trailing_open_days),
            new Dictionary<string, string?> { ["Jibble:Backfill:From"] = null, ["Jibble:LastHours"] = "12", ["Jibble:TrailingOpenDays"] = "1" });

        var reports = await harness.SyncAsync();

        // 06:00 minus 12 hours is 2026-06-30; one trailing day makes it 2026-06-29.
        var expected = harness.Simulator.Data.CountTimeEntries(new DateOnly(2026, 6, 29), Tomorrow);
        Assert.Equal(expected, reports.For(JibbleStreams.TimeEntries).RecordsNew);
        Assert.True(expected < harness.Simulator.Data.TimeEntryCount);
    }

    [Fact]
    public async Task Dry_run_fetches_and_reports_but_stores_nothing()
    {
        await using var harness = await JibbleHarness.StartAsync(
            database, nameof(Dry_run_fetches_and_reports_but_stores_nothing), new Dictionary<string, string?> { ["Jibble:DryRun"] = "true" });

        var reports = await harness.SyncAsync();

        Assert.All(reports, r =>
        {
            Assert.True(r.DryRun);
            Assert.Equal(RunStatus.Succeeded, r.Status);
            Assert.Equal(r.RecordsFetched, r.RecordsNew);
        });
        Assert.True(reports.For(JibbleStreams.TimeEntries).RecordsFetched > 0);
        Assert.Equal(0, await harness.CountAsync(JibbleStreams.People));
        Assert.Equal(0, await harness.CountAsync(JibbleStreams.TimeEntries));
    }

    [Fact]
    public async Task A_group_filter_limits_people_groups_and_time_entries_to_the_groups_members()
    {
        // Learn a group and its members from an unfiltered sync first.
        string groupId;
        HashSet<string> members;
        await using (var scout = await JibbleHarness.StartAsync(database, nameof(A_group_filter_limits_people_groups_and_time_entries_to_the_groups_members) + "_scout"))
        {
            await scout.SyncAsync();
            var people = await scout.LatestAsync(JibbleStreams.People);
            groupId = people.Select(p => Field(p, "groupId")).OfType<string>().GroupBy(g => g).OrderByDescending(g => g.Count()).First().Key;
            members = [.. people.Where(p => Field(p, "groupId") == groupId).Select(p => p.Key)];
        }

        await using var harness = await JibbleHarness.StartAsync(
            database,
            nameof(A_group_filter_limits_people_groups_and_time_entries_to_the_groups_members),
            new Dictionary<string, string?> { ["Jibble:GroupFilter:0"] = groupId });

        var reports = await harness.SyncAsync();

        Assert.All(reports, r => Assert.Equal(RunStatus.Succeeded, r.Status));
        Assert.Equal(members.Order(), (await harness.LatestAsync(JibbleStreams.People)).Select(p => p.Key).Order());
        Assert.Equal([groupId], (await harness.LatestAsync(JibbleStreams.Groups)).Select(g => g.Key));
        var entries = await harness.LatestAsync(JibbleStreams.TimeEntries);
        Assert.NotEmpty(entries);
        Assert.All(entries, e => Assert.Contains(Field(e, "personId")!, members));
    }

    internal static string? Field(RawRecord record, string name)
    {
        using var document = JsonDocument.Parse(record.Payload);
        return document.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    private static int SkipOf(string query)
    {
        var part = Uri.UnescapeDataString(query).TrimStart('?').Split('&').Single(p => p.StartsWith("$skip=", StringComparison.Ordinal));
        return int.Parse(part["$skip=".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
