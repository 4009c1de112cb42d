namespace Ingestion.Samples.Host;

/// <summary>The HTTP API of <c>--serve</c>: trigger syncs, read runs, health and queue statistics, receive vendor webhooks.</summary>
internal static class SampleEndpoints
{
    public static void MapSampleEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health");

        var api = app.MapGroup("/api");
        api.MapPost("/sync/{source}", async (string source, string? stream, ISyncRunner runner, CancellationToken cancellationToken) =>
        {
            var reports = stream is null
                ? await runner.SyncSourceAsync(source, options: null, cancellationToken)
                : await runner.SyncStreamAsync(source, stream, options: null, cancellationToken);
            return Results.Ok(reports);
        });
        api.MapGet("/runs", async (string? source, string? stream, int? limit, IRunLog runs, CancellationToken cancellationToken) =>
            Results.Ok(await runs.GetRecentAsync(source is not null && stream is not null ? new StreamId(source, stream) : null, Math.Clamp(limit ?? 50, 1, 500), cancellationToken)));
        api.MapGet("/health", async (IHealthStore health, TimeProvider time, CancellationToken cancellationToken) =>
            Results.Ok(await health.GetSystemHealthAsync(time, cancellationToken)));
        api.MapGet("/queue", async (IJobQueue queue, CancellationToken cancellationToken) =>
            Results.Ok(await queue.GetStatsAsync(cancellationToken)));
    }
}
