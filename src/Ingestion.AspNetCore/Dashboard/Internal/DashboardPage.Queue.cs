using System.Globalization;
using static Ingestion.Dashboard.Internal.Html;

namespace Ingestion.Dashboard.Internal;

/// <summary>The retries page and the queue page.</summary>
internal sealed partial class DashboardPage
{
    public void WriteRetries(DashboardSnapshot snapshot)
    {
        Append("<section aria-labelledby=\"waiting\"><h2 id=\"waiting\">Partial records waiting for a retry</h2>");
        if (snapshot.RetriesWaiting.Count == 0)
        {
            Append("<p class=\"muted\">None.</p>");
        }
        else
        {
            if (!Options.ReadOnly)
            {
                Append("<p>All of a stream: ");
                foreach (var stream in snapshot.RetriesWaiting.Select(r => r.Stream).Distinct())
                {
                    Append(Action("retry", $"Retry {stream} now", $"Retry every waiting record of {stream} now", ("source", stream.Source), ("stream", stream.Stream))).Append(' ');
                }

                Append("</p>");
            }

            RetryTable(snapshot.RetriesWaiting, waiting: true);
        }

        Append("</section><section aria-labelledby=\"gaveup\"><h2 id=\"gaveup\">Retries that gave up</h2>");
        if (snapshot.RetriesGivenUp.Count == 0)
        {
            Append("<p class=\"muted\">None.</p>");
        }
        else
        {
            RetryTable(snapshot.RetriesGivenUp, waiting: false);
        }

        Append("</section>");
    }

    private void RetryTable(IReadOnlyList<RetryCandidate> retries, bool waiting)
    {
        Append("<div class=\"scroll\"><table><thead><tr><th scope=\"col\">Stream</th><th scope=\"col\">Key</th><th scope=\"col\" class=\"num\">Attempts</th>")
            .Append("<th scope=\"col\">Last attempt</th>").Append(waiting ? "<th scope=\"col\">Next retry</th>" : string.Empty)
            .Append("<th scope=\"col\" class=\"num\">HTTP</th><th scope=\"col\">Last error</th>")
            .Append(waiting && !Options.ReadOnly ? "<th scope=\"col\">Actions</th>" : string.Empty).Append("</tr></thead><tbody>");
        foreach (var retry in retries)
        {
            Append("<tr><td>").Append(E(retry.Stream.ToString())).Append("</td><td><code>").Append(E(retry.Key)).Append("</code></td>")
                .Append("<td class=\"num\">").Append(retry.RetryCount.ToString(CultureInfo.InvariantCulture)).Append("</td>")
                .Append("<td>").Append(TimeTag(retry.LastRetryAt)).Append("</td>");
            if (waiting)
            {
                Append("<td>").Append(TimeTag(retry.DueAt)).Append("</td>");
            }

            Append("<td class=\"num\">").Append(retry.HttpStatusCode?.ToString(CultureInfo.InvariantCulture) ?? "–").Append("</td>")
                .Append("<td class=\"error\">").Append(retry.ErrorMessage is null ? "–" : E(SecretText.Redact(retry.ErrorMessage))).Append("</td>");
            if (waiting && !Options.ReadOnly)
            {
                Append("<td>").Append(Action("retry", "Retry now", $"Retry {retry.Stream} key {retry.Key} now", ("source", retry.Stream.Source), ("stream", retry.Stream.Stream), ("key", retry.Key))).Append("</td>");
            }

            Append("</tr>");
        }

        Append("</tbody></table></div>");
    }

    public void WriteQueue(DashboardSnapshot snapshot)
    {
        var queue = snapshot.Queue;
        Append("<section aria-labelledby=\"queue\"><h2 id=\"queue\">Queue</h2><p>Oldest pending job: ")
            .Append(queue.OldestPendingAge is { } age ? E(Duration(age)) + " old" : "none waiting").Append("</p>");
        if (queue.Counts.Count == 0)
        {
            Append("<p class=\"muted\">The queue is empty.</p>");
        }
        else
        {
            Append("<div class=\"scroll\"><table id=\"queue-counts\"><thead><tr><th scope=\"col\">Job type</th>");
            foreach (var status in Enum.GetValues<JobStatus>())
            {
                Append("<th scope=\"col\" class=\"num\">").Append(E(status.ToString())).Append("</th>");
            }

            Append("<th scope=\"col\" class=\"num\">Average duration</th></tr></thead><tbody>");
            foreach (var type in queue.Counts.Select(c => c.JobType).Distinct())
            {
                Append("<tr><th scope=\"row\"><code>").Append(E(type)).Append("</code></th>");
                foreach (var status in Enum.GetValues<JobStatus>())
                {
                    var count = queue.Counts.Where(c => c.JobType == type && c.Status == status).Sum(c => c.Count);
                    Append("<td class=\"num\">").Append(Number(count)).Append("</td>");
                }

                Append("<td class=\"num\">").Append(queue.AverageDuration.TryGetValue(type, out var average) ? E(Duration(average)) : "–").Append("</td></tr>");
            }

            Append("</tbody></table></div>");
        }

        Append("</section><section aria-labelledby=\"dead\"><h2 id=\"dead\">Dead jobs</h2>");
        if (snapshot.DeadJobs.Count == 0)
        {
            Append("<p class=\"muted\">None.</p></section>");
            return;
        }

        Append("<div class=\"scroll\"><table><thead><tr><th scope=\"col\" class=\"num\">Job</th><th scope=\"col\">Type</th><th scope=\"col\">Payload</th>")
            .Append("<th scope=\"col\" class=\"num\">Attempts</th><th scope=\"col\">Died</th><th scope=\"col\">Error</th>")
            .Append(Options.ReadOnly ? string.Empty : "<th scope=\"col\">Actions</th>").Append("</tr></thead><tbody>");
        foreach (var job in snapshot.DeadJobs)
        {
            var id = job.Id.ToString(CultureInfo.InvariantCulture);
            Append("<tr data-job=\"").Append(id).Append("\"><td class=\"num\">").Append(id).Append("</td><td><code>").Append(E(job.JobType)).Append("</code></td>")
                .Append("<td class=\"error\"><code>").Append(E(SecretText.Redact(job.Payload))).Append("</code></td>")
                .Append("<td class=\"num\">").Append(job.Attempts.ToString(CultureInfo.InvariantCulture)).Append('/').Append(job.MaxAttempts.ToString(CultureInfo.InvariantCulture)).Append("</td>")
                .Append("<td>").Append(TimeTag(job.FinishedAt)).Append("</td>")
                .Append("<td class=\"error\">").Append(E(SecretText.Redact(job.LastError))).Append("</td>");
            if (!Options.ReadOnly)
            {
                Append("<td>").Append(Action("requeue", "Requeue", $"Requeue dead job {id}", ("jobId", id))).Append("</td>");
            }

            Append("</tr>");
        }

        Append("</tbody></table></div></section>");
    }
}
