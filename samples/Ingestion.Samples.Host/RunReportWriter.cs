using System.Globalization;

namespace Ingestion.Samples.Host;

/// <summary>Prints sync reports and stream health as plain aligned text (readable in a terminal and in CI logs).</summary>
internal static class RunReportWriter
{
    public static void WritePass(
        TextWriter output,
        string title,
        IReadOnlyList<SyncReport> reports,
        IReadOnlyList<StreamHealth> health,
        IReadOnlyDictionary<string, int> derived,
        IReadOnlyDictionary<string, int> skipped)
    {
        output.WriteLine();
        output.WriteLine(title);
        var rows = new List<string[]>
        {
            new[] { "stream", "status", "pages", "new", "changed", "unchanged", "partial", "deleted", "issues", "health" },
        };
        foreach (var report in reports.OrderBy(r => r.Stream.Source, StringComparer.Ordinal).ThenBy(r => r.Stream.Stream, StringComparer.Ordinal))
        {
            var streamHealth = health.FirstOrDefault(h => h.Stream == report.Stream);
            rows.Add(
            [
                report.Stream.ToString(),
                report.Status.ToString(),
                Number(report.Pages),
                Number(report.RecordsNew),
                Number(report.RecordsChanged),
                Number(report.RecordsUnchanged),
                Number(report.RecordsPartial),
                Number(report.RecordsDeleted),
                Number(report.Issues.Count),
                streamHealth?.Status.ToString() ?? "Unknown",
            ]);
        }

        WriteTable(output, rows);
        foreach (var report in reports.Where(r => r.Issues.Count > 0))
        {
            foreach (var issue in report.Issues.Take(3))
            {
                output.WriteLine($"  {report.Stream}: {issue.Severity} {issue.Kind}: {issue.Message}");
            }

            if (report.Issues.Count > 3)
            {
                output.WriteLine($"  {report.Stream}: ... and {report.Issues.Count - 3} more issues");
            }
        }

        if (derived.Count > 0)
        {
            output.WriteLine("  changed records derived, per source: " + string.Join(", ", derived.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => $"{d.Key} {Number(d.Value)}")));
        }

        if (skipped.Values.Any(count => count > 0))
        {
            output.WriteLine("  changed records no deriver could take (partial, not JSON or not theirs), per source: " +
                string.Join(", ", skipped.Where(s => s.Value > 0).OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key} {Number(s.Value)}")));
        }

        output.WriteLine(
            $"  totals: {Number(reports.Sum(r => r.RecordsNew))} new, {Number(reports.Sum(r => r.RecordsChanged))} changed, " +
            $"{Number(reports.Sum(r => r.RecordsUnchanged))} unchanged, {Number(reports.Sum(r => r.RecordsPartial))} partial, " +
            $"{Number(reports.Sum(r => r.Requests))} requests in {reports.Select(r => r.Duration).DefaultIfEmpty().Max().TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s (longest stream)");
    }

    private static void WriteTable(TextWriter output, List<string[]> rows)
    {
        var widths = Enumerable.Range(0, rows[0].Length).Select(column => rows.Max(row => row[column].Length)).ToArray();
        foreach (var row in rows)
        {
            var cells = row.Select((cell, column) => column is 0 or 1 or 9 ? cell.PadRight(widths[column]) : cell.PadLeft(widths[column]));
            output.WriteLine("  " + string.Join("  ", cells).TrimEnd());
        }
    }

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
