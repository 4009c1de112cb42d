using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Ingestion.Composition.Internal;

/// <summary>The one way the engine registers an options class: configured by the caller, checked by its validator when the host starts.</summary>
internal static class ValidatedOptions
{
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, Action<TOptions>? configure = null)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        var options = services.AddOptions<TOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return options.ValidateOnStart();
    }
}
