using Ingestion.Postgres;
using Ingestion.Postgres.Internal;
using Ingestion.Postgres.Migrations.Internal;
using Ingestion.Postgres.Queue.Internal;
using Ingestion.Postgres.Scheduling.Internal;
using Ingestion.Postgres.Sources.Internal;
using Ingestion.Postgres.Storage.Internal;
using Ingestion.Postgres.Webhooks.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Ingestion;

/// <summary>Registers the PostgreSQL store (raw, derived, sync state, health, run log and job queue) on an <see cref="IIngestionBuilder"/>.</summary>
public static class PostgresIngestionBuilderExtensions
{
    /// <summary>
    /// Stores everything in PostgreSQL, connecting with <paramref name="connectionString"/>. Replaces any other store registration
    /// (for example the in-memory stores), whatever the call order. The schema is migrated when the host starts unless
    /// <see cref="PostgresStoreOptions.AutoMigrate"/> is off; options are validated then too.
    /// </summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <param name="configure">Sets options (schema, timeouts, batch size, queue backoff and retention).</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder UsePostgres(this IIngestionBuilder builder, string connectionString, Action<PostgresStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return builder.UsePostgresCore(
            services =>
            {
                var dataSource = new NpgsqlDataSourceBuilder(connectionString);
                if (services.GetService<ILoggerFactory>() is { } loggerFactory)
                {
                    dataSource.UseLoggerFactory(loggerFactory);
                }

                return dataSource.Build();
            },
            ownsDataSource: true,
            configure);
    }

    /// <summary>Stores everything in PostgreSQL through the host's <paramref name="dataSource"/>, which the host keeps owning.</summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="dataSource">The data source.</param>
    /// <param name="configure">Sets options.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder UsePostgres(this IIngestionBuilder builder, NpgsqlDataSource dataSource, Action<PostgresStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(dataSource);
        return builder.UsePostgresCore(_ => dataSource, ownsDataSource: false, configure);
    }

    /// <summary>
    /// Stores everything in PostgreSQL through the <see cref="NpgsqlDataSource"/> registered in the host's container under
    /// <paramref name="dataSourceServiceKey"/> (for example by <c>AddKeyedNpgsqlDataSource</c>).
    /// </summary>
    /// <param name="builder">The ingestion builder.</param>
    /// <param name="dataSourceServiceKey">The data source's service key.</param>
    /// <param name="configure">Sets options.</param>
    /// <returns>The same builder.</returns>
    public static IIngestionBuilder UseKeyedPostgres(this IIngestionBuilder builder, object dataSourceServiceKey, Action<PostgresStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(dataSourceServiceKey);
        return builder.UsePostgresCore(
            services => services.GetRequiredKeyedService<NpgsqlDataSource>(dataSourceServiceKey),
            ownsDataSource: false,
            configure);
    }

    private static IIngestionBuilder UsePostgresCore(
        this IIngestionBuilder builder, Func<IServiceProvider, NpgsqlDataSource> dataSource, bool ownsDataSource, Action<PostgresStoreOptions>? configure)
    {
        var services = builder.Services;
        var options = services.AddOptions<PostgresStoreOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgresStoreOptions>, PostgresStoreOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.RemoveAll<PostgresStoreContext>();
        services.AddSingleton(provider => new PostgresStoreContext(
            dataSource(provider),
            provider.GetRequiredService<IOptions<PostgresStoreOptions>>().Value,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetService<ILoggerFactory>(),
            ownsDataSource));

        services.RemoveAll<PostgresRawStore>();
        services.AddSingleton(provider => new PostgresRawStore(provider.GetRequiredService<PostgresStoreContext>()));
        Replace<IRawStore>(services, provider => provider.GetRequiredService<PostgresRawStore>());
        Replace<IRetryLog>(services, provider => provider.GetRequiredService<PostgresRawStore>());
        Replace<ISyncStateStore>(services, provider => new PostgresSyncStateStore(provider.GetRequiredService<PostgresStoreContext>()));
        Replace<IHealthStore>(services, provider => new PostgresHealthStore(provider.GetRequiredService<PostgresStoreContext>()));
        Replace<IRunLog>(services, provider => new PostgresRunLog(provider.GetRequiredService<PostgresStoreContext>()));
        Replace<IDerivedStore>(services, provider => new PostgresDerivedStore(provider.GetRequiredService<PostgresStoreContext>()));
        Replace<IJobQueue>(services, provider => new PostgresJobQueue(provider.GetRequiredService<PostgresStoreContext>()));
        Replace<IScheduleStore>(services, provider => new PostgresScheduleStore(provider.GetRequiredService<PostgresStoreContext>()));
        Replace<ISourceDefinitionStore>(services, provider => new PostgresSourceDefinitionStore(provider.GetRequiredService<PostgresStoreContext>()));
        Replace<IWebhookInbox>(services, provider => new PostgresWebhookInbox(provider.GetRequiredService<PostgresStoreContext>()));
        Replace<IStoreRetention>(services, provider => new PostgresRetention(provider.GetRequiredService<PostgresStoreContext>()));
        Replace<IStreamLeases>(services, provider => new PostgresStreamLeases(provider.GetRequiredService<PostgresStoreContext>()));
        services.TryAddSingleton<PostgresMigrationHostedService>();

        // First among hosted services, so workers and schedulers start on a migrated schema (stores also wait for it).
        if (!services.Any(descriptor => descriptor.ServiceType == typeof(IHostedService) && descriptor.ImplementationFactory?.Method.DeclaringType == typeof(PostgresIngestionBuilderExtensions)))
        {
            services.Insert(0, ServiceDescriptor.Singleton<IHostedService>(MigrationService));
        }

        return builder;
    }

    private static PostgresMigrationHostedService MigrationService(IServiceProvider provider) =>
        provider.GetRequiredService<PostgresMigrationHostedService>();

    private static void Replace<TService>(IServiceCollection services, Func<IServiceProvider, TService> factory)
        where TService : class
    {
        services.RemoveAll<TService>();
        services.AddSingleton(factory);
    }
}
