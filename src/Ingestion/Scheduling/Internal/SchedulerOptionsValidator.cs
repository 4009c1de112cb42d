using Microsoft.Extensions.Options;

namespace Ingestion.Scheduling.Internal;

/// <summary>Checks the scheduler's options and every schedule registered in code or configuration when the host starts.</summary>
internal sealed class SchedulerOptionsValidator(IEnumerable<ScheduleRegistration> registrations, IServiceProvider services) : IValidateOptions<SchedulerOptions>
{
    public ValidateOptionsResult Validate(string? name, SchedulerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.RederiveDueInterval < TimeSpan.Zero)
        {
            failures.Add($"Scheduler:RederiveDueInterval must not be negative (was {options.RederiveDueInterval}); use 00:00:00 to turn it off.");
        }

        if (options.RetentionInterval < TimeSpan.Zero)
        {
            failures.Add($"Scheduler:RetentionInterval must not be negative (was {options.RetentionInterval}); use 00:00:00 to turn it off.");
        }

        if (options.PartialRetryInterval < TimeSpan.Zero)
        {
            failures.Add($"Scheduler:PartialRetryInterval must not be negative (was {options.PartialRetryInterval}); use 00:00:00 to turn it off.");
        }

        if (options.CheckInterval < TimeSpan.FromSeconds(1) || options.CheckInterval > TimeSpan.FromHours(1))
        {
            failures.Add($"Scheduler:CheckInterval must be between 1 second and 1 hour (was {options.CheckInterval}).");
        }

        if (options.MaxConsecutiveFailures < 1)
        {
            failures.Add($"Scheduler:MaxConsecutiveFailures must be at least 1 (was {options.MaxConsecutiveFailures}).");
        }

        if (options.JobMaxAttempts < 1)
        {
            failures.Add($"Scheduler:JobMaxAttempts must be at least 1 (was {options.JobMaxAttempts}).");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var registration in registrations)
        {
            ScheduleDefinition definition;
            try
            {
                definition = registration.Build(services);
            }
            catch (Exception exception) when (exception is FormatException or ArgumentException or InvalidOperationException)
            {
                failures.Add(exception.Message);
                continue;
            }

            if (string.IsNullOrWhiteSpace(definition.Name) || string.IsNullOrWhiteSpace(definition.Source))
            {
                failures.Add($"{registration.Description}: a schedule needs a name and a source.");
                continue;
            }

            if (!names.Add(definition.Name))
            {
                failures.Add($"{registration.Description}: the schedule name '{definition.Name}' is used more than once.");
            }

            if (!CronExpression.TryParse(definition.Cron, definition.TimeZone, out _, out var error))
            {
                failures.Add($"{registration.Description}: {error}");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
