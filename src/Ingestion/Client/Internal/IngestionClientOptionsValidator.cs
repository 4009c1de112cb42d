using Microsoft.Extensions.Options;

namespace Ingestion.Client.Internal;

internal sealed class IngestionClientOptionsValidator : IValidateOptions<IngestionClientOptions>
{
    public ValidateOptionsResult Validate(string? name, IngestionClientOptions options)
    {
        var failures = new List<string>();
        if (options.InlineDerivations < 0)
        {
            failures.Add($"IngestionClientOptions.InlineDerivations must be 0 or more (was {options.InlineDerivations}).");
        }

        if (options.DeriveBatchSize < 1)
        {
            failures.Add($"IngestionClientOptions.DeriveBatchSize must be at least 1 (was {options.DeriveBatchSize}).");
        }

        if (options.DeriveMaxAttempts < 1)
        {
            failures.Add($"IngestionClientOptions.DeriveMaxAttempts must be at least 1 (was {options.DeriveMaxAttempts}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
