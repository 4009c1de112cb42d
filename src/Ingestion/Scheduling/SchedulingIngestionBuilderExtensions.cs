using Ingestion.Composition.Internal;
using Ingestion.Scheduling.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Ingestion;

/// <summary>Registers the cron scheduler and schedules on an <see cref="IIngestionBuilder"/>.</summary>
public static class SchedulingIngestionBuilderExtensions
{
    /// <summary>
    /// Registers the scheduler (a hosted service) with its options. Schedules come from <see cref="Schedule(IIngestionBuilder, ScheduleDefinition)"/>,
    /// <see cref="AddSchedules"/> and the <see cref="IScheduleStore"/> itself (rows added to the PostgreSQL <c>schedules</c> table are
    /// picked up at the next check). Without a persistent store, schedules are kept in memory. Safe to call more than once.
    /// </summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="configure">Sets options (check interval, failure handling).</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddScheduler(this IIngestionBuilder builder, Action<SchedulerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddValidatedOptions<SchedulerOptions, SchedulerOptionsValidator>(configure);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IScheduleStore, InMemoryScheduleStore>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ScheduleRunner>());
        return builder;
    }

    /// <summary>Registers the scheduler with options bound from <paramref name="section"/> (for example <c>Ingestion:Scheduler</c>).</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="section">The options section: <c>Enabled</c>, <c>CheckInterval</c>, <c>MaxConsecutiveFailures</c>, <c>DisableOnFailure</c>, ….</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddScheduler(this IIngestionBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        builder.AddScheduler();
        builder.Services.AddOptions<SchedulerOptions>().Bind(section);
        return builder;
    }

    /// <summary>Schedules a sync of every top-level stream of <paramref name="source"/>.</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="source">The source.</param>
    /// <param name="cron">The cron expression (5 fields, 6 with seconds, or a macro such as <c>@hourly</c>).</param>
    /// <param name="timeZone">The time zone the expression is evaluated in; <see langword="null"/> for UTC.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder Schedule(this IIngestionBuilder builder, string source, string cron, TimeZoneInfo? timeZone = null) =>
        builder.Schedule(source, stream: null, cron, timeZone?.Id ?? "UTC");

    /// <summary>Schedules a sync of one stream, or of every top-level stream when <paramref name="stream"/> is <see langword="null"/>.</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="source">The source.</param>
    /// <param name="stream">The stream, or <see langword="null"/>.</param>
    /// <param name="cron">The cron expression.</param>
    /// <param name="timeZone">The IANA time zone id, for example <c>Europe/Amsterdam</c>. Defaults to UTC.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder Schedule(this IIngestionBuilder builder, string source, string? stream, string cron, string timeZone = "UTC")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(cron);
        return builder.Schedule(new ScheduleDefinition
        {
            Name = ScheduleDefinition.DefaultName(source, stream),
            Source = source,
            Stream = stream,
            Cron = cron,
            TimeZone = string.IsNullOrWhiteSpace(timeZone) ? "UTC" : timeZone,
        });
    }

    /// <summary>Schedules syncs as <paramref name="definition"/> describes. The expression and time zone are validated when the host starts.</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="definition">The schedule.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder Schedule(this IIngestionBuilder builder, ScheduleDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(definition);
        builder.AddScheduler();
        builder.Services.AddSingleton(new ScheduleRegistration($"Schedule '{definition.Name}'", _ => definition));
        return builder;
    }

    /// <summary>
    /// Registers one schedule per child of <paramref name="section"/> (for example <c>Ingestion:Schedules</c>), named by the child's key,
    /// with <c>Source</c>, optional <c>Stream</c>, <c>Cron</c>, optional <c>TimeZone</c> (default UTC) and optional <c>Enabled</c>.
    /// A bad value stops the host at start-up with a message naming its configuration path.
    /// </summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="section">The section whose children are schedules.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder AddSchedules(this IIngestionBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        builder.AddScheduler();
        foreach (var child in section.GetChildren())
        {
            var path = child is IConfigurationSection named ? named.Path : child.Key;
            builder.Services.AddSingleton(new ScheduleRegistration($"Schedule '{path}'", _ => ScheduleConfigurationReader.Read(child.Key, path, child)));
        }

        return builder;
    }
}
