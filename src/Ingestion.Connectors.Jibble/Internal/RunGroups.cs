namespace Ingestion.Connectors.Jibble.Internal;

/// <summary>
/// The groups one run is limited to: the run parameter <see cref="JibbleStreams.GroupParameter"/> when it is given (it replaces
/// the configured filter for that run), else <see cref="JibbleOptions.GroupFilter"/>, else none (the whole organization).
/// </summary>
internal static class RunGroups
{
    /// <summary>The run's groups as normalized GUID strings (empty for none), and whether they came from the run parameter.</summary>
    /// <exception cref="InvalidOperationException">The run parameter is blank or has a value that is not a GUID; the message names the parameter.</exception>
    public static (IReadOnlyList<string> Groups, bool FromParameter) For(IReadOnlyList<string> configured, StreamRequestContext context)
    {
        if (!context.Parameters.TryGetValue(JibbleStreams.GroupParameter, out var text))
        {
            return (configured, false);
        }

        var groups = new List<string>();
        foreach (var part in (text ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Guid.TryParse(part, out var id))
            {
                throw new InvalidOperationException(
                    $"The run parameter '{JibbleStreams.GroupParameter}' must be comma-separated Jibble group ids (GUIDs); '{part}' is not one.");
            }

            var normalized = id.ToString("D");
            if (!groups.Contains(normalized, StringComparer.OrdinalIgnoreCase))
            {
                groups.Add(normalized);
            }
        }

        return groups.Count == 0
            ? throw new InvalidOperationException(
                $"The run parameter '{JibbleStreams.GroupParameter}' must name at least one Jibble group id (GUID); it is '{text}'.")
            : (groups, true);
    }

    /// <summary>The configured filter as normalized GUID strings (validated at start-up).</summary>
    public static IReadOnlyList<string> Configured(JibbleOptions options) =>
        [.. options.GroupFilter.Select(g => Guid.Parse(g).ToString("D")).Distinct(StringComparer.OrdinalIgnoreCase)];
}
