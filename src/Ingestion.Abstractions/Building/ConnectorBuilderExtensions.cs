using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ingestion;

/// <summary>
/// Registers one account of a connector (<see cref="Connector{TOptions}"/>): the one way our connectors and custom ones are
/// registered, so that each behaves the same. Options are named by the source name, so several accounts of one vendor live
/// side by side; they are validated when the host starts; a configuration key the options do not have (a misspelt
/// <c>PerPge</c>) stops the host with an error naming the key and its section; registering an account again only adds its
/// configuration, never a second source.
/// </summary>
public static class ConnectorBuilderExtensions
{
    /// <summary>Registers the account <paramref name="name"/> with options bound from <paramref name="section"/>, strictly.</summary>
    /// <typeparam name="TOptions">The connector's options.</typeparam>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="name">The source name, unique within the host.</param>
    /// <param name="section">The account's configuration section.</param>
    /// <param name="connector">The connector.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddConnector<TOptions>(this IIngestionBuilder builder, string name, IConfiguration section, Connector<TOptions> connector)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(section);
        var path = (section as IConfigurationSection)?.Path;
        return builder.AddConnectorCore(name, connector, path is null ? string.Empty : path + ":", options => options.Configure(value => BindStrictly(section, path, name, value)));
    }

    /// <summary>Registers the account <paramref name="name"/> with options set in code.</summary>
    /// <typeparam name="TOptions">The connector's options.</typeparam>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="name">The source name, unique within the host.</param>
    /// <param name="configure">Sets the options.</param>
    /// <param name="connector">The connector.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddConnector<TOptions>(this IIngestionBuilder builder, string name, Action<TOptions> configure, Connector<TOptions> connector)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(configure);
        return builder.AddConnectorCore(name, connector, string.Empty, options => options.Configure(configure));
    }

    /// <summary>Registers the account <paramref name="name"/> with options set in code from the host's services (a secret store, say).</summary>
    /// <typeparam name="TOptions">The connector's options.</typeparam>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="name">The source name, unique within the host.</param>
    /// <param name="configure">Sets the options.</param>
    /// <param name="connector">The connector.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddConnector<TOptions>(this IIngestionBuilder builder, string name, Action<TOptions, IServiceProvider> configure, Connector<TOptions> connector)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(configure);
        return builder.AddConnectorCore(name, connector, string.Empty, options => options.Configure<IServiceProvider>(configure));
    }

    private static IIngestionBuilder AddConnectorCore<TOptions>(
        this IIngestionBuilder builder, string name, Connector<TOptions> connector, string keyPrefix, Action<OptionsBuilder<TOptions>> configure)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(connector);
        var services = builder.Services;
        var options = services.AddOptions<TOptions>(name);
        configure(options);

        // The first registration of an account adds its validator, source and parts; a later one only its configuration.
        var account = new ConnectorAccount(typeof(TOptions), name);
        if (services.Any(descriptor => descriptor.ServiceType == typeof(ConnectorAccount) && account.Equals(descriptor.ImplementationInstance)))
        {
            return builder;
        }

        services.AddSingleton(account);
        options.ValidateOnStart();
        if (connector.CreateValidator is { } createValidator)
        {
            services.AddSingleton(createValidator(name, keyPrefix));
        }

        connector.AddAccountParts?.Invoke(builder, name);
        return builder.AddSource(name, provider => connector.BuildSource(name, provider.GetRequiredService<IOptionsMonitor<TOptions>>().Get(name), provider));
    }

    private static void BindStrictly<TOptions>(IConfiguration section, string? path, string name, TOptions options)
        where TOptions : class
    {
        try
        {
            section.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException exception)
        {
            // The binder names the unknown keys; the section says where they are.
            var where = path is null ? $"the configuration of '{name}'" : $"section '{path}'";
            throw new OptionsValidationException(name, typeof(TOptions), [$"{where}: {exception.Message}"]);
        }
    }

    /// <summary>Marks an account as registered, so registering it again adds no second source.</summary>
    private sealed record ConnectorAccount(Type OptionsType, string Name);
}
