using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace Ingestion.Samples.Cli;

/// <summary>The <c>retention</c> command: a retention pass on demand, or with <c>--dry-run</c> what one would remove.</summary>
internal sealed partial class CliApplication
{
    private Command RetentionCommand()
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Count what the retention rules would remove, and remove nothing." };
        var command = new Command("retention", "Removes what the retention rules (Ingestion:Retention) allow: superseded versions, old deleted keys, runs, retry-log entries and processed webhook deliveries, in small batches.")
        {
            dryRun,
        };
        command.SetAction(async (parse, cancellationToken) => await RunCommandAsync(
            parse,
            async host =>
            {
                var retention = host.Services.GetService<IStoreRetention>()
                    ?? throw new ConfigurationProblemException(["The configured store does not support retention (IStoreRetention)."]);
                var options = host.Services.GetRequiredService<IOptions<RetentionOptions>>().Value;
                var result = await retention.ApplyRetentionAsync(options, parse.GetValue(dryRun), cancellationToken).ConfigureAwait(false);
                var table = new Table().Border(TableBorder.Rounded)
                    .Title(result.DryRun ? "Retention, dry run: would remove" : "Retention: removed");
                table.AddColumn("What").AddColumn(new TableColumn("Rows").RightAligned());
                table.AddRow("Superseded raw versions", Rendering.Number(result.SupersededVersions));
                table.AddRow("Deleted keys (with their versions)", Rendering.Number(result.DeletedKeys));
                table.AddRow("Runs", Rendering.Number(result.Runs));
                table.AddRow("Retry-log entries", Rendering.Number(result.RetryLogEntries));
                table.AddRow("Webhook deliveries", Rendering.Number(result.WebhookDeliveries));
                _console.Write(table);
                return ExitCodes.Ok;
            },
            checkNames: null,
            cancellationToken).ConfigureAwait(false));
        return command;
    }
}
