using Ingestion.Composition.Internal;
using Ingestion.Retention.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ingestion;

/// <summary>Configures retention: what the store removes, and when, on an <see cref="IIngestionBuilder"/>.</summary>
public static class RetentionIngestionBuilderExtensions
{
    /// <summary>
    /// Sets the retention rules (<see cref="RetentionOptions"/>; without this call the defaults hold). The scheduler enqueues a
    /// retention pass every <see cref="SchedulerOptions.RetentionInterval"/> (daily by default) and a queue worker runs it; the
    /// rules are validated when the host starts.
    /// </summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="configure">Changes the rules.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder ConfigureRetention(this IIngestionBuilder builder, Action<RetentionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>
    /// Sets the retention rules from <paramref name="section"/> (for example <c>Ingestion:Retention</c>). A key the options do not
    /// have (a misspelt rule) stops the host at start with an error naming it.
    /// </summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="section">The section: <c>SupersededVersionsMaxAge</c>, <c>SupersededVersionsToKeep</c>, <c>Sources:{name}:…</c>, ….</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder ConfigureRetention(this IIngestionBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        builder.Services.AddOptions<RetentionOptions>().Bind(section, binder => binder.ErrorOnUnknownConfiguration = true);
        return builder;
    }

    internal static void AddRetention(this IServiceCollection services)
    {
        services.AddValidatedOptions<RetentionOptions, RetentionOptionsValidator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IJobHandler, RetentionJobHandler>());
    }
}
