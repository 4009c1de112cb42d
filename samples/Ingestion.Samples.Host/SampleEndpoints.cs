namespace Ingestion.Samples.Host;

/// <summary>The HTTP API of <c>--serve</c>: trigger syncs, read runs, health and queue statistics, receive vendor webhooks.</summary>
internal static class SampleEndpoints
{
    public static void MapSampleEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health");

        var api = app.MapGroup("/api");

        // POST /api/sync/employes?stream=employees&mode=background
        api.MapPost("/sync/{source}", async (string source, string? stream, string? mode, IIngestionClient client, ISourceCatalog catalog, CancellationToken cancellationToken) =>
        {
            if (catalog.Find(source) is not { } definition)
            {
                return Results.Problem($"Unknown source '{source}'. Known sources: {string.Join(", ", catalog.Sources.Select(s => s.Name))}.", statusCode: 404);
            }

            if (stream is not null && definition.Streams.All(s => s.Name != stream))
            {
                return Results.Problem($"Source '{source}' has no stream '{stream}'. Its streams: {string.Join(", ", definition.Streams.Select(s => s.Name))}.", statusCode: 404);
            }

            if (!Enum.TryParse<SyncNowMode>(mode ?? nameof(SyncNowMode.Interactive), ignoreCase: true, out var syncMode) || !Enum.IsDefined(syncMode))
            {
                return Results.Problem($"mode '{mode}' is not one of: interactive, background.", statusCode: 400);
            }

            var result = await client.SyncNowAsync(new SyncNowRequest { Source = source, Stream = stream, Mode = syncMode }, cancellationToken);
            return syncMode == SyncNowMode.Background ? Results.Accepted(value: result) : Results.Ok(result);
        });

        api.MapGet("/runs", async (string? source, string? stream, int? limit, IRunLog runs, CancellationToken cancellationToken) =>
            Results.Ok(await runs.GetRecentAsync(source is not null && stream is not null ? new StreamId(source, stream) : null, Math.Clamp(limit ?? 50, 1, 500), cancellationToken)));

        api.MapGet("/health", async (IHealthStore health, TimeProvider time, CancellationToken cancellationToken) =>
            Results.Ok(await health.GetSystemHealthAsync(time, cancellationToken)));

        api.MapGet("/queue", async (IJobQueue queue, CancellationToken cancellationToken) =>
            Results.Ok(await queue.GetStatsAsync(cancellationToken)));

        // Vendors post here; the body is verified against the source's secrets before anything else reads it.
        app.MapPost("/webhooks/{source}", async (string source, HttpRequest request, IWebhookReceiver receiver, CancellationToken cancellationToken) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body, cancellationToken);
            var headers = request.Headers.Select(header => new KeyValuePair<string, string>(header.Key, header.Value.ToString()));
            var receipt = await receiver.ReceiveAsync(source, headers, body.GetBuffer().AsMemory(0, (int)body.Length), cancellationToken);
            return Results.Json(receipt, statusCode: receipt.StatusCode);
        });
    }
}
