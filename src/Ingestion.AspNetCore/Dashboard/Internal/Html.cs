using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace Ingestion.Dashboard.Internal;

/// <summary>Small helpers for writing encoded HTML by hand: every value that is not markup goes through <see cref="E"/>.</summary>
internal static class Html
{
    public static string E(string? text) => HtmlEncoder.Default.Encode(text ?? string.Empty);

    public static string Q(string? text) => Uri.EscapeDataString(text ?? string.Empty);

    public static string Time(DateTimeOffset? at) =>
        at is { } value ? value.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC" : "–";

    public static string TimeTag(DateTimeOffset? at) =>
        at is { } value ? $"<time datetime=\"{value.ToUniversalTime():O}\">{E(Time(value))}</time>" : "<span aria-label=\"never\">–</span>";

    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Duration(TimeSpan? duration)
    {
        if (duration is not { } value)
        {
            return "–";
        }

        return value.TotalSeconds < 60 ? value.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s"
            : value.TotalMinutes < 60 ? value.TotalMinutes.ToString("0.0", CultureInfo.InvariantCulture) + " min"
            : value.TotalHours.ToString("0.0", CultureInfo.InvariantCulture) + " h";
    }

    public static string Badge(string text, string kind) => $"<span class=\"badge {kind}\">{E(text)}</span>";

    public static string HealthBadge(StreamHealthStatus? status, bool disabled) =>
        disabled ? Badge("Disabled", "disabled")
        : status switch
        {
            StreamHealthStatus.Healthy => Badge("Healthy", "ok"),
            StreamHealthStatus.Degraded => Badge("Degraded", "warn"),
            StreamHealthStatus.Unhealthy => Badge("Unhealthy", "bad"),
            _ => Badge("Unknown", "none"),
        };

    public static string RunBadge(RunStatus status) => status switch
    {
        RunStatus.Succeeded => Badge("Succeeded", "ok"),
        RunStatus.Partial => Badge("Partial", "warn"),
        RunStatus.Running => Badge("Running", "none"),
        RunStatus.Skipped => Badge("Skipped", "warn"),
        _ => Badge(status.ToString(), "bad"),
    };

    /// <summary>The last runs, oldest left: a bar per run (new + changed in blue, partial in amber, a failed run red).</summary>
    public static string Chart(IReadOnlyList<SyncReport> recentNewestFirst)
    {
        if (recentNewestFirst.Count == 0)
        {
            return "<span class=\"muted\">no runs yet</span>";
        }

        var runs = recentNewestFirst.Reverse().ToList();
        const int Width = 160, Height = 32, Gap = 2;
        var bar = Math.Max(2, (Width - Gap * (runs.Count - 1)) / Math.Max(runs.Count, 8));
        var max = Math.Max(1, runs.Max(r => r.RecordsNew + r.RecordsChanged + r.RecordsPartial));
        var failed = runs.Count(r => r.Status is RunStatus.Failed or RunStatus.Abandoned);
        var label = $"Last {runs.Count} runs: {failed} failed, {Number(runs.Sum(r => r.RecordsNew + r.RecordsChanged))} records new or changed, {Number(runs.Sum(r => r.RecordsPartial))} partial.";
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{E(label)}\"><title>{E(label)}</title>");
        for (var i = 0; i < runs.Count; i++)
        {
            var run = runs[i];
            var x = i * (bar + Gap);
            if (run.Status is RunStatus.Failed or RunStatus.Abandoned or RunStatus.Cancelled)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x}\" y=\"0\" width=\"{bar}\" height=\"{Height}\" fill=\"#b42318\"><title>{E(Time(run.StartedAt))}: {E(run.Status.ToString())}</title></rect>");
                continue;
            }

            var good = (int)Math.Round((double)(run.RecordsNew + run.RecordsChanged) / max * (Height - 2));
            var partial = (int)Math.Round((double)run.RecordsPartial / max * (Height - 2));
            var tip = $"{Time(run.StartedAt)}: {run.Status}, {run.RecordsNew} new, {run.RecordsChanged} changed, {run.RecordsPartial} partial";
            svg.Append(CultureInfo.InvariantCulture, $"<g><title>{E(tip)}</title><rect x=\"{x}\" y=\"{Height - 2}\" width=\"{bar}\" height=\"2\" fill=\"#8c959f\"/>");
            if (good > 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x}\" y=\"{Height - 2 - good}\" width=\"{bar}\" height=\"{good}\" fill=\"#0969da\"/>");
            }

            if (partial > 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x}\" y=\"{Height - 2 - good - partial}\" width=\"{bar}\" height=\"{partial}\" fill=\"#bf8700\"/>");
            }

            svg.Append("</g>");
        }

        return svg.Append("</svg>").ToString();
    }

    public const string Styles = """
        :root { color-scheme: light; --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg:#ffffff; --head:#f6f8fa; --link:#0550ae; }
        * { box-sizing: border-box; }
        body { margin:0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
        header { display:flex; flex-wrap:wrap; gap:.5rem 1.5rem; align-items:center; padding:.75rem 1rem; border-bottom:1px solid var(--line); background:var(--head); }
        header h1 { font-size:1.15rem; margin:0; }
        nav ul { display:flex; flex-wrap:wrap; gap:.25rem 1rem; list-style:none; margin:0; padding:0; }
        nav a[aria-current="page"] { font-weight:700; text-decoration:underline; }
        main { padding:1rem; max-width:1400px; }
        h2 { font-size:1.05rem; margin:1.5rem 0 .5rem; }
        a { color:var(--link); }
        a:focus-visible, button:focus-visible, select:focus-visible, input:focus-visible { outline:3px solid #0969da; outline-offset:2px; }
        .scroll { overflow-x:auto; }
        table { border-collapse:collapse; width:100%; font-size:.92rem; }
        th, td { text-align:left; padding:.35rem .5rem; border-bottom:1px solid var(--line); vertical-align:top; }
        th { background:var(--head); font-weight:600; white-space:nowrap; }
        td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
        .badge { display:inline-block; padding:0 .45rem; border-radius:1rem; font-weight:600; font-size:.85rem; border:1px solid; white-space:nowrap; }
        .ok { color:#116329; background:#dafbe1; border-color:#116329; }
        .warn { color:#7a4a00; background:#fff8c5; border-color:#7a4a00; }
        .bad { color:#a40e26; background:#ffebe9; border-color:#a40e26; }
        .disabled { color:#424a53; background:#eaeef2; border-color:#424a53; }
        .none { color:#424a53; background:#fff; border-color:#8c959f; }
        .muted { color:var(--muted); }
        .error { max-width:32rem; overflow-wrap:anywhere; font-size:.85rem; }
        form.inline { display:inline; margin:0; }
        button { font:inherit; font-size:.85rem; padding:.15rem .6rem; border:1px solid #1f2328; border-radius:.35rem; background:#fff; color:#1f2328; cursor:pointer; }
        button:hover { background:#f3f4f6; }
        .flash { padding:.5rem .75rem; border:1px solid #0969da; background:#ddf4ff; border-radius:.35rem; margin-bottom:1rem; }
        .filters { display:flex; flex-wrap:wrap; gap:.5rem 1rem; align-items:end; margin-bottom:.75rem; }
        .filters label { display:flex; flex-direction:column; font-size:.85rem; }
        .filters input, .filters select { font:inherit; padding:.15rem .3rem; }
        dl.report { display:grid; grid-template-columns:max-content 1fr; gap:.2rem 1rem; }
        dl.report dt { font-weight:600; }
        dl.report dd { margin:0; }
        .chart { display:block; }
        td time, button { white-space:nowrap; }
        .skip { position:absolute; left:-999px; top:0; background:#fff; padding:.5rem; }
        .skip:focus { left:.5rem; }
        @media (max-width: 700px) { main { padding:.5rem; } th, td { padding:.3rem; } }
        """;
}
