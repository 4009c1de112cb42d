using System.Globalization;
using static Ingestion.Dashboard.Internal.Html;

namespace Ingestion.Dashboard.Internal;

/// <summary>The run log with its filters, and one run's full report.</summary>
internal sealed partial class DashboardPage
{
    public void WriteRuns(IReadOnlyList<SyncReport> runs, IReadOnlyList<StreamId> streams, string? source, string? stream, RunStatus? status)
    {
        Append("<section aria-labelledby=\"runs\"><h2 id=\"runs\">Runs</h2>")
            .Append("<form class=\"filters\" method=\"get\" action=\"").Append(E(Base + "/runs")).Append("\" role=\"search\" aria-label=\"Filter runs\">");
        Select("source", "Source", streams.Select(s => s.Source).Distinct(), source);
        Select("stream", "Stream", streams.Where(s => source is null || s.Source == source).Select(s => s.Stream).Distinct(), stream);
        Select("status", "Status", Enum.GetNames<RunStatus>(), status?.ToString());
        Append("<button type=\"submit\">Filter</button></form>");

        if (runs.Count == 0)
        {
            Append("<p class=\"muted\" id=\"no-runs\">No runs match.</p></section>");
            return;
        }

        Append("<div class=\"scroll\"><table id=\"run-list\"><thead><tr><th scope=\"col\">Started</th><th scope=\"col\">Stream</th><th scope=\"col\">Status</th>")
            .Append("<th scope=\"col\" class=\"num\">Pages</th><th scope=\"col\" class=\"num\">New</th><th scope=\"col\" class=\"num\">Changed</th>")
            .Append("<th scope=\"col\" class=\"num\">Unchanged</th><th scope=\"col\" class=\"num\">Partial</th><th scope=\"col\" class=\"num\">Deleted</th>")
            .Append("<th scope=\"col\" class=\"num\">Issues</th><th scope=\"col\" class=\"num\">Duration</th></tr></thead><tbody>");
        foreach (var run in runs)
        {
            Append("<tr data-run=\"").Append(run.RunId.ToString()).Append("\" data-stream=\"").Append(E(run.Stream.ToString())).Append("\">")
                .Append("<td><a href=\"").Append(E($"{Base}/runs/{run.RunId}")).Append("\">").Append(TimeTag(run.StartedAt)).Append("</a></td>")
                .Append("<td>").Append(E(run.Stream.ToString())).Append("</td><td>").Append(RunBadge(run.Status)).Append("</td>")
                .Append("<td class=\"num\">").Append(Number(run.Pages)).Append("</td><td class=\"num\">").Append(Number(run.RecordsNew)).Append("</td>")
                .Append("<td class=\"num\">").Append(Number(run.RecordsChanged)).Append("</td><td class=\"num\">").Append(Number(run.RecordsUnchanged)).Append("</td>")
                .Append("<td class=\"num\">").Append(Number(run.RecordsPartial)).Append("</td><td class=\"num\">").Append(Number(run.RecordsDeleted)).Append("</td>")
                .Append("<td class=\"num\">").Append(Number(run.Issues.Count)).Append("</td><td class=\"num\">").Append(run.CompletedAt is null ? "–" : Duration(run.Duration)).Append("</td></tr>");
        }

        Append("</tbody></table></div></section>");
    }

    private void Select(string name, string label, IEnumerable<string> values, string? selected)
    {
        Append("<label>").Append(E(label)).Append("<select name=\"").Append(name).Append("\"><option value=\"\">All</option>");
        foreach (var value in values.Order(StringComparer.Ordinal))
        {
            Append("<option").Append(value == selected ? " selected" : string.Empty).Append('>').Append(E(value)).Append("</option>");
        }

        Append("</select></label>");
    }

    public void WriteRun(SyncReport run)
    {
        Append("<section aria-labelledby=\"run\"><h2 id=\"run\">Run of ").Append(E(run.Stream.ToString())).Append("</h2><dl class=\"report\">");
        void Item(string term, string valueHtml) => Append("<dt>").Append(E(term)).Append("</dt><dd>").Append(valueHtml).Append("</dd>");
        Item("Run", $"<code>{run.RunId}</code>");
        Item("Status", RunBadge(run.Status) + (run.DryRun ? " (dry run)" : string.Empty) + (run.GuardTripped ? " – the deletion guard tripped" : string.Empty));
        Item("Started", TimeTag(run.StartedAt));
        Item("Completed", TimeTag(run.CompletedAt));
        Item("Duration", run.CompletedAt is null ? "–" : Duration(run.Duration));
        Item("Requests", Number(run.Requests));
        Item("Pages", Number(run.Pages) + (run.PagesSkipped > 0 ? $" ({Number(run.PagesSkipped)} skipped)" : string.Empty));
        Item("Records fetched", Number(run.RecordsFetched));
        Item("New", Number(run.RecordsNew));
        Item("Changed", Number(run.RecordsChanged));
        Item("Unchanged", Number(run.RecordsUnchanged));
        Item("Partial", Number(run.RecordsPartial));
        Item("Resolved", Number(run.RecordsResolved));
        Item("Deleted", Number(run.RecordsDeleted));
        Item("Watermark", run.Watermark is null ? "–" : $"<code>{E(run.Watermark)}</code>");
        Append("</dl><h3>Issues</h3>");
        if (run.Issues.Count == 0)
        {
            Append("<p class=\"muted\">None.</p></section>");
            return;
        }

        Append("<div class=\"scroll\"><table><thead><tr><th scope=\"col\">Severity</th><th scope=\"col\">Kind</th><th scope=\"col\" class=\"num\">HTTP</th><th scope=\"col\">Key</th><th scope=\"col\">Message</th></tr></thead><tbody>");
        foreach (var issue in run.Issues)
        {
            Append("<tr><td>").Append(E(issue.Severity.ToString())).Append("</td><td>").Append(E(issue.Kind.ToString())).Append("</td>")
                .Append("<td class=\"num\">").Append(issue.HttpStatusCode?.ToString(CultureInfo.InvariantCulture) ?? "–").Append("</td>")
                .Append("<td>").Append(issue.Key is null ? "–" : $"<code>{E(issue.Key)}</code>").Append("</td>")
                .Append("<td class=\"error\">").Append(E(SecretText.Redact(issue.Message))).Append("</td></tr>");
        }

        Append("</tbody></table></div></section>");
    }
}
