using Ingestion.Connectors.Jibble;
using Ingestion.Connectors.Tests.Support;
using Ingestion.Samples.VendorSimulator;

namespace Ingestion.Connectors.Tests.Jibble;

/// <summary>The run parameter <c>group</c>: a per-run group filter that replaces the configured one.</summary>
public sealed class JibbleGroupParameterTests(ConnectorTestFixture database)
{
    private static readonly DateOnly First = new(2026, 6, 1);
    private static readonly DateOnly Tomorrow = new(2026, 7, 2);

    [Fact]
    public async Task A_run_with_a_group_parameter_after_people_were_synced_fetches_only_that_groups_members_entries()
    {
        await using var harness = await JibbleHarness.StartAsync(database, nameof(A_run_with_a_group_parameter_after_people_were_synced_fetches_only_that_groups_members_entries));
        await SyncStreamAsync(harness, JibbleStreams.People, new SyncOptions());
        var (groupId, members) = await LargestGroupAsync(harness);
        harness.Simulator.Requests.Clear();

        var report = (await SyncStreamAsync(harness, JibbleStreams.TimeEntries, WithGroup(groupId))).Single();

        Assert.Equal(RunStatus.Succeeded, report.Status);
        Assert.DoesNotContain(report.Issues, i => i.Severity != IssueSeverity.Info);
        var entries = await harness.LatestAsync(JibbleStreams.TimeEntries);
        Assert.NotEmpty(entries);
        Assert.True(entries.Count < harness.Simulator.Data.CountTimeEntries(First, Tomorrow));
        Assert.All(entries, e => Assert.Contains(JibbleSyncTests.Field(e, "personId")!, members));

        // Jibble cannot filter by group: the request asks for the group's members by personId, and for nobody else.
        var requests = harness.Simulator.Requests.For(Vendor.Jibble, "/v1/TimeEntries");
        Assert.NotEmpty(requests);
        var others = harness.Simulator.Data.PersonIds.Select(p => p.ToString("D")).Where(p => !members.Contains(p)).ToList();
        Assert.All(requests, r =>
        {
            var query = Uri.UnescapeDataString(r.Query);
            Assert.Contains("belongsToDate ge 2026-06-01 and belongsToDate le 2026-07-01 and (personId eq ", query, StringComparison.Ordinal);
            Assert.All(members, m => Assert.Contains($"personId eq {m}", query, StringComparison.OrdinalIgnoreCase));
            Assert.All(others, o => Assert.DoesNotContain(o, query, StringComparison.OrdinalIgnoreCase));
        });
    }

    [Fact]
    public async Task A_group_parameter_limits_people_and_groups_for_the_run_without_marking_the_others_deleted()
    {
        await using var harness = await JibbleHarness.StartAsync(database, nameof(A_group_parameter_limits_people_and_groups_for_the_run_without_marking_the_others_deleted));
        await harness.SyncAsync();
        var everyone = await harness.CountAsync(JibbleStreams.People);
        var groupCount = await harness.CountAsync(JibbleStreams.Groups);
        var (groupId, members) = await LargestGroupAsync(harness);
        harness.Simulator.Requests.Clear();

        var people = (await SyncStreamAsync(harness, JibbleStreams.People, WithGroup(groupId))).Single();
        var groups = (await SyncStreamAsync(harness, JibbleStreams.Groups, WithGroup(groupId))).Single();

        Assert.Equal(RunStatus.Succeeded, people.Status);
        Assert.Equal(members.Count, people.RecordsFetched);
        Assert.Equal(0, people.RecordsDeleted);
        Assert.DoesNotContain(people.Issues, i => i.Kind == IssueKind.SnapshotGuardTripped);
        Assert.Equal(RunStatus.Succeeded, groups.Status);
        Assert.Equal(1, groups.RecordsFetched);
        Assert.Equal(0, groups.RecordsDeleted);
        Assert.Equal(everyone, await harness.CountAsync(JibbleStreams.People));
        Assert.Equal(groupCount, await harness.CountAsync(JibbleStreams.Groups));
        Assert.All(harness.Simulator.Requests.For(Vendor.Jibble, "/v1/People"), r =>
            Assert.Contains($"$filter=groupId eq {groupId}", Uri.UnescapeDataString(r.Query), StringComparison.OrdinalIgnoreCase));
        Assert.All(harness.Simulator.Requests.For(Vendor.Jibble, "/v1/Groups"), r =>
            Assert.Contains($"$filter=id eq {groupId}", Uri.UnescapeDataString(r.Query), StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task An_invalid_group_id_fails_the_run_with_an_issue_naming_the_parameter()
    {
        await using var harness = await JibbleHarness.StartAsync(database, nameof(An_invalid_group_id_fails_the_run_with_an_issue_naming_the_parameter));
        harness.Simulator.Requests.Clear();

        var reports = await SyncStreamAsync(harness, JibbleStreams.TimeEntries, WithGroup("kitchen"));
        var people = (await SyncStreamAsync(harness, JibbleStreams.People, WithGroup($"{Guid.NewGuid()}, not-a-guid"))).Single();

        var report = reports.Single();
        Assert.Equal(RunStatus.Failed, report.Status);
        var issue = Assert.Single(report.Issues, i => i.Kind == IssueKind.Configuration);
        Assert.Equal(IssueSeverity.Error, issue.Severity);
        Assert.Contains("run parameter 'group'", issue.Message, StringComparison.Ordinal);
        Assert.Contains("'kitchen'", issue.Message, StringComparison.Ordinal);
        Assert.Equal(RunStatus.Failed, people.Status);
        Assert.Contains(people.Issues, i => i.Kind == IssueKind.Configuration && i.Message.Contains("'not-a-guid'", StringComparison.Ordinal));
        Assert.Equal(0, harness.Simulator.Requests.Count(Vendor.Jibble, "/v1/TimeEntries"));
        Assert.Equal(0, harness.Simulator.Requests.Count(Vendor.Jibble, "/v1/People"));
        Assert.Equal(0, await harness.CountAsync(JibbleStreams.TimeEntries));
    }

    [Fact]
    public async Task A_group_parameter_before_people_were_seen_fetches_everything_and_says_the_filter_was_not_applied()
    {
        await using var harness = await JibbleHarness.StartAsync(database, nameof(A_group_parameter_before_people_were_seen_fetches_everything_and_says_the_filter_was_not_applied));
        var groupId = Guid.NewGuid().ToString("D");

        var report = (await SyncStreamAsync(harness, JibbleStreams.TimeEntries, WithGroup(groupId))).Single();

        Assert.Equal(RunStatus.Succeeded, report.Status);
        var issue = Assert.Single(report.Issues, i => i.Message.Contains("could not be applied", StringComparison.Ordinal));
        Assert.Equal(IssueSeverity.Warning, issue.Severity);
        Assert.Contains(groupId, issue.Message, StringComparison.Ordinal);
        Assert.Equal(harness.Simulator.Data.CountTimeEntries(First, new DateOnly(2026, 7, 1)), await harness.CountAsync(JibbleStreams.TimeEntries));
        Assert.All(harness.Simulator.Requests.For(Vendor.Jibble, "/v1/TimeEntries"), r =>
            Assert.DoesNotContain("personId", Uri.UnescapeDataString(r.Query), StringComparison.Ordinal));
    }

    private static SyncOptions WithGroup(string group) => new()
    {
        Parameters = new Dictionary<string, string>
        {
            [JibbleStreams.FromParameter] = "2026-06-01",
            [JibbleStreams.ToParameter] = "2026-07-01",
            [JibbleStreams.GroupParameter] = group,
        },
    };

    private static Task<IReadOnlyList<SyncReport>> SyncStreamAsync(JibbleHarness harness, string stream, SyncOptions options) =>
        harness.Clock.DriveAsync(
            harness.Runner.SyncStreamAsync("jibble", stream, options, TestContext.Current.CancellationToken),
            due => due < JibbleHarness.AttemptTimeout);

    // The group with the most members among the stored people, and those members; the simulator has several groups.
    private static async Task<(string GroupId, HashSet<string> Members)> LargestGroupAsync(JibbleHarness harness)
    {
        var people = await harness.LatestAsync(JibbleStreams.People);
        var byGroup = people.Where(p => JibbleSyncTests.Field(p, "groupId") is not null).GroupBy(p => JibbleSyncTests.Field(p, "groupId")!).ToList();
        Assert.True(byGroup.Count > 1, "the simulator should put people into several groups");
        var largest = byGroup.OrderByDescending(g => g.Count()).First();
        return (largest.Key, [.. largest.Select(p => p.Key)]);
    }
}
