using Microsoft.Extensions.Options;

namespace Ingestion;

/// <summary>
/// What a connector is, for <see cref="ConnectorBuilderExtensions.AddConnector{TOptions}(IIngestionBuilder, string, Microsoft.Extensions.Configuration.IConfiguration, Connector{TOptions})"/>:
/// how one account's source is built from its options, how the options are checked, and what else an account adds. A
/// connector keeps one static instance and its <c>AddVendor(...)</c> overloads pass it on, so every connector (ours and
/// yours) registers accounts the same way: named options per account, strict binding, validation at start, idempotence.
/// </summary>
/// <typeparam name="TOptions">The connector's options, one instance per account (named by the source name).</typeparam>
public sealed class Connector<TOptions>
    where TOptions : class
{
    /// <summary>Builds the source of the account <c>name</c> from its validated options, when the engine starts.</summary>
    public required Func<string, TOptions, IServiceProvider, SourceDefinition> BuildSource { get; init; }

    /// <summary>
    /// Creates the validator of the account <c>name</c>; its failures name keys with the given prefix (the configuration section's
    /// path and a colon, or empty for options set in code). The validator is expected to skip options of other names.
    /// </summary>
    public Func<string, string, IValidateOptions<TOptions>>? CreateValidator { get; init; }

    /// <summary>Registers what one account adds besides its source (its derivers, health checks); called once per account.</summary>
    public Action<IIngestionBuilder, string>? AddAccountParts { get; init; }
}
