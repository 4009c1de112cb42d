using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using static Ingestion.Dashboard.Internal.Html;

namespace Ingestion.Dashboard.Internal;

/// <summary>The layout every dashboard page shares, and the action buttons (each a small form with the antiforgery token).</summary>
internal sealed partial class DashboardPage
{
    public const string FlashCookie = "ingestion-dashboard-flash";

    private readonly StringBuilder _html = new();
    private readonly AntiforgeryTokenSet _tokens;

    public DashboardPage(HttpContext context, string basePath, IngestionDashboardOptions options, IAntiforgery antiforgery)
    {
        Context = context;
        Base = basePath;
        Options = options;
        _tokens = antiforgery.GetAndStoreTokens(context);
    }

    public HttpContext Context { get; }

    public string Base { get; }

    public IngestionDashboardOptions Options { get; }

    public StringBuilder Append(string html) => _html.Append(html);

    public IResult Render(string title, string current)
    {
        var body = _html.ToString();
        var page = new StringBuilder();
        page.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><link rel=\"icon\" href=\"data:,\">")
            .Append("<title>").Append(E($"{title} · {Options.Title}")).Append("</title>")
            .Append("<style>").Append(Styles).Append("</style></head><body>")
            .Append("<a href=\"#main\" class=\"skip\">Skip to content</a>")
            .Append("<header><h1>").Append(E(Options.Title)).Append(" operations</h1><nav aria-label=\"Dashboard\"><ul>");
        foreach (var (href, label) in new[] { ("", "Streams"), ("/runs", "Runs"), ("/retries", "Retries"), ("/queue", "Queue") })
        {
            page.Append("<li><a href=\"").Append(E(Base + (href.Length == 0 ? "/" : href))).Append('"')
                .Append(label == current ? " aria-current=\"page\"" : string.Empty).Append('>').Append(label).Append("</a></li>");
        }

        page.Append("</ul></nav>");
        if (Options.ReadOnly)
        {
            page.Append(Badge("Read-only", "none"));
        }

        page.Append("</header><main id=\"main\">");
        if (Context.Request.Cookies.TryGetValue(FlashCookie, out var flash) && !string.IsNullOrEmpty(flash))
        {
            page.Append("<p class=\"flash\" role=\"status\">").Append(E(flash)).Append("</p>");
            Context.Response.Cookies.Delete(FlashCookie, new CookieOptions { Path = Base });
        }

        page.Append(body).Append("</main></body></html>");
        Context.Response.Headers.ContentSecurityPolicy =
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        Context.Response.Headers.XContentTypeOptions = "nosniff";
        Context.Response.Headers.CacheControl = "no-store";
        return Results.Content(page.ToString(), "text/html; charset=utf-8");
    }

    /// <summary>A POST button with the antiforgery token and hidden fields; nothing in read-only mode.</summary>
    public string Action(string action, string label, string accessibleLabel, params (string Name, string? Value)[] fields)
    {
        if (Options.ReadOnly)
        {
            return string.Empty;
        }

        var form = new StringBuilder();
        form.Append("<form class=\"inline\" method=\"post\" action=\"").Append(E($"{Base}/actions/{action}")).Append("\">")
            .Append("<input type=\"hidden\" name=\"").Append(E(_tokens.FormFieldName)).Append("\" value=\"").Append(E(_tokens.RequestToken)).Append("\">")
            .Append("<input type=\"hidden\" name=\"returnTo\" value=\"").Append(E(Context.Request.PathBase + Context.Request.Path + Context.Request.QueryString)).Append("\">");
        foreach (var (name, value) in fields)
        {
            if (value is not null)
            {
                form.Append("<input type=\"hidden\" name=\"").Append(E(name)).Append("\" value=\"").Append(E(value)).Append("\">");
            }
        }

        return form.Append("<button type=\"submit\" aria-label=\"").Append(E(accessibleLabel)).Append("\">").Append(E(label)).Append("</button></form>").ToString();
    }
}
