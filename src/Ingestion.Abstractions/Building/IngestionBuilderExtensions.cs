using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ingestion;

/// <summary>Extension methods on <see cref="IIngestionBuilder"/> that connectors and hosts use to register parts.</summary>
public static class IngestionBuilderExtensions
{
    /// <summary>
    /// Registers a source whose definition is built from the host's services when the engine starts.
    /// Connectors call this from their <c>AddVendor(...)</c> method.
    /// </summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="name">The source name, unique within the host.</param>
    /// <param name="factory">Builds the definition.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IIngestionBuilder AddSource(this IIngestionBuilder builder, string name, Func<IServiceProvider, SourceDefinition> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(new SourceRegistration(name, factory));
        return builder;
    }

    /// <summary>Registers a source from a finished definition.</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="source">The definition.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IIngestionBuilder AddSource(this IIngestionBuilder builder, SourceDefinition source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return builder.AddSource(source.Name, _ => source);
    }

    /// <summary>Registers a deriver. Registering the same type twice has no effect.</summary>
    /// <typeparam name="TDeriver">The deriver type.</typeparam>
    /// <param name="builder">The ingestion builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IIngestionBuilder AddDeriver<TDeriver>(this IIngestionBuilder builder)
        where TDeriver : class, IDeriver
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IDeriver, TDeriver>());
        return builder;
    }

    /// <summary>Registers a deriver instance.</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="deriver">The deriver.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IIngestionBuilder AddDeriver(this IIngestionBuilder builder, IDeriver deriver)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(deriver);
        builder.Services.AddSingleton(deriver);
        return builder;
    }

    /// <summary>
    /// Registers a REST source described with the fluent <see cref="RestSourceBuilder"/>. The definition is built
    /// and validated when the host starts; a problem stops the host with a message naming the source and stream.
    /// </summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="name">The source name, unique within the host.</param>
    /// <param name="configure">Describes the base address, authentication, budget and streams.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IIngestionBuilder AddRestSource(this IIngestionBuilder builder, string name, Action<RestSourceBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        return builder.AddSource(name, _ =>
        {
            var source = new RestSourceBuilder(name);
            configure(source);
            return source.Build();
        });
    }
}
