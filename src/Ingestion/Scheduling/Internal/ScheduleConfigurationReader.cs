using Microsoft.Extensions.Configuration;

namespace Ingestion.Scheduling.Internal;

/// <summary>Reads a schedule from configuration, naming the configuration path of any bad value.</summary>
internal static class ScheduleConfigurationReader
{
    public static ScheduleDefinition Read(string name, string path, IConfiguration section)
    {
        var source = section["Source"];
        if (string.IsNullOrWhiteSpace(source))
        {
            throw new FormatException($"{path}:Source is required.");
        }

        var cron = section["Cron"];
        if (string.IsNullOrWhiteSpace(cron))
        {
            throw new FormatException($"{path}:Cron is required.");
        }

        var enabled = true;
        if (section["Enabled"] is { } text && !bool.TryParse(text, out enabled))
        {
            throw new FormatException($"{path}:Enabled must be true or false, not '{text}'.");
        }

        var stream = section["Stream"];
        return new ScheduleDefinition
        {
            Name = name,
            Source = source,
            Stream = string.IsNullOrWhiteSpace(stream) ? null : stream,
            Cron = cron,
            TimeZone = string.IsNullOrWhiteSpace(section["TimeZone"]) ? "UTC" : section["TimeZone"]!,
            Enabled = enabled,
        };
    }
}
