using System.Text.Json;
using System.Text.Json.Serialization;
using Ingestion.Dashboard.Internal;
using Ingestion.Security.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ingestion.Api.Internal;

/// <summary>
/// The HTTP API: sync now, runs, health, queue, retry now, requeue. Let in: a request with a matching shared secret, a
/// request the endpoint's authorization policy let through, or a local one; a wrong secret is 401 even from this machine.
/// </summary>
internal static class ApiEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public static RouteGroupBuilder Map(IEndpointRouteBuilder endpoints, string prefix, IngestionApiOptions options)
    {
        var group = endpoints.MapGroup(prefix);
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var (verdict, who) = AccessGuard.Check(http, options.SecretHeader, options.Secrets);
            var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Ingestion.Api");
            if (verdict == AccessVerdict.WrongSecret)
            {
                OperationsLog.Refused(logger, "API", AccessGuard.Describe(http), $"the {options.SecretHeader} header matches no configured secret");
                return Results.Problem("The shared secret is not valid.", statusCode: StatusCodes.Status401Unauthorized);
            }

            if (verdict == AccessVerdict.NoCredentials)
            {
                OperationsLog.Refused(logger, "API", who, "not a local request, no authorization policy and no shared secret");
                return options.Secrets.Count > 0
                    ? Results.Problem($"Send the shared secret in the {options.SecretHeader} header.", statusCode: StatusCodes.Status401Unauthorized)
                    : Results.Problem("The Ingestion API answers only requests from this machine unless the host gives it an authorization policy or a shared secret.", statusCode: StatusCodes.Status403Forbidden);
            }

            // A browser on this machine must not be made to post here by another site: a cross-site request is refused
            // unless it carries the secret (which a page elsewhere cannot know).
            if (HttpMethods.IsPost(http.Request.Method) && !who.StartsWith("shared secret", StringComparison.Ordinal) && IsCrossSite(http))
            {
                OperationsLog.Refused(logger, "API", who, "a cross-site POST");
                return Results.Problem("Cross-site requests are refused.", statusCode: StatusCodes.Status403Forbidden);
            }

            if (options.ReadOnly && HttpMethods.IsPost(http.Request.Method))
            {
                return Results.Problem("The API is read-only.", statusCode: StatusCodes.Status403Forbidden);
            }

            http.Items[typeof(ApiEndpoints)] = who;
            return await next(context).ConfigureAwait(false);
        });

        static string Who(HttpContext http) => http.Items[typeof(ApiEndpoints)] as string ?? AccessGuard.Describe(http);

        // POST sync/employes?stream=employees&mode=interactive (background unless said otherwise)
        group.MapPost("/sync/{source}", async (HttpContext http, string source, string? stream, string? mode, IngestionOperations operations, CancellationToken cancellationToken) =>
        {
            if (!Enum.TryParse<SyncNowMode>(mode ?? nameof(SyncNowMode.Background), ignoreCase: true, out var syncMode) || !Enum.IsDefined(syncMode))
            {
                return Results.Problem($"mode '{mode}' is not one of: interactive, background.", statusCode: StatusCodes.Status400BadRequest);
            }

            var (ok, message, result) = await operations.SyncNowAsync(source, stream, syncMode, Who(http), cancellationToken).ConfigureAwait(false);
            if (!ok)
            {
                return Results.Problem(message, statusCode: StatusCodes.Status404NotFound);
            }

            return Results.Json(result, Json, statusCode: syncMode == SyncNowMode.Background ? StatusCodes.Status202Accepted : StatusCodes.Status200OK);
        });

        group.MapGet("/runs", async (string? source, string? stream, string? status, int? limit, IRunLog runs, CancellationToken cancellationToken) =>
        {
            var id = source is not null && stream is not null ? new StreamId(source, stream) : (StreamId?)null;
            var recent = await runs.GetRecentAsync(id, Math.Clamp(limit ?? 50, 1, 500), cancellationToken).ConfigureAwait(false);
            var filtered = recent.Where(r => (source is null || r.Stream.Source == source) && (stream is null || r.Stream.Stream == stream)
                && (status is null || string.Equals(r.Status.ToString(), status, StringComparison.OrdinalIgnoreCase)));
            return Results.Json(filtered, Json);
        });

        group.MapGet("/runs/{runId:guid}", async (Guid runId, IRunLog runs, CancellationToken cancellationToken) =>
            await runs.GetAsync(runId, cancellationToken).ConfigureAwait(false) is { } run ? Results.Json(run, Json) : Results.NotFound());

        group.MapGet("/health", async (IHealthStore health, TimeProvider time, CancellationToken cancellationToken) =>
            Results.Json(await health.GetSystemHealthAsync(time, cancellationToken).ConfigureAwait(false), Json));

        group.MapGet("/queue", async (IJobQueue queue, CancellationToken cancellationToken) => Results.Json(
            new
            {
                Stats = await queue.GetStatsAsync(cancellationToken).ConfigureAwait(false),
                Dead = await queue.GetJobsAsync(JobStatus.Dead, 100, cancellationToken).ConfigureAwait(false),
            },
            Json));

        // POST retry/employes/employees?key=42 (every waiting key of the stream without key)
        group.MapPost("/retry/{source}/{stream}", async (HttpContext http, string source, string stream, string? key, IngestionOperations operations, CancellationToken cancellationToken) =>
        {
            var (_, message) = await operations.RetryNowAsync(source, stream, key, Who(http), cancellationToken).ConfigureAwait(false);
            return Results.Json(new { Message = message }, Json, statusCode: StatusCodes.Status202Accepted);
        });

        group.MapPost("/jobs/{jobId:long}/requeue", async (HttpContext http, long jobId, IngestionOperations operations, CancellationToken cancellationToken) =>
        {
            var (ok, message) = await operations.RequeueAsync(jobId, Who(http), cancellationToken).ConfigureAwait(false);
            return ok ? Results.Json(new { Message = message }, Json, statusCode: StatusCodes.Status202Accepted) : Results.Problem(message, statusCode: StatusCodes.Status409Conflict);
        });

        // POST schedules/disable?name=employes/employees (a schedule's name may hold a slash)
        foreach (var (change, enabled) in new[] { ("enable", true), ("disable", false) })
        {
            group.MapPost($"/schedules/{change}", async (HttpContext http, string name, IngestionOperations operations, CancellationToken cancellationToken) =>
            {
                var (ok, message) = await operations.SetScheduleEnabledAsync(name, enabled, Who(http), cancellationToken).ConfigureAwait(false);
                return ok ? Results.Json(new { Message = message }, Json) : Results.Problem(message, statusCode: StatusCodes.Status404NotFound);
            });
        }

        return group;
    }

    private static bool IsCrossSite(HttpContext http)
    {
        var site = http.Request.Headers["Sec-Fetch-Site"].ToString();
        if (site is "cross-site" or "same-site")
        {
            return true;
        }

        var origin = http.Request.Headers.Origin.ToString();
        return origin.Length > 0
            && (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || !string.Equals(uri.Authority, http.Request.Host.Value, StringComparison.OrdinalIgnoreCase));
    }
}
