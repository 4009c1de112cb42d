using Microsoft.Extensions.Options;

namespace Ingestion.Postgres.Internal;

/// <summary>Checks <see cref="PostgresStoreOptions"/> when the host starts.</summary>
internal sealed class PostgresStoreOptionsValidator : IValidateOptions<PostgresStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, PostgresStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = Check(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static List<string> Check(PostgresStoreOptions options)
    {
        var failures = new List<string>();
        if (!SqlIdentifier.IsValid(options.Schema))
        {
            failures.Add(SqlIdentifier.Describe(options.Schema));
        }

        if (options.CommandTimeout <= TimeSpan.Zero)
        {
            failures.Add($"PostgresStoreOptions.CommandTimeout must be positive; it is {options.CommandTimeout}.");
        }

        if (options.BatchSize < 1)
        {
            failures.Add($"PostgresStoreOptions.BatchSize must be at least 1; it is {options.BatchSize}.");
        }

        if (!Enum.IsDefined(options.HashAlgorithm))
        {
            failures.Add($"PostgresStoreOptions.HashAlgorithm must be XxHash128 or Sha256; it is {options.HashAlgorithm}.");
        }

        if (options.MaxPayloadBytes < 1)
        {
            failures.Add($"PostgresStoreOptions.MaxPayloadBytes must be at least 1; it is {options.MaxPayloadBytes}.");
        }

        var queue = options.Queue;
        if (queue is null)
        {
            failures.Add("PostgresStoreOptions.Queue must not be null.");
            return failures;
        }

        if (queue.BackoffBase < TimeSpan.Zero)
        {
            failures.Add($"PostgresStoreOptions.Queue.BackoffBase must not be negative; it is {queue.BackoffBase}.");
        }

        if (queue.MaxBackoff < queue.BackoffBase)
        {
            failures.Add($"PostgresStoreOptions.Queue.MaxBackoff ({queue.MaxBackoff}) must not be less than BackoffBase ({queue.BackoffBase}).");
        }

        if (queue.CompletedRetention < TimeSpan.Zero)
        {
            failures.Add($"PostgresStoreOptions.Queue.CompletedRetention must not be negative; it is {queue.CompletedRetention}.");
        }

        if (queue.DeadRetention < TimeSpan.Zero)
        {
            failures.Add($"PostgresStoreOptions.Queue.DeadRetention must not be negative; it is {queue.DeadRetention}.");
        }

        if (queue.VacuumAfterJobs < 0)
        {
            failures.Add($"PostgresStoreOptions.Queue.VacuumAfterJobs must not be negative (0 turns the queue's own vacuum off); it is {queue.VacuumAfterJobs}.");
        }

        return failures;
    }
}
