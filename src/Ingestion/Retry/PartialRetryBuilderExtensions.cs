using Ingestion.Composition.Internal;
using Ingestion.Retry.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Ingestion;

/// <summary>Configures partial-record retry on the <see cref="IIngestionBuilder"/>.</summary>
public static class PartialRetryBuilderExtensions
{
    /// <summary>Configures the <see cref="IngestionJobTypes.RetryPartials"/> job (backoff, retries, records per run). The job itself is part of <c>AddIngestion</c>.</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="configure">Changes the options.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IIngestionBuilder ConfigurePartialRetry(this IIngestionBuilder builder, Action<PartialRetryOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(configure);
        return builder;
    }

    internal static void AddPartialRetry(this IServiceCollection services)
    {
        services.AddValidatedOptions<PartialRetryOptions, PartialRetryOptionsValidator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IJobHandler, RetryPartialsJobHandler>());
    }
}
