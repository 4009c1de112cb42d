namespace Ingestion.Samples.Cli;

/// <summary>A problem with the arguments, reported with exit code <see cref="ExitCodes.Usage"/>. The message names the argument and says why.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>A problem with the configuration, reported with exit code <see cref="ExitCodes.Configuration"/>.</summary>
internal sealed class ConfigurationProblemException(IReadOnlyList<string> problems)
    : Exception(string.Join(Environment.NewLine, problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
