using Acme.Books.Ingestion;
using Acme.Books.Ingestion.Internal;
using Microsoft.Extensions.Configuration;

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
    public static IIngestionBuilder AddAcmeBooks(this IIngestionBuilder builder, string name, IConfiguration configuration) =>
        builder.AddConnector(name, configuration, Connector);

    /// <summary>Registers an Acme Books account as the source <paramref name="name"/>, with options set in code and validated when the host starts.</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="name">The source name, unique within the host.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddAcmeBooks(this IIngestionBuilder builder, string name, Action<AcmeBooksOptions> configure) =>
        builder.AddConnector(name, configure, Connector);

    // Everything the library needs to register an account: how to build its source, check its options, and what else it adds.
    // AddConnector gives every account named options, strict binding (a misspelt key stops the host), validation at start-up
    // and idempotent registration.
    private static readonly Connector<AcmeBooksOptions> Connector = new()
    {
        BuildSource = (name, options, _) => AcmeBooksSource.Build(name, options),
        CreateValidator = (name, keyPrefix) => new AcmeBooksOptionsValidator(name, keyPrefix),
        AddAccountParts = (builder, name) => builder.AddDeriver(new BookRatingsDeriver(name)),
    };
}
