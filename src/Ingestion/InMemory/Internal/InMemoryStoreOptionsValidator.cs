using Microsoft.Extensions.Options;

namespace Ingestion.InMemory.Internal;

/// <summary>Checks <see cref="InMemoryStoreOptions"/> when the host starts.</summary>
internal sealed class InMemoryStoreOptionsValidator : IValidateOptions<InMemoryStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, InMemoryStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.MaxPayloadBytes < 1)
        {
            failures.Add($"InMemoryStoreOptions.MaxPayloadBytes must be at least 1; it is {options.MaxPayloadBytes}.");
        }

        if (!Enum.IsDefined(options.HashAlgorithm))
        {
            failures.Add($"InMemoryStoreOptions.HashAlgorithm must be XxHash128 or Sha256; it is {options.HashAlgorithm}.");
        }

        if (options.BackoffBase <= TimeSpan.Zero)
        {
            failures.Add($"InMemoryStoreOptions.BackoffBase must be positive; it is {options.BackoffBase}.");
        }

        if (options.MaxBackoff < options.BackoffBase)
        {
            failures.Add($"InMemoryStoreOptions.MaxBackoff ({options.MaxBackoff}) must be at least BackoffBase ({options.BackoffBase}).");
        }

        if (options.CompletedRetention < TimeSpan.Zero)
        {
            failures.Add($"InMemoryStoreOptions.CompletedRetention must not be negative; it is {options.CompletedRetention}.");
        }

        if (options.DeadRetention < TimeSpan.Zero)
        {
            failures.Add($"InMemoryStoreOptions.DeadRetention must not be negative; it is {options.DeadRetention}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
