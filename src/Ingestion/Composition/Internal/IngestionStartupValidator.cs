using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ingestion.Composition.Internal;

/// <summary>Fails the host at start-up when a source definition is invalid or a store is missing, naming the culprit.</summary>
internal sealed class IngestionStartupValidator(ISourceCatalog catalog, IServiceProvider services) : IValidateOptions<IngestionStartupCheck>
{
    private static readonly (Type Service, string Name)[] RequiredServices =
    [
        (typeof(IRawStore), nameof(IRawStore)),
        (typeof(ISyncStateStore), nameof(ISyncStateStore)),
        (typeof(IRunLog), nameof(IRunLog)),
        (typeof(IHealthStore), nameof(IHealthStore)),
        (typeof(IFetcher), nameof(IFetcher)),
    ];

    public ValidateOptionsResult Validate(string? name, IngestionStartupCheck options)
    {
        var errors = new List<string>();
        if (catalog is SourceCatalog built)
        {
            errors.AddRange(built.Errors);
        }

        var isService = services.GetService<IServiceProviderIsService>();
        if (isService is not null)
        {
            foreach (var (service, serviceName) in RequiredServices)
            {
                if (!isService.IsService(service))
                {
                    errors.Add(service == typeof(IFetcher)
                        ? $"No {serviceName} is registered."
                        : $"No {serviceName} is registered: call UseInMemoryStores() or UsePostgres(...) inside AddIngestion(...).");
                }
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
