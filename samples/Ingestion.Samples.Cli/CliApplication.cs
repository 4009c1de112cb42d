using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace Ingestion.Samples.Cli;

/// <summary>
/// The command tree (<c>backfill</c>, <c>sync</c>, <c>runs</c>, <c>health</c>, <c>retry-partials</c>, <c>retention</c>, <c>work</c>) and how each outcome maps to an
/// exit code (see <see cref="ExitCodes"/>). Arguments are checked before anything connects: a bad one ends with exit code 64 and a
/// message naming the argument and saying why.
/// </summary>
internal sealed partial class CliApplication
{
    private const string DateFormat = "yyyy-MM-dd";

    private readonly IAnsiConsole _console;
    private readonly TextWriter _error;
    private readonly TextWriter _output;
    private readonly CliHostFactory _hosts;
    private readonly RootCommand _root;
    private readonly Option<bool> _verbose = new("--verbose", "-v") { Description = "Write the engine's log to standard error.", Recursive = true };

    public CliApplication(IAnsiConsole console, TextWriter output, TextWriter error, CliHostFactory hosts)
    {
        _console = console;
        _output = output;
        _error = error;
        _hosts = hosts;
        _root = new RootCommand("Runs and inspects Ingestion syncs. Exit codes: 0 ok, 1 completed with issues, 2 failed, 64 bad arguments, 69 database unavailable, 78 invalid configuration, 130 cancelled.")
        {
            _verbose,
        };
        _root.Add(BackfillCommand());
        _root.Add(SyncCommand());
        _root.Add(RunsCommand());
        _root.Add(HealthCommand());
        _root.Add(RetryPartialsCommand());
        _root.Add(RetentionCommand());
        _root.Add(WorkCommand());
    }

    /// <summary>The application on the process's console, with configuration from files and the environment.</summary>
    public static CliApplication CreateDefault() =>
        new(AnsiConsole.Console, Console.Out, Console.Error, new CliHostFactory());

    /// <summary>Parses and runs <paramref name="args"/>.</summary>
    /// <returns>The exit code.</returns>
    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var parse = _root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await _error.WriteLineAsync("error: " + error.Message).ConfigureAwait(false);
            }

            var command = parse.CommandResult.Command;
            var usage = command == _root ? "--help" : command.Name + " --help";
            await _error.WriteLineAsync($"Run '{_root.Name} {usage}' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration { Output = _output, Error = _error, EnableDefaultExceptionHandler = false };
        return await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }

    // Every command runs here: the host is built and the names checked before anything connects; each failure becomes its exit code.
    // work: the host also runs the scheduler and the queue workers.
    private async Task<int> RunCommandAsync(ParseResult parse, Func<IHost, Task<int>> body, Action<IReadOnlyList<SourceDefinition>>? checkNames, CancellationToken cancellationToken, bool work = false)
    {
        IHost? host = null;
        try
        {
            host = _hosts.Build(parse.GetValue(_verbose), work);
            var sources = CliHostFactory.Sources(host);
            checkNames?.Invoke(sources);
            await CliHostFactory.StartAsync(host, cancellationToken).ConfigureAwait(false);
            return await body(host).ConfigureAwait(false);
        }
        catch (UsageException exception)
        {
            await _error.WriteLineAsync("error: " + exception.Message).ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (ConfigurationProblemException exception)
        {
            await _error.WriteLineAsync("error: the configuration is invalid:").ConfigureAwait(false);
            foreach (var problem in exception.Problems)
            {
                await _error.WriteLineAsync("  " + problem).ConfigureAwait(false);
            }

            return ExitCodes.Configuration;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await _error.WriteLineAsync("Cancelled; what was committed stays committed.").ConfigureAwait(false);
            return ExitCodes.Cancelled;
        }
        catch (Exception exception) when (CliHostFactory.IsDatabaseUnavailable(exception))
        {
            // The message of a connection failure names the host and port, never the password.
            await _error.WriteLineAsync($"error: the database is unavailable ({Innermost(exception).Message}). Check ConnectionStrings:{CliHostFactory.ConnectionStringName} and that PostgreSQL is running.").ConfigureAwait(false);
            return ExitCodes.Unavailable;
        }
        finally
        {
            if (host is not null)
            {
                try
                {
                    await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception exception) when (CliHostFactory.IsDatabaseUnavailable(exception) || exception is OperationCanceledException)
                {
                    // Stopping a host that never fully started can fail the same way starting did; that was reported.
                }

                host.Dispose();
            }
        }
    }

    private static Exception Innermost(Exception exception)
    {
        while (exception.InnerException is not null)
        {
            exception = exception.InnerException;
        }

        return exception;
    }

    private static Option<string> SourceOption(bool required) => new("--source", "-s")
    {
        Description = "The source name (for example jibble).",
        Required = required,
        HelpName = "name",
    };

    private static Option<string> StreamOption(bool required) => new("--stream")
    {
        Description = "The stream name (for example time-entries).",
        Required = required,
        HelpName = "name",
    };

    private static Option<DateOnly> DateOption(string name, string description) => new(name)
    {
        Description = description,
        Required = true,
        HelpName = DateFormat,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
            if (DateOnly.TryParseExact(text, DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                return date;
            }

            result.AddError($"Option '{name}': '{text}' is not a date; use {DateFormat}, for example 2026-01-31.");
            return default;
        },
    };

    private static Option<int> LimitOption(int defaultValue, int max) => new("--limit", "-n")
    {
        Description = $"The most items to show, from 1 to {max}.",
        DefaultValueFactory = _ => defaultValue,
        HelpName = "count",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= 1 && value <= max)
            {
                return value;
            }

            result.AddError($"Option '--limit': '{text}' must be a whole number from 1 to {max}.");
            return defaultValue;
        },
    };

    /// <summary>Checks a source (and stream) name against the registered ones; the error lists the known names.</summary>
    internal static void CheckNames(IReadOnlyList<SourceDefinition> sources, string? source, string? stream)
    {
        if (source is null)
        {
            if (stream is not null)
            {
                throw new UsageException("Option '--stream' needs '--source': stream names are only unique within a source.");
            }

            return;
        }

        var definition = sources.FirstOrDefault(s => string.Equals(s.Name, source, StringComparison.Ordinal));
        if (definition is null)
        {
            throw new UsageException(sources.Count == 0
                ? $"Option '--source': unknown source '{source}'. No source is configured: add Ingestion:Employes, Ingestion:Jibble, Ingestion:Finale or Ingestion:Sources to the configuration."
                : $"Option '--source': unknown source '{source}'. Known sources: {string.Join(", ", sources.Select(s => s.Name))}.");
        }

        if (stream is not null && definition.FindStream(stream) is null)
        {
            throw new UsageException($"Option '--stream': source '{source}' has no stream '{stream}'. Its streams: {string.Join(", ", definition.Streams.Select(s => s.Name))}.");
        }
    }
}
