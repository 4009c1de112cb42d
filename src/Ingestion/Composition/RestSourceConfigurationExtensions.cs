using Ingestion.Composition.Internal;
using Microsoft.Extensions.Configuration;

namespace Ingestion;

/// <summary>Registers REST sources defined in configuration, so a source can be added without code.</summary>
public static class RestSourceConfigurationExtensions
{
    /// <summary>
    /// Registers the REST source described by <paramref name="section"/> (base address, auth, rate limit, resilience, streams).
    /// The section is read and validated when the host starts; a bad value stops the host with a message naming its
    /// configuration path, for example <c>Ingestion:Sources:catalog:Streams:products:Paginator:Kind</c>.
    /// </summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="name">The source name, unique within the host.</param>
    /// <param name="section">The source's configuration section.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IIngestionBuilder AddRestSource(this IIngestionBuilder builder, string name, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(section);
        return builder.AddSource(name, _ => RestSourceConfigurationReader.Read(name, section));
    }

    /// <summary>Registers one REST source per child of <paramref name="section"/>, named by the child's key (for example <c>Ingestion:Sources</c>).</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="section">The section whose children are sources.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IIngestionBuilder AddRestSources(this IIngestionBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        foreach (var source in section.GetChildren())
        {
            builder.AddRestSource(source.Key, source);
        }

        return builder;
    }
}
