using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace Ingestion.Samples.Cli;

internal sealed partial class CliApplication
{
    /// <summary>The stream a backfill with <c>--group</c> syncs first when the source has one (group members are learned from it).</summary>
    private const string PeopleStream = "people";

    private static Option<bool> DryRunOption() => new("--dry-run") { Description = "Fetch and report, but write nothing (records, state, health, run log) and derive nothing." };

    private static Option<bool> NoProgressOption() => new("--no-progress") { Description = "Do not show the live progress display." };

    private Command BackfillCommand()
    {
        var source = SourceOption(required: true);
        var stream = StreamOption(required: true);
        var from = DateOption("--from", "The first day of the range, inclusive.");
        var to = DateOption("--to", "The last day of the range, inclusive.");
        var group = new Option<string[]>("--group", "-g")
        {
            Description = $"Only these groups (repeat the option); passed to the connector as the run parameter 'group'. Connectors that do not filter by group ignore it. When the source has a '{PeopleStream}' stream, it is synced first with the same parameters, so that the groups' members are known.",
            HelpName = "id",
        };
        var dryRun = DryRunOption();
        var noProgress = NoProgressOption();
        var command = new Command("backfill", "Fetches a date range of one stream again, from its first page, whatever its watermark. The range goes to the connector as the run parameters 'from' and 'to' (yyyy-MM-dd); an incremental stream that does not read them starts from --from.")
        {
            source, stream, from, to, group, dryRun, noProgress,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var first = parse.GetValue(from);
            var last = parse.GetValue(to);
            if (first > last)
            {
                return await UsageErrorAsync($"Option '--from': {Format(first)} is after --to {Format(last)}; the range must run forward.").ConfigureAwait(false);
            }

            var groups = (parse.GetValue(group) ?? []).SelectMany(g => g.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
            var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["from"] = Format(first),
                ["to"] = Format(last),
            };
            if (groups.Count > 0)
            {
                parameters["group"] = string.Join(',', groups);
            }

            var sourceName = parse.GetValue(source)!;
            var streamName = parse.GetValue(stream)!;
            return await RunCommandAsync(
                parse,
                host =>
                {
                    var requests = new List<SyncNowRequest>();
                    if (groups.Count > 0 && PeopleFirst(host, sourceName, streamName))
                    {
                        // A connector that filters by group through its members learns them from the people stream.
                        _console.MarkupLine($"With --group, the '{PeopleStream}' stream of '{Markup.Escape(sourceName)}' is synced first so that the groups' members are known.");
                        requests.Add(new SyncNowRequest
                        {
                            Source = sourceName,
                            Stream = PeopleStream,
                            Parameters = parameters,
                            IgnoreCheckpoint = true,
                            DryRun = parse.GetValue(dryRun),
                        });
                    }

                    requests.Add(new SyncNowRequest
                    {
                        Source = sourceName,
                        Stream = streamName,
                        Parameters = parameters,
                        IgnoreCheckpoint = true,
                        WatermarkOverride = Format(first),
                        DryRun = parse.GetValue(dryRun),
                    });
                    return SyncAsync(host, requests, parse.GetValue(dryRun), !parse.GetValue(noProgress), cancellationToken);
                },
                sources => CheckNames(sources, sourceName, streamName),
                cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    // With --group, a source's top-level people stream (if it has one and it is not the stream being backfilled) runs first.
    private static bool PeopleFirst(IHost host, string source, string stream) =>
        !string.Equals(stream, PeopleStream, StringComparison.Ordinal)
        && CliHostFactory.Sources(host).FirstOrDefault(s => s.Name == source) is { } definition
        && definition.Streams.Any(s => s.Name == PeopleStream && s.Parent is null);

    private Command SyncCommand()
    {
        var source = SourceOption(required: false);
        var stream = StreamOption(required: false);
        var dryRun = DryRunOption();
        var noProgress = NoProgressOption();
        var command = new Command("sync", "Syncs every source, one source, or one stream of a source now, from the stored watermark and checkpoint.")
        {
            source, stream, dryRun, noProgress,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var sourceName = parse.GetValue(source);
            var streamName = parse.GetValue(stream);
            return await RunCommandAsync(
                parse,
                host =>
                {
                    var names = sourceName is null ? CliHostFactory.Sources(host).Select(s => s.Name).ToList() : [sourceName];
                    var requests = names.Select(name => new SyncNowRequest { Source = name, Stream = streamName, DryRun = parse.GetValue(dryRun) }).ToList();
                    return SyncAsync(host, requests, parse.GetValue(dryRun), !parse.GetValue(noProgress), cancellationToken);
                },
                sources => CheckNames(sources, sourceName, streamName),
                cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private async Task<int> SyncAsync(IHost host, IReadOnlyList<SyncNowRequest> requests, bool dryRun, bool showProgress, CancellationToken cancellationToken)
    {
        if (requests.Count == 0)
        {
            _console.WriteLine("No source is configured: add Ingestion:Employes, Ingestion:Jibble, Ingestion:Finale or Ingestion:Sources to the configuration.");
            return ExitCodes.Ok;
        }

        var client = host.Services.GetRequiredService<IIngestionClient>();
        var results = await Rendering.WithProgressAsync(_console, showProgress, async progress =>
        {
            var done = new List<SyncNowResult>();
            foreach (var request in requests)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                var withProgress = new SyncNowRequest
                {
                    Source = request.Source,
                    Stream = request.Stream,
                    Parameters = request.Parameters,
                    IgnoreCheckpoint = request.IgnoreCheckpoint,
                    WatermarkOverride = request.WatermarkOverride,
                    DryRun = request.DryRun,
                    Mode = SyncNowMode.Interactive,
                    Progress = progress,
                };
                done.Add(await client.SyncNowAsync(withProgress, cancellationToken).ConfigureAwait(false));
            }

            return done;
        }).ConfigureAwait(false);

        var reports = results.SelectMany(r => r.Reports).ToList();
        Rendering.WriteSummary(_console, reports, dryRun);
        var derivedInline = results.Sum(r => r.DerivedInline);
        var skippedInline = results.Sum(r => r.SkippedInline);
        var queued = results.Sum(r => r.QueuedForDerivation);
        if (derivedInline + skippedInline + queued > 0)
        {
            var skipped = skippedInline > 0 ? $", {Rendering.Number(skippedInline)} skipped (partial, not JSON or not for any deriver)" : "";
            _console.MarkupLine($"Derivation: {Rendering.Number(derivedInline)} changed keys derived now{skipped}, {Rendering.Number(queued)} queued for the workers.");
        }

        var derivationErrors = results.SelectMany(r => r.DerivationErrors).ToList();
        foreach (var error in derivationErrors.Take(5))
        {
            _console.MarkupLine($"  [yellow]Warning[/] derivation: {Markup.Escape(error)}");
        }

        var exitCode = Rendering.ExitCodeFor(reports);
        if (exitCode == ExitCodes.Ok && derivationErrors.Count > 0)
        {
            exitCode = ExitCodes.CompletedWithIssues;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            exitCode = ExitCodes.Cancelled;
        }

        Rendering.WriteOutcome(_console, exitCode);
        return exitCode;
    }

    private Command RunsCommand()
    {
        var source = SourceOption(required: false);
        var stream = StreamOption(required: false);
        var limit = LimitOption(defaultValue: 20, max: 1000);
        var command = new Command("runs", "Lists the most recent runs from the run log, newest first.") { source, stream, limit };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var sourceName = parse.GetValue(source);
            var streamName = parse.GetValue(stream);
            var count = parse.GetValue(limit);
            return await RunCommandAsync(
                parse,
                async host =>
                {
                    var runLog = host.Services.GetRequiredService<IRunLog>();
                    List<SyncReport> runs;
                    if (sourceName is null)
                    {
                        runs = [.. await runLog.GetRecentAsync(null, count, cancellationToken).ConfigureAwait(false)];
                    }
                    else
                    {
                        var definition = CliHostFactory.Sources(host).First(s => s.Name == sourceName);
                        runs = [];
                        foreach (var name in streamName is null ? definition.Streams.Select(s => s.Name) : [streamName])
                        {
                            runs.AddRange(await runLog.GetRecentAsync(new StreamId(sourceName, name), count, cancellationToken).ConfigureAwait(false));
                        }

                        runs = [.. runs.OrderByDescending(r => r.StartedAt).Take(count)];
                    }

                    WriteRuns(runs);
                    return ExitCodes.Ok;
                },
                sources => CheckNames(sources, sourceName, streamName),
                cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private void WriteRuns(IReadOnlyList<SyncReport> runs)
    {
        if (runs.Count == 0)
        {
            _console.WriteLine("No runs recorded yet.");
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Title("Recent runs");
        foreach (var column in new[] { "Run", "Stream", "Status", "Started (UTC)", "Duration", "Pages", "Fetched", "New", "Changed", "Partial", "Issues" })
        {
            table.AddColumn(column is "Pages" or "Fetched" or "New" or "Changed" or "Partial" or "Issues" ? new TableColumn(column).RightAligned() : new TableColumn(column));
        }

        foreach (var run in runs)
        {
            table.AddRow(
                run.RunId.ToString("N")[..8],
                Markup.Escape(run.Stream.ToString()),
                Rendering.StatusMarkup(run.Status) + (run.DryRun ? " (dry run)" : string.Empty),
                Rendering.Time(run.StartedAt),
                run.CompletedAt is null ? "-" : Rendering.Duration(run.Duration),
                Rendering.Number(run.Pages),
                Rendering.Number(run.RecordsFetched),
                Rendering.Number(run.RecordsNew),
                Rendering.Number(run.RecordsChanged),
                Rendering.Number(run.RecordsPartial),
                Rendering.Number(run.Issues.Count(i => i.Severity >= IssueSeverity.Warning)));
        }

        _console.Write(table);
    }

    private Command HealthCommand()
    {
        var source = SourceOption(required: false);
        var command = new Command("health", "Shows the health of every stream. Exit code 0 when healthy (or not yet known), 1 when a stream is degraded, 2 when one is unhealthy.") { source };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var sourceName = parse.GetValue(source);
            return await RunCommandAsync(
                parse,
                async host =>
                {
                    var store = host.Services.GetRequiredService<IHealthStore>();
                    var health = await store.GetSystemHealthAsync(host.Services.GetRequiredService<TimeProvider>(), cancellationToken).ConfigureAwait(false);
                    var streams = health.Streams.Where(s => sourceName is null || s.Stream.Source == sourceName).OrderBy(s => s.Stream.ToString(), StringComparer.Ordinal).ToList();
                    if (streams.Count == 0)
                    {
                        _console.WriteLine("No stream has run yet, so its health is unknown.");
                        return ExitCodes.Ok;
                    }

                    var table = new Table().Border(TableBorder.Rounded).Title("Stream health");
                    foreach (var column in new[] { "Stream", "Status", "Failures in a row", "Items", "Last success (UTC)", "Last failure (UTC)", "Reason" })
                    {
                        table.AddColumn(column is "Failures in a row" or "Items" ? new TableColumn(column).RightAligned() : new TableColumn(column));
                    }

                    foreach (var stream in streams)
                    {
                        table.AddRow(
                            Markup.Escape(stream.Stream.ToString()),
                            Rendering.HealthMarkup(stream.Status),
                            Rendering.Number(stream.ConsecutiveFailures),
                            Rendering.Number(stream.ItemCount),
                            Rendering.Time(stream.LastSuccessAt),
                            Rendering.Time(stream.LastFailureAt),
                            Markup.Escape(stream.Reason ?? stream.LastError ?? string.Empty));
                    }

                    _console.Write(table);
                    var worst = streams.Max(s => s.Status == StreamHealthStatus.Unknown ? 0 : (int)s.Status);
                    var exitCode = streams.Any(s => s.Status == StreamHealthStatus.Unhealthy) ? ExitCodes.Failed
                        : streams.Any(s => s.Status == StreamHealthStatus.Degraded) ? ExitCodes.CompletedWithIssues
                        : ExitCodes.Ok;
                    _console.MarkupLine(string.Format(
                        CultureInfo.InvariantCulture,
                        "Overall: {0} ({1} healthy, {2} degraded, {3} unhealthy, {4} unknown)",
                        exitCode == ExitCodes.Failed ? Rendering.HealthMarkup(StreamHealthStatus.Unhealthy)
                            : exitCode == ExitCodes.CompletedWithIssues ? Rendering.HealthMarkup(StreamHealthStatus.Degraded)
                            : worst == 0 ? Rendering.HealthMarkup(StreamHealthStatus.Unknown) : Rendering.HealthMarkup(StreamHealthStatus.Healthy),
                        streams.Count(s => s.Status == StreamHealthStatus.Healthy),
                        streams.Count(s => s.Status == StreamHealthStatus.Degraded),
                        streams.Count(s => s.Status == StreamHealthStatus.Unhealthy),
                        streams.Count(s => s.Status == StreamHealthStatus.Unknown)));
                    return exitCode;
                },
                sources => CheckNames(sources, sourceName, stream: null),
                cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private Command RetryPartialsCommand()
    {
        var limit = LimitOption(defaultValue: 50, max: 10_000);
        var queue = new Option<bool>("--queue") { Description = "Queue a retry job for the host's workers instead of retrying now." };
        var command = new Command("retry-partials", "Fetches partial records (failed pages and child requests) again, those whose backoff has passed, and writes every attempt to the retry log. Exit code 1 when some retries failed or were given up.")
        {
            limit, queue,
        };
        command.SetAction(async (parse, cancellationToken) => await RunCommandAsync(
            parse,
            async host =>
            {
                var time = host.Services.GetRequiredService<TimeProvider>();
                var candidates = await host.Services.GetRequiredService<IRetryLog>()
                    .GetRecordsNeedingRetryAsync(time.GetUtcNow(), parse.GetValue(limit), cancellationToken).ConfigureAwait(false);
                if (candidates.Count == 0)
                {
                    _console.WriteLine("No partial record is waiting for a retry.");
                    return ExitCodes.Ok;
                }

                var table = new Table().Border(TableBorder.Rounded).Title("Partial records waiting for a retry");
                table.AddColumn("Stream").AddColumn(new TableColumn("Records").RightAligned()).AddColumn(new TableColumn("Retried before").RightAligned()).AddColumn("Last error");
                foreach (var group in candidates.GroupBy(c => c.Stream).OrderBy(g => g.Key.ToString(), StringComparer.Ordinal))
                {
                    table.AddRow(
                        Markup.Escape(group.Key.ToString()),
                        Rendering.Number(group.Count()),
                        Rendering.Number(group.Count(c => c.RetryCount > 0)),
                        Markup.Escape(group.Select(c => c.ErrorMessage).LastOrDefault(e => e is not null) ?? string.Empty));
                }

                _console.Write(table);
                if (parse.GetValue(queue))
                {
                    var queued = await host.Services.GetRequiredService<IJobQueue>().EnqueueAsync(
                        new JobRequest { JobType = IngestionJobTypes.RetryPartials, DedupKey = "retry-partials:manual" }, cancellationToken).ConfigureAwait(false);
                    _console.WriteLine(queued.Deduplicated
                        ? $"A retry job is already queued (job {queued.JobId.ToString(CultureInfo.InvariantCulture)})."
                        : $"Queued retry job {queued.JobId.ToString(CultureInfo.InvariantCulture)} for the workers.");
                    return ExitCodes.Ok;
                }

                var handler = host.Services.GetServices<IJobHandler>().FirstOrDefault(h => h.JobType == IngestionJobTypes.RetryPartials)
                    ?? throw new ConfigurationProblemException(["No handler for partial-record retries is registered."]);
                var now = time.GetUtcNow();
                var result = await handler.HandleAsync(
                    new ClaimedJob
                    {
                        Id = 0,
                        JobType = IngestionJobTypes.RetryPartials,
                        Payload = "{}",
                        Attempt = 1,
                        MaxAttempts = 1,
                        LeaseToken = Guid.NewGuid(),
                        LeaseExpiresAt = now.AddHours(1),
                        EnqueuedAt = now,
                    },
                    cancellationToken).ConfigureAwait(false);
                var (retried, succeeded, failed, gaveUp) = ReadRetryResult(result);
                _console.WriteLine(string.Format(
                    CultureInfo.InvariantCulture,
                    "Retried {0} records whose backoff had passed: {1} succeeded, {2} failed (retried later), {3} given up.",
                    retried,
                    succeeded,
                    failed,
                    gaveUp));
                var exitCode = failed + gaveUp > 0 ? ExitCodes.CompletedWithIssues : ExitCodes.Ok;
                Rendering.WriteOutcome(_console, exitCode);
                return exitCode;
            },
            checkNames: null,
            cancellationToken).ConfigureAwait(false));
        return command;
    }

    private static (int Retried, int Succeeded, int Failed, int GaveUp) ReadRetryResult(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return default;
        }

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return (Read("retried"), Read("succeeded"), Read("failed"), Read("gaveUp"));

        int Read(string name) => root.TryGetProperty(name, out var value) && value.TryGetInt32(out var number) ? number : 0;
    }

    private async Task<int> UsageErrorAsync(string message)
    {
        await _error.WriteLineAsync("error: " + message).ConfigureAwait(false);
        return ExitCodes.Usage;
    }

    private static string Format(DateOnly date) => date.ToString(DateFormat, CultureInfo.InvariantCulture);
}
