using System.Globalization;
using static Ingestion.Dashboard.Internal.Html;

namespace Ingestion.Dashboard.Internal;

/// <summary>The overview: one row per stream, then the schedules.</summary>
internal sealed partial class DashboardPage
{
    public void WriteStreams(DashboardSnapshot snapshot)
    {
        Append("<section aria-labelledby=\"streams\"><h2 id=\"streams\">Streams</h2>");
        if (snapshot.Streams.Count == 0)
        {
            Append("<p class=\"muted\">No sources are registered.</p></section>");
            return;
        }

        Append("<div class=\"scroll\"><table><caption class=\"muted\" style=\"text-align:left\">Health, last run and the last runs of every stream.</caption><thead><tr>")
            .Append("<th scope=\"col\">Stream</th><th scope=\"col\">Health</th><th scope=\"col\">Last run</th><th scope=\"col\" class=\"num\">Records</th>")
            .Append("<th scope=\"col\" class=\"num\">Failures in a row</th><th scope=\"col\">Last error</th><th scope=\"col\">Next run</th><th scope=\"col\">Last runs</th>")
            .Append(Options.ReadOnly ? string.Empty : "<th scope=\"col\">Actions</th>").Append("</tr></thead><tbody>");
        foreach (var row in snapshot.Streams)
        {
            var disabled = row.Schedules.Count > 0 && row.Schedules.All(s => !s.Enabled);
            var last = row.RecentRuns.Count > 0 ? row.RecentRuns[0] : null;
            var next = row.Schedules.Where(s => s.Enabled && s.NextRunAt is not null).Select(s => s.NextRunAt).Min();
            var health = row.Health;
            var error = health?.LastError ?? row.Schedules.Select(s => s.DisabledReason ?? s.LastError).FirstOrDefault(e => e is not null);
            var name = row.Stream.ToString();
            Append("<tr data-stream=\"").Append(E(name)).Append("\" data-health=\"").Append(E(disabled ? "Disabled" : (health?.Status ?? StreamHealthStatus.Unknown).ToString())).Append("\">")
                .Append("<th scope=\"row\"><a href=\"").Append(E($"{Base}/runs?source={Q(row.Stream.Source)}&stream={Q(row.Stream.Stream)}")).Append("\">").Append(E(name)).Append("</a></th>")
                .Append("<td>").Append(HealthBadge(health?.Status, disabled));
            if (health?.Reason is { Length: > 0 } reason)
            {
                Append("<div class=\"muted error\">").Append(E(SecretText.Redact(reason))).Append("</div>");
            }

            Append("</td><td>");
            if (last is not null)
            {
                Append(RunBadge(last.Status)).Append(' ').Append("<a href=\"").Append(E($"{Base}/runs/{last.RunId}")).Append("\">")
                    .Append(TimeTag(last.CompletedAt ?? last.StartedAt)).Append("</a>");
            }
            else
            {
                Append("<span class=\"muted\">never</span>");
            }

            Append("</td><td class=\"num\">").Append(health is null ? "–" : Number(health.ItemCount)).Append("</td>")
                .Append("<td class=\"num\">").Append(health is null ? "–" : Number(health.ConsecutiveFailures)).Append("</td>")
                .Append("<td class=\"error\">").Append(error is null ? "<span class=\"muted\">–</span>" : E(SecretText.Redact(error))).Append("</td>")
                .Append("<td>").Append(disabled ? "<span class=\"muted\">disabled</span>" : TimeTag(next)).Append("</td>")
                .Append("<td>").Append(Chart(row.RecentRuns)).Append("</td>");
            if (!Options.ReadOnly)
            {
                Append("<td>")
                    .Append(Action("sync", "Sync now", $"Sync {name} now", ("source", row.Stream.Source), ("stream", row.Stream.Stream)))
                    .Append("</td>");
            }

            Append("</tr>");
        }

        Append("</tbody></table></div>");
        if (!Options.ReadOnly)
        {
            Append("<p>Whole sources: ");
            foreach (var source in snapshot.Streams.Select(s => s.Stream.Source).Distinct())
            {
                Append(Action("sync", $"Sync {source}", $"Sync every stream of {source} now", ("source", source))).Append(' ');
            }

            Append("</p>");
        }

        Append("</section>");
        WriteSchedules(snapshot.Schedules);
    }

    private void WriteSchedules(IReadOnlyList<ScheduleState> schedules)
    {
        Append("<section aria-labelledby=\"schedules\"><h2 id=\"schedules\">Schedules</h2>");
        if (schedules.Count == 0)
        {
            Append("<p class=\"muted\">No schedules (AddScheduler and Schedule add them).</p></section>");
            return;
        }

        Append("<div class=\"scroll\"><table><thead><tr><th scope=\"col\">Schedule</th><th scope=\"col\">Cron</th><th scope=\"col\">State</th>")
            .Append("<th scope=\"col\">Next run</th><th scope=\"col\">Last run</th><th scope=\"col\" class=\"num\">Failures in a row</th><th scope=\"col\">Last error</th>")
            .Append(Options.ReadOnly ? string.Empty : "<th scope=\"col\">Actions</th>").Append("</tr></thead><tbody>");
        foreach (var schedule in schedules.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            Append("<tr data-schedule=\"").Append(E(schedule.Name)).Append("\"><th scope=\"row\">").Append(E(schedule.Name)).Append("</th>")
                .Append("<td><code>").Append(E(schedule.Definition.Cron)).Append("</code> ").Append(E(schedule.Definition.TimeZone)).Append("</td><td>")
                .Append(schedule.Enabled ? Badge("Enabled", "ok") : Badge("Disabled", "disabled"));
            if (!schedule.Enabled && schedule.DisabledReason is { } reason)
            {
                Append("<div class=\"muted error\">").Append(E(SecretText.Redact(reason))).Append("</div>");
            }

            Append("</td><td>").Append(schedule.Enabled ? TimeTag(schedule.NextRunAt) : "<span class=\"muted\">–</span>").Append("</td>")
                .Append("<td>").Append(TimeTag(schedule.LastRunAt)).Append("</td>")
                .Append("<td class=\"num\">").Append(schedule.ConsecutiveFailures.ToString(CultureInfo.InvariantCulture)).Append("</td>")
                .Append("<td class=\"error\">").Append(schedule.LastError is null ? "–" : E(SecretText.Redact(schedule.LastError))).Append("</td>");
            if (!Options.ReadOnly)
            {
                Append("<td>").Append(schedule.Enabled
                    ? Action("schedule", "Disable", $"Disable schedule {schedule.Name}", ("name", schedule.Name), ("enabled", "false"))
                    : Action("schedule", "Enable", $"Enable schedule {schedule.Name}", ("name", schedule.Name), ("enabled", "true"))).Append("</td>");
            }

            Append("</tr>");
        }

        Append("</tbody></table></div></section>");
    }
}
