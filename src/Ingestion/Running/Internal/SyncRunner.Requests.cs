namespace Ingestion.Running.Internal;

/// <summary>
/// The first request of a run's chain: the stored checkpoint, or the stream's path with its placeholders filled, its query,
/// the paginator's first parameters, the watermark moved back by the overlap and <see cref="StreamDefinition.PrepareRequest"/>.
/// </summary>
internal sealed partial class SyncRunner
{
    private string? StartWatermark(StreamRun run)
    {
        if (run.Stream.Mode != SyncMode.Incremental || run.Stream.Incremental is not { } incremental)
        {
            return null;
        }

        var watermark = run.Options.WatermarkOverride ?? run.State.Watermark;
        if (watermark is null)
        {
            return incremental.InitialValue;
        }

        var moved = Watermarks.ApplyOverlap(watermark, incremental.Overlap);
        if (!string.Equals(moved, watermark, StringComparison.Ordinal))
        {
            run.AddIssue(new SyncIssue(IssueKind.Overlap, $"The watermark {watermark} was moved back by {incremental.Overlap} to {moved}."));
        }

        return moved;
    }

    private PageRequest? PrepareFirstRequest(StreamRun run)
    {
        if (run.State.Checkpoint is { } checkpoint && !run.Options.IgnoreCheckpoint)
        {
            try
            {
                var resumed = PageRequest.FromCheckpoint(checkpoint);
                run.ResumedFromCheckpoint = true;
                run.AddIssue(new SyncIssue(IssueKind.Other, "The run resumed from the checkpoint of an earlier run that ended early; it saw only the rest of the data."));
                return resumed;
            }
            catch (FormatException)
            {
                SyncRunnerLog.CheckpointUnreadable(_logger, run.Source.Name, run.Stream.Name);
                run.AddIssue(new SyncIssue(IssueKind.Other, "The stored checkpoint could not be read; the run started from the first page."));
            }
        }

        run.RequestWatermark = StartWatermark(run);
        try
        {
            return PrepareRequest(run, placeholder => run.Options.Parameters.GetValueOrDefault(placeholder), parentKey: null);
        }
        catch (InvalidOperationException exception)
        {
            run.MarkConfigurationFailed($"Stream '{run.Stream.Name}' of source '{run.Source.Name}': {exception.Message} Top-level streams fill placeholders from SyncOptions.Parameters.");
            return null;
        }
    }

    // Base address + path (placeholders URL-escaped) → query → paginator's first parameters → watermark → PrepareRequest.
    private static PageRequest PrepareRequest(StreamRun run, Func<string, string?> placeholderValue, string? parentKey)
    {
        var stream = run.Stream;
        var path = run.Plan.Template.Fill(placeholderValue);
        var request = new PageRequest(
            stream.Method,
            new Uri(run.Source.BaseAddress, path),
            stream.Body,
            stream.Body.IsEmpty ? null : stream.BodyContentType);
        foreach (var (name, value) in stream.Query)
        {
            request = request.WithQueryParameter(name, value);
        }

        request = stream.Paginator.PrepareFirst(request);
        if (run.RequestWatermark is { } watermark && stream.Incremental?.RequestParameter is { } parameter)
        {
            request = request.WithQueryParameter(parameter, watermark);
        }

        if (stream.PrepareRequest is { } prepare)
        {
            request = prepare(request, new StreamRequestContext
            {
                Stream = stream,
                Watermark = run.RequestWatermark,
                RunStartedAt = run.StartedAt,
                ParentKey = parentKey,
                Parameters = run.Options.Parameters,
                ReportIssue = run.AddIssue,
                MarkPartialView = run.MarkPartialView,
            });
        }

        return request;
    }
}
