using Microsoft.Extensions.Options;

namespace Ingestion.Running.Internal;

/// <summary>Checks the sync runner's options when the host starts.</summary>
internal sealed class SyncRunnerOptionsValidator : IValidateOptions<SyncRunnerOptions>
{
    // A store transaction of more would hold too much in memory and in the database's locks for too long.
    private const int MaxBatchRecords = 100_000;

    public ValidateOptionsResult Validate(string? name, SyncRunnerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.UnhealthyAfterConsecutiveFailures < 1)
        {
            failures.Add($"Runner:UnhealthyAfterConsecutiveFailures must be at least 1 (was {options.UnhealthyAfterConsecutiveFailures}).");
        }

        if (options.MaxIssuesPerReport < 1)
        {
            failures.Add($"Runner:MaxIssuesPerReport must be at least 1 (was {options.MaxIssuesPerReport}).");
        }

        if (options.RunHeartbeatInterval <= TimeSpan.Zero)
        {
            failures.Add($"Runner:RunHeartbeatInterval must be positive (was {options.RunHeartbeatInterval}).");
        }

        if (options.AbandonRunsAfter <= TimeSpan.Zero)
        {
            failures.Add($"Runner:AbandonRunsAfter must be positive (was {options.AbandonRunsAfter}).");
        }

        if (options.StoreOutageTolerance < TimeSpan.Zero)
        {
            failures.Add($"Runner:StoreOutageTolerance must not be negative (was {options.StoreOutageTolerance}).");
        }

        if (options.BatchRecords is < 1 or > MaxBatchRecords)
        {
            failures.Add($"Runner:BatchRecords must be between 1 and {MaxBatchRecords} (was {options.BatchRecords}).");
        }

        if (options.BatchDelay < TimeSpan.Zero)
        {
            failures.Add($"Runner:BatchDelay must not be negative (was {options.BatchDelay}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
