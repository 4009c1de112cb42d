using Ingestion.Connectors.Jibble;
using Ingestion.Connectors.Jibble.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Ingestion;

/// <summary>Registers Jibble accounts (time tracking) on an <see cref="IIngestionBuilder"/>.</summary>
public static class JibbleIngestionBuilderExtensions
{
    /// <summary>Registers the Jibble account described by <paramref name="configuration"/> as the source <c>jibble</c>.</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="configuration">The account's section (for example <c>Jibble</c>), bound to <see cref="JibbleOptions"/>.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddJibble(this IIngestionBuilder builder, IConfiguration configuration) =>
        builder.AddJibble(JibbleOptions.DefaultName, configuration);

    /// <summary>
    /// Registers a Jibble account as the source <paramref name="name"/>, with options bound from <paramref name="configuration"/>
    /// and validated when the host starts (errors name the configuration key). The source has the streams
    /// <see cref="JibbleStreams.People"/>, <see cref="JibbleStreams.Groups"/> and <see cref="JibbleStreams.TimeEntries"/>, and the
    /// <see cref="WorkSessionDeriver"/> is registered for it. Call once per account; each name is its own source.
    /// </summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="name">The source name, unique within the host (for example <c>jibble-eu</c>).</param>
    /// <param name="configuration">The account's configuration section.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddJibble(this IIngestionBuilder builder, string name, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.AddOptions<JibbleOptions>(name).Bind(configuration);
        var prefix = configuration is IConfigurationSection section ? section.Path + ":" : string.Empty;
        return builder.AddJibbleCore(name, prefix);
    }

    /// <summary>Registers a Jibble account as the source <c>jibble</c>, with options set in code.</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddJibble(this IIngestionBuilder builder, Action<JibbleOptions> configure) =>
        builder.AddJibble(JibbleOptions.DefaultName, configure);

    /// <summary>Registers a Jibble account as the source <paramref name="name"/>, with options set in code and validated when the host starts.</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="name">The source name, unique within the host.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddJibble(this IIngestionBuilder builder, string name, Action<JibbleOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<JibbleOptions>(name).Configure(configure);
        return builder.AddJibbleCore(name, string.Empty);
    }

    private static IIngestionBuilder AddJibbleCore(this IIngestionBuilder builder, string name, string keyPrefix)
    {
        var services = builder.Services;
        services.AddOptions<JibbleOptions>(name).ValidateOnStart();

        // One validator and one deriver per account, however often the account is registered.
        if (!services.Any(d => d.ServiceType == typeof(IValidateOptions<JibbleOptions>) && d.ImplementationInstance is JibbleOptionsValidator v && v.Name == name))
        {
            services.AddSingleton<IValidateOptions<JibbleOptions>>(new JibbleOptionsValidator(name, keyPrefix));
        }

        if (!services.Any(d => d.ServiceType == typeof(IDeriver) && d.ImplementationInstance is WorkSessionDeriver w && w.SourceName == name))
        {
            builder.AddDeriver(new WorkSessionDeriver(name));
        }

        return builder.AddSource(name, provider =>
        {
            var options = provider.GetRequiredService<IOptionsMonitor<JibbleOptions>>().Get(name);
            var logger = (ILogger?)provider.GetService<ILoggerFactory>()?.CreateLogger("Ingestion.Connectors.Jibble") ?? NullLogger.Instance;
            return JibbleSource.Build(name, options, logger);
        });
    }
}
