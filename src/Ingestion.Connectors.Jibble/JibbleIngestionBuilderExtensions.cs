using Ingestion.Connectors.Jibble;
using Ingestion.Connectors.Jibble.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

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
    public static IIngestionBuilder AddJibble(this IIngestionBuilder builder, string name, IConfiguration configuration) =>
        builder.AddConnector(name, configuration, Connector);

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
    public static IIngestionBuilder AddJibble(this IIngestionBuilder builder, string name, Action<JibbleOptions> configure) =>
        builder.AddConnector(name, configure, Connector);

    /// <summary>Registers a Jibble account as the source <paramref name="name"/>, with options set in code from the host's services (a secret store, say).</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="name">The source name, unique within the host.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddJibble(this IIngestionBuilder builder, string name, Action<JibbleOptions, IServiceProvider> configure) =>
        builder.AddConnector(name, configure, Connector);

    private static readonly Connector<JibbleOptions> Connector = new()
    {
        BuildSource = (name, options, services) =>
            JibbleSource.Build(name, options, (ILogger?)services.GetService<ILoggerFactory>()?.CreateLogger("Ingestion.Connectors.Jibble") ?? NullLogger.Instance),
        CreateValidator = (name, keyPrefix) => new JibbleOptionsValidator(name, keyPrefix),
        AddAccountParts = (builder, name) => builder.AddDeriver(new WorkSessionDeriver(name)),
    };
}
