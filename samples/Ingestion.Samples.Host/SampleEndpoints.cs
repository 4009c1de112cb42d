namespace Ingestion.Samples.Host;

/// <summary>
/// The HTTP surface of <c>--serve</c>: the operations dashboard at /ingestion and its API at /ingestion/api (both answer
/// only this machine unless an authorization policy or, for the API, a shared secret from <c>Ingestion:Api:Secrets</c> lets
/// a caller in), the standard health check, and the vendors' webhooks.
/// </summary>
internal static class SampleEndpoints
{
    public static void MapSampleEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health");

        // The dashboard: streams, runs, retries, queue, and the Sync now / Retry now / Requeue / Enable-Disable actions.
        app.MapIngestionDashboard("/ingestion");

        // POST /ingestion/api/sync/employes?stream=employees (queued for the workers; mode=interactive waits for the run),
        // GET runs, health and queue, POST retry and requeue. A cron service elsewhere sends X-Ingestion-Secret.
        var secrets = app.Configuration.GetSection("Ingestion:Api:Secrets").Get<string[]>() ?? [];
        app.MapIngestionApi("/ingestion/api", api =>
        {
            foreach (var secret in secrets.Where(secret => !string.IsNullOrWhiteSpace(secret)))
            {
                api.Secrets.Add(secret);
            }
        });

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
