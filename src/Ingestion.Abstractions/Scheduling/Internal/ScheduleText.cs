using System.Globalization;

namespace Ingestion.Scheduling.Internal;

/// <summary>
/// The texts schedule stores record, shared so every store says the same thing.
/// </summary>
internal static class ScheduleText
{
    /// <summary>The reason recorded when a schedule's own definition disables it.</summary>
    public const string DisabledByDefinition = "Disabled in its definition.";

    /// <summary>The reason recorded when a schedule is disabled without a reason given.</summary>
    public const string DisabledManually = "Disabled by an operator.";

    /// <summary>The reason recorded when a schedule is disabled after consecutive failed runs.</summary>
    /// <param name="failures">The consecutive failures.</param>
    /// <param name="lastError">The last run's error.</param>
    /// <returns>The reason.</returns>
    public static string DisabledAfterFailures(int failures, string? lastError) =>
        string.Create(CultureInfo.InvariantCulture, $"Disabled after {failures} consecutive failed runs; last error: {lastError ?? "(none recorded)"}");
}
