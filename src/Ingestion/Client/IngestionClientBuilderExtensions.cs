using Ingestion.Client.Internal;
using Ingestion.Composition.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Ingestion;

/// <summary>Configures the <see cref="IIngestionClient"/> on the <see cref="IIngestionBuilder"/>.</summary>
public static class IngestionClientBuilderExtensions
{
    /// <summary>Configures the client's options (inline derivations, derive batch size). The client itself is part of <c>AddIngestion</c>.</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="configure">Changes the options.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IIngestionBuilder ConfigureClient(this IIngestionBuilder builder, Action<IngestionClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(configure);
        return builder;
    }

    internal static void AddIngestionClient(this IServiceCollection services)
    {
        services.AddValidatedOptions<IngestionClientOptions, IngestionClientOptionsValidator>();
        services.TryAddSingleton<ChangedKeyDerivation>();
        services.TryAddSingleton<IIngestionClient, IngestionClient>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IJobHandler, DeriveJobHandler>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IJobHandler, RederiveDueJobHandler>());
    }
}
