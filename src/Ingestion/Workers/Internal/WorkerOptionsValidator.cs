using Microsoft.Extensions.Options;

namespace Ingestion.Workers.Internal;

/// <summary>Checks the worker's options and its handler registry when the host starts.</summary>
internal sealed class WorkerOptionsValidator(IEnumerable<IJobHandler> handlers) : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.DefaultConcurrency < 0)
        {
            failures.Add($"Worker:DefaultConcurrency must not be negative (was {options.DefaultConcurrency}).");
        }

        foreach (var (type, count) in options.Concurrency)
        {
            if (count < 0)
            {
                failures.Add($"Worker:Concurrency:{type} must not be negative (was {count}).");
            }
        }

        if (options.LeaseDuration < TimeSpan.FromSeconds(1))
        {
            failures.Add($"Worker:LeaseDuration must be at least 1 second (was {options.LeaseDuration}).");
        }

        if (options.HeartbeatInterval <= TimeSpan.Zero || options.HeartbeatInterval > options.LeaseDuration / 2)
        {
            failures.Add($"Worker:HeartbeatInterval must be positive and at most half of Worker:LeaseDuration (was {options.HeartbeatInterval}, lease {options.LeaseDuration}).");
        }

        if (options.PollInterval <= TimeSpan.Zero)
        {
            failures.Add($"Worker:PollInterval must be positive (was {options.PollInterval}).");
        }

        if (options.RescueInterval <= TimeSpan.Zero)
        {
            failures.Add($"Worker:RescueInterval must be positive (was {options.RescueInterval}).");
        }

        foreach (var group in handlers.GroupBy(handler => handler.JobType, StringComparer.Ordinal))
        {
            if (string.IsNullOrWhiteSpace(group.Key))
            {
                failures.Add($"The job handler {group.First().GetType().Name} has no job type.");
            }
            else if (group.Count() > 1)
            {
                failures.Add($"Job type '{group.Key}' has more than one handler: {string.Join(", ", group.Select(handler => handler.GetType().Name))}.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
