using Ingestion.Security.Internal;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ingestion.Dashboard.Internal;

/// <summary>The dashboard's pages (GET) and actions (POST, antiforgery-protected), behind the local-only or policy guard.</summary>
internal static class DashboardEndpoints
{
    public static RouteGroupBuilder Map(IEndpointRouteBuilder endpoints, string prefix, IngestionDashboardOptions options)
    {
        var group = endpoints.MapGroup(prefix);
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var (verdict, who) = AccessGuard.Check(http, secretHeader: null, secrets: null);
            if (verdict != AccessVerdict.Allowed)
            {
                OperationsLog.Refused(Logger(http), "dashboard", who, "not a local request and the dashboard has no authorization policy");
                return Results.Text(
                    "The Ingestion dashboard answers only requests from this machine unless the host gives it an authorization policy (RequireAuthorization).",
                    "text/plain", statusCode: StatusCodes.Status403Forbidden);
            }

            return await next(context).ConfigureAwait(false);
        });

        string Base(HttpContext http) => http.Request.PathBase + prefix.TrimEnd('/');
        DashboardPage Page(HttpContext http) => new(http, Base(http), options, http.RequestServices.GetRequiredService<IAntiforgery>());

        group.MapGet("/", async (HttpContext http, CancellationToken cancellationToken) =>
        {
            var page = Page(http);
            page.WriteStreams(await DashboardSnapshot.ReadAsync(http.RequestServices, options.ChartRuns, cancellationToken).ConfigureAwait(false));
            return page.Render("Streams", "Streams");
        });

        group.MapGet("/runs", async (HttpContext http, string? source, string? stream, string? status, CancellationToken cancellationToken) =>
        {
            source = string.IsNullOrEmpty(source) ? null : source;
            stream = string.IsNullOrEmpty(stream) ? null : stream;
            RunStatus? wanted = Enum.TryParse<RunStatus>(status, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) ? parsed : null;
            var services = http.RequestServices;
            var catalog = services.GetRequiredService<ISourceCatalog>();
            var streams = catalog.Sources.SelectMany(s => s.Streams.Select(d => new StreamId(s.Name, d.Name))).ToList();
            var runLog = services.GetRequiredService<IRunLog>();

            // The run log reads by stream; a source filter alone reads each of its streams and merges them.
            IEnumerable<SyncReport> runs;
            if (source is not null && stream is not null)
            {
                runs = await runLog.GetRecentAsync(new StreamId(source, stream), options.RunsPageSize * 4, cancellationToken).ConfigureAwait(false);
            }
            else if (source is not null)
            {
                var merged = new List<SyncReport>();
                foreach (var id in streams.Where(s => s.Source == source))
                {
                    merged.AddRange(await runLog.GetRecentAsync(id, options.RunsPageSize * 4, cancellationToken).ConfigureAwait(false));
                }

                runs = merged;
            }
            else
            {
                runs = await runLog.GetRecentAsync(null, options.RunsPageSize * 4, cancellationToken).ConfigureAwait(false);
                if (stream is not null)
                {
                    runs = runs.Where(r => r.Stream.Stream == stream);
                }
            }

            var list = runs.Where(r => wanted is null || r.Status == wanted).OrderByDescending(r => r.StartedAt).Take(options.RunsPageSize).ToList();
            var page = Page(http);
            page.WriteRuns(list, streams, source, stream, wanted);
            return page.Render("Runs", "Runs");
        });

        group.MapGet("/runs/{runId:guid}", async (HttpContext http, Guid runId, CancellationToken cancellationToken) =>
        {
            var run = await http.RequestServices.GetRequiredService<IRunLog>().GetAsync(runId, cancellationToken).ConfigureAwait(false);
            if (run is null)
            {
                return Results.NotFound();
            }

            var page = Page(http);
            page.WriteRun(run);
            return page.Render("Run", "Runs");
        });

        group.MapGet("/retries", async (HttpContext http, CancellationToken cancellationToken) =>
        {
            var page = Page(http);
            page.WriteRetries(await DashboardSnapshot.ReadAsync(http.RequestServices, 1, cancellationToken).ConfigureAwait(false));
            return page.Render("Retries", "Retries");
        });

        group.MapGet("/queue", async (HttpContext http, CancellationToken cancellationToken) =>
        {
            var page = Page(http);
            page.WriteQueue(await DashboardSnapshot.ReadAsync(http.RequestServices, 1, cancellationToken).ConfigureAwait(false));
            return page.Render("Queue", "Queue");
        });

        group.MapPost("/actions/{action}", async (HttpContext http, string action, CancellationToken cancellationToken) =>
        {
            if (options.ReadOnly)
            {
                return Results.Text("The dashboard is read-only.", "text/plain", statusCode: StatusCodes.Status403Forbidden);
            }

            try
            {
                await http.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(http).ConfigureAwait(false);
            }
            catch (AntiforgeryValidationException)
            {
                OperationsLog.Refused(Logger(http), "dashboard", AccessGuard.Describe(http), "a POST without a valid antiforgery token");
                return Results.Text("The form is missing its antiforgery token or it is not valid: reload the page and try again.", "text/plain", statusCode: StatusCodes.Status400BadRequest);
            }

            var form = await http.Request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
            string? Field(string name) => form.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value.ToString()) ? value.ToString() : null;
            var who = AccessGuard.Describe(http);
            var operations = http.RequestServices.GetRequiredService<IngestionOperations>();
            (bool Ok, string Message) outcome = action switch
            {
                "sync" when Field("source") is { } source =>
                    await SyncAsync(operations, source, Field("stream"), options.SyncNowMode, who, cancellationToken).ConfigureAwait(false),
                "retry" when Field("source") is { } source && Field("stream") is { } stream =>
                    await operations.RetryNowAsync(source, stream, Field("key"), who, cancellationToken).ConfigureAwait(false),
                "requeue" when long.TryParse(Field("jobId"), out var jobId) =>
                    await operations.RequeueAsync(jobId, who, cancellationToken).ConfigureAwait(false),
                "schedule" when Field("name") is { } name && bool.TryParse(Field("enabled"), out var enabled) =>
                    await operations.SetScheduleEnabledAsync(name, enabled, who, cancellationToken).ConfigureAwait(false),
                _ => (false, $"Unknown action '{action}' or missing fields."),
            };

            var basePath = Base(http);
            var returnTo = Field("returnTo") is { } back && back.StartsWith(basePath, StringComparison.Ordinal) && !back.StartsWith("//", StringComparison.Ordinal) ? back : basePath + "/";
            http.Response.Cookies.Append(DashboardPage.FlashCookie, outcome.Message, new CookieOptions
            {
                Path = basePath, HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = http.Request.IsHttps, IsEssential = true,
            });
            return Results.Redirect(returnTo, permanent: false, preserveMethod: false);
        });

        return group;
    }

    private static async Task<(bool Ok, string Message)> SyncAsync(IngestionOperations operations, string source, string? stream, SyncNowMode mode, string who, CancellationToken cancellationToken)
    {
        var (ok, message, _) = await operations.SyncNowAsync(source, stream, mode, who, cancellationToken).ConfigureAwait(false);
        return (ok, message);
    }

    private static ILogger Logger(HttpContext http) =>
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Ingestion.Dashboard");
}
