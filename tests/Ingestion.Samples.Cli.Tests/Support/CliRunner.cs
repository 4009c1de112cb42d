using Spectre.Console;

namespace Ingestion.Samples.Cli.Tests.Support;

/// <summary>Runs the command tree in-process with the given configuration (no files, no environment) and captures its output.</summary>
public static class CliRunner
{
    /// <summary>A connection string to a port nothing listens on: any attempt to connect fails at once.</summary>
    public const string NowhereDatabase = "Host=127.0.0.1;Port=1;Username=nobody;Password=not-a-real-password;Timeout=3";

    public static async Task<CliResult> RunAsync(IReadOnlyDictionary<string, string?> configuration, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 240;
        var application = new CliApplication(console, output, error, new CliHostFactory(configuration, readFiles: false));
        var exitCode = await application.RunAsync(args, TestContext.Current.CancellationToken);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }
}

public sealed record CliResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}
