namespace Ingestion.Running.Internal;

/// <summary>Turns a finished run into the stream's new health.</summary>
internal static class HealthEvaluator
{
    public static StreamHealth Evaluate(StreamHealth? previous, SyncReport report, long itemCount, int unhealthyAfterConsecutiveFailures)
    {
        var now = report.CompletedAt ?? report.StartedAt;
        var failures = previous?.ConsecutiveFailures ?? 0;
        var health = new StreamHealth
        {
            Stream = report.Stream,
            Status = previous?.Status ?? StreamHealthStatus.Unknown,
            ConsecutiveFailures = failures,
            ItemCount = itemCount,
            LastCheckAt = now,
            LastSuccessAt = previous?.LastSuccessAt,
            LastFailureAt = previous?.LastFailureAt,
            LastError = previous?.LastError,
            Reason = previous?.Reason,
        };

        switch (report.Status)
        {
            case RunStatus.Succeeded:
                return health with
                {
                    Status = StreamHealthStatus.Healthy,
                    ConsecutiveFailures = 0,
                    LastSuccessAt = now,
                    Reason = null,
                };

            case RunStatus.Partial:
                return health with
                {
                    Status = StreamHealthStatus.Degraded,
                    Reason = DescribePartial(report),
                };

            case RunStatus.Failed or RunStatus.Abandoned:
                failures++;
                var error = FirstProblem(report) ?? "The run failed.";
                var unauthorized = report.Issues.Any(issue => issue.Kind == IssueKind.Unauthorized);
                var unhealthy = unauthorized || failures >= unhealthyAfterConsecutiveFailures;
                return health with
                {
                    Status = unhealthy ? StreamHealthStatus.Unhealthy : StreamHealthStatus.Degraded,
                    ConsecutiveFailures = failures,
                    LastFailureAt = now,
                    LastError = error,
                    Reason = unauthorized
                        ? "authentication failed; check the source's credentials"
                        : $"{failures} failed run(s) in a row",
                };

            default:
                return health;
        }
    }

    private static string DescribePartial(SyncReport report)
    {
        if (report.GuardTripped)
        {
            return "snapshot guard tripped: " + (report.Issues.FirstOrDefault(i => i.Kind == IssueKind.SnapshotGuardTripped)?.Message ?? "the snapshot was empty or shrank");
        }

        if (report.Issues.Any(i => i.Kind == IssueKind.BudgetExhausted))
        {
            return "rate budget exhausted; the next run resumes from the checkpoint";
        }

        return "partial run: " + (FirstProblem(report) ?? "some records could not be fetched");
    }

    private static string? FirstProblem(SyncReport report)
    {
        SyncIssue? warning = null;
        foreach (var issue in report.Issues)
        {
            if (issue.Severity == IssueSeverity.Error)
            {
                return issue.Message;
            }

            warning ??= issue.Severity == IssueSeverity.Warning ? issue : null;
        }

        return warning?.Message;
    }
}
