using System.Collections.Concurrent;
using System.Globalization;
using Spectre.Console;

namespace Ingestion.Samples.Cli;

/// <summary>Tables and the live progress display.</summary>
internal static class Rendering
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The exit code a set of stream runs earns: cancelled, failed, with issues, or ok.</summary>
    public static int ExitCodeFor(IReadOnlyCollection<SyncReport> reports)
    {
        if (reports.Any(r => r.Status == RunStatus.Cancelled))
        {
            return ExitCodes.Cancelled;
        }

        // A run that lost its database is an outage to wait out, not a source to fix: the same code as a database down at start.
        if (reports.Any(r => r.Issues.Any(i => i.Kind == IssueKind.StoreUnavailable)))
        {
            return ExitCodes.Unavailable;
        }

        if (reports.Any(r => r.Status == RunStatus.Failed))
        {
            return ExitCodes.Failed;
        }

        return reports.Any(r => r.Status == RunStatus.Partial || r.GuardTripped || r.Issues.Any(i => i.Severity >= IssueSeverity.Warning))
            ? ExitCodes.CompletedWithIssues
            : ExitCodes.Ok;
    }

    /// <summary>Runs <paramref name="work"/> under a live progress display (pages, records, rate per stream) when the console is interactive.</summary>
    public static async Task<T> WithProgressAsync<T>(IAnsiConsole console, bool show, Func<IProgress<SyncProgress>?, Task<T>> work)
    {
        if (!show || !console.Profile.Capabilities.Interactive)
        {
            return await work(null).ConfigureAwait(false);
        }

        T result = default!;
        await console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new SpinnerColumn(), new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var progress = new LiveProgress(context);
                try
                {
                    result = await work(progress).ConfigureAwait(false);
                }
                finally
                {
                    progress.Complete();
                }
            }).ConfigureAwait(false);
        return result;
    }

    public static string Describe(SyncProgress progress)
    {
        var seconds = progress.Elapsed.TotalSeconds;
        var rate = seconds > 0 ? progress.Records / seconds : 0;
        return string.Format(Invariant, "{0}  {1:N0} pages · {2:N0} records · {3:N0} rec/s", progress.Stream, progress.Pages, progress.Records, rate);
    }

    /// <summary>The summary of stream runs: one row per run, then the issues that need attention.</summary>
    public static void WriteSummary(IAnsiConsole console, IReadOnlyList<SyncReport> reports, bool dryRun)
    {
        if (reports.Count == 0)
        {
            console.WriteLine("No stream ran.");
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Title(dryRun ? "Sync summary (dry run: nothing was written)" : "Sync summary");
        foreach (var column in new[] { "Stream", "Status", "Pages", "Requests", "Fetched", "New", "Changed", "Unchanged", "Partial", "Deleted", "Issues", "Duration" })
        {
            table.AddColumn(column == "Stream" || column == "Status" ? new TableColumn(column) : new TableColumn(column).RightAligned());
        }

        foreach (var report in reports)
        {
            table.AddRow(
                Markup.Escape(report.Stream.ToString()),
                StatusMarkup(report.Status) + (report.GuardTripped ? " [yellow](guard)[/]" : string.Empty),
                Number(report.Pages),
                Number(report.Requests),
                Number(report.RecordsFetched),
                Number(report.RecordsNew),
                Number(report.RecordsChanged),
                Number(report.RecordsUnchanged),
                Number(report.RecordsPartial),
                Number(report.RecordsDeleted),
                Number(report.Issues.Count(i => i.Severity >= IssueSeverity.Warning)),
                Duration(report.Duration));
        }

        table.AddRow(
            "[bold]Total[/]",
            string.Empty,
            Number(reports.Sum(r => r.Pages)),
            Number(reports.Sum(r => r.Requests)),
            Number(reports.Sum(r => r.RecordsFetched)),
            Number(reports.Sum(r => r.RecordsNew)),
            Number(reports.Sum(r => r.RecordsChanged)),
            Number(reports.Sum(r => r.RecordsUnchanged)),
            Number(reports.Sum(r => r.RecordsPartial)),
            Number(reports.Sum(r => r.RecordsDeleted)),
            Number(reports.Sum(r => r.Issues.Count(i => i.Severity >= IssueSeverity.Warning))),
            string.Empty);
        console.Write(table);

        foreach (var report in reports)
        {
            var issues = report.Issues.Where(i => i.Severity >= IssueSeverity.Warning).ToList();
            foreach (var issue in issues.Take(5))
            {
                console.MarkupLine($"  [{(issue.Severity == IssueSeverity.Error ? "red" : "yellow")}]{issue.Severity}[/] {Markup.Escape(report.Stream.ToString())} {issue.Kind}: {Markup.Escape(issue.Message)}");
            }

            if (issues.Count > 5)
            {
                console.MarkupLine($"  … and {issues.Count - 5} more issues on {Markup.Escape(report.Stream.ToString())} (see 'runs').");
            }
        }
    }

    public static void WriteOutcome(IAnsiConsole console, int exitCode)
    {
        var text = exitCode switch
        {
            ExitCodes.Ok => "[green]OK[/]",
            ExitCodes.CompletedWithIssues => "[yellow]Completed with issues[/]",
            ExitCodes.Failed => "[red]Failed[/]",
            ExitCodes.Cancelled => "[yellow]Cancelled[/]",
            ExitCodes.Unavailable => "[red]Failed: the database became unavailable[/]",
            _ => exitCode.ToString(Invariant),
        };
        console.MarkupLine($"{text} (exit code {exitCode.ToString(Invariant)})");
    }

    public static string StatusMarkup(RunStatus status) => status switch
    {
        RunStatus.Succeeded => "[green]Succeeded[/]",
        RunStatus.Partial => "[yellow]Partial[/]",
        RunStatus.Failed => "[red]Failed[/]",
        RunStatus.Cancelled => "[yellow]Cancelled[/]",
        RunStatus.Abandoned => "[red]Abandoned[/]",
        RunStatus.Skipped => "[yellow]Skipped[/]",
        _ => status.ToString(),
    };

    public static string HealthMarkup(StreamHealthStatus status) => status switch
    {
        StreamHealthStatus.Healthy => "[green]Healthy[/]",
        StreamHealthStatus.Degraded => "[yellow]Degraded[/]",
        StreamHealthStatus.Unhealthy => "[red]Unhealthy[/]",
        _ => "[grey]Unknown[/]",
    };

    public static string Number(long value) => value.ToString("N0", Invariant);

    public static string Time(DateTimeOffset? value) => value is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", Invariant) : "-";

    public static string Duration(TimeSpan duration) =>
        duration.TotalHours >= 1 ? duration.ToString(@"h\:mm\:ss", Invariant)
        : duration.TotalSeconds >= 10 ? duration.ToString(@"m\:ss", Invariant)
        : duration.TotalSeconds.ToString("0.00", Invariant) + "s";

    private sealed class LiveProgress(ProgressContext context) : IProgress<SyncProgress>
    {
        private readonly ConcurrentDictionary<StreamId, ProgressTask> _tasks = new();

        public void Report(SyncProgress value)
        {
            var task = _tasks.GetOrAdd(value.Stream, stream => context.AddTask(Markup.Escape(stream.ToString()), autoStart: true, maxValue: 1).IsIndeterminate());
            task.Description = Markup.Escape(Describe(value));
        }

        public void Complete()
        {
            foreach (var task in _tasks.Values)
            {
                task.IsIndeterminate = false;
                task.Value = task.MaxValue;
                task.StopTask();
            }
        }
    }
}
