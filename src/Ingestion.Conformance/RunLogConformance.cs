namespace Ingestion.Conformance;

/// <summary>The rules of <see cref="IRunLog"/>: a run's start and final report share its id, recent runs come newest first.</summary>
public abstract class RunLogConformance : StoreConformance
{
    private static readonly StreamId Employees = new("employes", "employees");
    private static readonly StreamId Contracts = new("employes", "contracts");

    private static SyncReport Report(StreamId stream, DateTimeOffset startedAt, RunStatus status = RunStatus.Succeeded) => new()
    {
        RunId = Guid.NewGuid(),
        Stream = stream,
        Status = status,
        StartedAt = startedAt,
        CompletedAt = status == RunStatus.Running ? null : startedAt.AddMinutes(2),
    };

    [Fact]
    public async Task A_final_report_overwrites_the_start_of_its_run_and_is_read_back_whole()
    {
        var start = Report(Employees, T0, RunStatus.Running);
        await Stores.RunLog.SaveAsync(start, Cancel);
        Assert.Equal(RunStatus.Running, (await Stores.RunLog.GetAsync(start.RunId, Cancel))!.Status);

        var final = start with
        {
            Status = RunStatus.Partial, CompletedAt = T0.AddMinutes(3), DryRun = false, Requests = 12, Pages = 10, RecordsFetched = 1000,
            RecordsNew = 10, RecordsChanged = 5, RecordsUnchanged = 980, RecordsPartial = 5, RecordsDeleted = 2, Watermark = "2025-03-01",
            Issues = [new SyncIssue(IssueKind.RateLimited, "429 for 90 s", "k1", 429), new SyncIssue(IssueKind.BudgetExhausted, "budget")],
            ChangedKeys = ["a", "b"],
        };
        await Stores.RunLog.SaveAsync(final, Cancel);

        var read = await Stores.RunLog.GetAsync(start.RunId, Cancel);
        Assert.NotNull(read);
        Assert.Equal(final with { Issues = read.Issues, ChangedKeys = read.ChangedKeys }, read);
        Assert.Equal(final.Issues, read.Issues);
        Assert.Empty(read.ChangedKeys);
        Assert.Equal(TimeSpan.FromMinutes(3), read.Duration);
        Assert.Single(await Stores.RunLog.GetRecentAsync(null, 10, Cancel));
        Assert.Null(await Stores.RunLog.GetAsync(Guid.NewGuid(), Cancel));
    }

    [Fact]
    public async Task A_tripped_snapshot_guard_is_kept_with_its_issue()
    {
        var report = Report(Employees, T0, RunStatus.Partial) with
        {
            GuardTripped = true,
            Issues = [new SyncIssue(IssueKind.SnapshotGuardTripped, "The snapshot had 0 records against 120 last time; nothing was deleted.")],
        };
        await Stores.RunLog.SaveAsync(report, Cancel);

        var read = await Stores.RunLog.GetAsync(report.RunId, Cancel);
        Assert.True(read!.GuardTripped);
        Assert.Equal(IssueKind.SnapshotGuardTripped, Assert.Single(read.Issues).Kind);
        Assert.False((await Stores.RunLog.GetRecentAsync(Contracts, 1, Cancel)).Any());
    }

    [Fact]
    public async Task Recent_runs_come_newest_first_limited_and_optionally_for_one_stream()
    {
        var first = Report(Employees, T0);
        var second = Report(Contracts, T0.AddHours(1));
        var third = Report(Employees, T0.AddHours(2), RunStatus.Failed);
        foreach (var report in new[] { second, third, first })
        {
            await Stores.RunLog.SaveAsync(report, Cancel);
        }

        Assert.Equal([third.RunId, second.RunId, first.RunId], (await Stores.RunLog.GetRecentAsync(null, 10, Cancel)).Select(report => report.RunId));
        Assert.Equal([third.RunId, second.RunId], (await Stores.RunLog.GetRecentAsync(null, 2, Cancel)).Select(report => report.RunId));
        Assert.Equal([third.RunId, first.RunId], (await Stores.RunLog.GetRecentAsync(Employees, 10, Cancel)).Select(report => report.RunId));
        Assert.Empty(await Stores.RunLog.GetRecentAsync(new StreamId("jibble", "people"), 10, Cancel));
    }
}
