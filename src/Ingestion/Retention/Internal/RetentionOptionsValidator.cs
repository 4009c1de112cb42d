using Microsoft.Extensions.Options;

namespace Ingestion.Retention.Internal;

/// <summary>Refuses retention rules that cannot be meant: negative ages, fewer than one kept version, an empty batch.</summary>
internal sealed class RetentionOptionsValidator : IValidateOptions<RetentionOptions>
{
    public ValidateOptionsResult Validate(string? name, RetentionOptions options)
    {
        var failures = new List<string>();
        CheckAge(failures, "SupersededVersionsMaxAge", options.SupersededVersionsMaxAge);
        CheckAge(failures, "DeletedKeysMaxAge", options.DeletedKeysMaxAge);
        CheckAge(failures, "RunLogMaxAge", options.RunLogMaxAge);
        CheckAge(failures, "RetryLogMaxAge", options.RetryLogMaxAge);
        CheckAge(failures, "WebhookInboxMaxAge", options.WebhookInboxMaxAge);
        CheckKept(failures, "SupersededVersionsToKeep", options.SupersededVersionsToKeep);
        if (options.BatchSize < 1)
        {
            failures.Add($"Ingestion:Retention:BatchSize must be at least 1; it is {options.BatchSize}.");
        }

        foreach (var (source, rules) in options.Sources)
        {
            CheckAge(failures, $"Sources:{source}:SupersededVersionsMaxAge", rules.SupersededVersionsMaxAge);
            CheckAge(failures, $"Sources:{source}:DeletedKeysMaxAge", rules.DeletedKeysMaxAge);
            CheckKept(failures, $"Sources:{source}:SupersededVersionsToKeep", rules.SupersededVersionsToKeep);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckAge(List<string> failures, string name, TimeSpan? age)
    {
        if (age is { } value && value <= TimeSpan.Zero)
        {
            failures.Add($"Ingestion:Retention:{name} must be positive (leave it unset to keep everything); it is {value}.");
        }
    }

    private static void CheckKept(List<string> failures, string name, int? kept)
    {
        if (kept is < 1)
        {
            failures.Add($"Ingestion:Retention:{name} must be at least 1 (the version before the latest is always kept); it is {kept}.");
        }
    }
}
