using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace Ingestion.Samples.Cli;

/// <summary>
/// The <c>work</c> command: this process becomes one host of many. Its scheduler fires <c>Ingestion:Schedules</c> (each slot
/// once across every host on the database) and its workers take queued jobs alongside the other hosts', until it is stopped.
/// </summary>
internal sealed partial class CliApplication
{
    private Command WorkCommand()
    {
        var command = new Command("work", "Runs the scheduler and the queue workers until stopped (Ctrl+C or SIGTERM). Run it on as many hosts as you like against one database: each schedule slot (Ingestion:Schedules) fires once, the hosts share the queued jobs, and a stream is synced by one host at a time. Settings: Ingestion:Scheduler, Ingestion:Worker.");
        command.SetAction(async (parse, cancellationToken) => await RunCommandAsync(
            parse,
            async host =>
            {
                var worker = host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.WorkerId ?? $"{Environment.MachineName}/{Environment.ProcessId}";
                var schedules = await host.Services.GetRequiredService<IScheduleStore>().GetAllAsync(cancellationToken).ConfigureAwait(false);
                _console.WriteLine($"Working as {worker} with {schedules.Count} schedules; Ctrl+C or SIGTERM stops.");
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Stopping is how this command ends; running jobs are released to the other hosts as the host stops.
                }

                return ExitCodes.Ok;
            },
            checkNames: null,
            cancellationToken,
            work: true).ConfigureAwait(false));
        return command;
    }
}
