using Microsoft.Extensions.Options;

namespace Ingestion.Retry.Internal;

internal sealed class PartialRetryOptionsValidator : IValidateOptions<PartialRetryOptions>
{
    public ValidateOptionsResult Validate(string? name, PartialRetryOptions options)
    {
        var failures = new List<string>();
        if (options.BaseDelay <= TimeSpan.Zero)
        {
            failures.Add($"PartialRetryOptions.BaseDelay must be positive (was {options.BaseDelay}).");
        }

        if (options.MaxDelay < options.BaseDelay)
        {
            failures.Add($"PartialRetryOptions.MaxDelay ({options.MaxDelay}) must be at least BaseDelay ({options.BaseDelay}).");
        }

        if (options.MaxRetries < 1)
        {
            failures.Add($"PartialRetryOptions.MaxRetries must be at least 1 (was {options.MaxRetries}).");
        }

        if (options.MaxRecordsPerRun < 1)
        {
            failures.Add($"PartialRetryOptions.MaxRecordsPerRun must be at least 1 (was {options.MaxRecordsPerRun}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
