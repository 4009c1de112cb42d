using Ingestion.Composition.Internal;
using Ingestion.Workers.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Ingestion;

/// <summary>Registers the queue worker and job handlers on an <see cref="IIngestionBuilder"/>.</summary>
public static class WorkerIngestionBuilderExtensions
{
    /// <summary>
    /// Registers the queue worker (a hosted service) and the built-in <see cref="IngestionJobTypes.Sync"/> handler. The worker runs every
    /// registered <see cref="IJobHandler"/>; jobs of other types are dead-lettered. Safe to call more than once.
    /// </summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="configure">Sets options (concurrency per job type, lease, heartbeat, polling).</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddWorker(this IIngestionBuilder builder, Action<WorkerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddValidatedOptions<WorkerOptions, WorkerOptionsValidator>(configure);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IJobHandler, SyncJobHandler>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, QueueWorker>());
        return builder;
    }

    /// <summary>Registers the queue worker with options bound from <paramref name="section"/> (for example <c>Ingestion:Worker</c>).</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="section">The options section: <c>DefaultConcurrency</c>, <c>Concurrency:{jobType}</c>, <c>LeaseDuration</c>, ….</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddWorker(this IIngestionBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        builder.AddWorker();
        builder.Services.AddOptions<WorkerOptions>().Bind(section);
        return builder;
    }

    /// <summary>Registers a job handler; the worker runs the jobs of its <see cref="IJobHandler.JobType"/>. Registering the same type twice has no effect.</summary>
    /// <typeparam name="THandler">The handler type.</typeparam>
    /// <param name="builder">The ingestion builder.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddJobHandler<THandler>(this IIngestionBuilder builder)
        where THandler : class, IJobHandler
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IJobHandler, THandler>());
        return builder;
    }
}
