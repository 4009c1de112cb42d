using Acme.Books.Ingestion;
using Acme.Books.Ingestion.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ingestion;

/// <summary>Registers Acme Books accounts on an <see cref="IIngestionBuilder"/>.</summary>
public static class AcmeBooksIngestionBuilderExtensions
{
    /// <summary>Registers the Acme Books account described by <paramref name="configuration"/> as the source <c>acme-books</c>.</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="configuration">The account's section (for example <c>Ingestion:AcmeBooks</c>), bound to <see cref="AcmeBooksOptions"/>.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddAcmeBooks(this IIngestionBuilder builder, IConfiguration configuration) =>
        builder.AddAcmeBooks(AcmeBooksOptions.DefaultName, configuration);

    /// <summary>
    /// Registers an Acme Books account as the source <paramref name="name"/>, with options bound from
    /// <paramref name="configuration"/> and validated when the host starts (errors name the configuration key).
    /// The source has the streams <see cref="AcmeBooksStreams.Books"/> and <see cref="AcmeBooksStreams.Reviews"/>,
    /// and its <see cref="BookRatingsDeriver"/> is registered too. Call once per account.
    /// </summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="name">The source name, unique within the host.</param>
    /// <param name="configuration">The account's configuration section.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddAcmeBooks(this IIngestionBuilder builder, string name, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.AddOptions<AcmeBooksOptions>(name).Bind(configuration);
        var prefix = configuration is IConfigurationSection section ? section.Path + ":" : string.Empty;
        return builder.AddAcmeBooksCore(name, prefix);
    }

    /// <summary>Registers an Acme Books account as the source <paramref name="name"/>, with options set in code and validated when the host starts.</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="name">The source name, unique within the host.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddAcmeBooks(this IIngestionBuilder builder, string name, Action<AcmeBooksOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<AcmeBooksOptions>(name).Configure(configure);
        return builder.AddAcmeBooksCore(name, string.Empty);
    }

    private static IIngestionBuilder AddAcmeBooksCore(this IIngestionBuilder builder, string name, string keyPrefix)
    {
        var services = builder.Services;

        // Bad options stop the host at start-up, not at the first sync.
        services.AddOptions<AcmeBooksOptions>(name).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AcmeBooksOptions>>(new AcmeBooksOptionsValidator(name, keyPrefix));
        builder.AddDeriver(new BookRatingsDeriver(name));

        // The definition is built once, when the engine starts, from the validated options of this account.
        return builder.AddSource(name, provider =>
        {
            var options = provider.GetRequiredService<IOptionsMonitor<AcmeBooksOptions>>().Get(name);
            return AcmeBooksSource.Build(name, options);
        });
    }
}
