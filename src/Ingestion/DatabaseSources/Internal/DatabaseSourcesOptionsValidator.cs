using Microsoft.Extensions.Options;

namespace Ingestion.DatabaseSources.Internal;

/// <summary>Checks <see cref="DatabaseSourcesOptions"/> when the host starts.</summary>
internal sealed class DatabaseSourcesOptionsValidator : IValidateOptions<DatabaseSourcesOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseSourcesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.ReloadInterval < TimeSpan.FromSeconds(1) || options.ReloadInterval > TimeSpan.FromHours(1)
            ? ValidateOptionsResult.Fail($"DatabaseSources:ReloadInterval must be between 1 second and 1 hour (was {options.ReloadInterval}).")
            : ValidateOptionsResult.Success;
    }
}
