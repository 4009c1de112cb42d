using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Ingestion.Samples.Cli;

/// <summary>
/// Builds the host every command runs in: configuration from <c>appsettings.json</c> (next to the tool, then in the current
/// folder) and environment variables, the engine on PostgreSQL (<c>ConnectionStrings:Ingestion</c>), and the sources found in
/// configuration: the Employes, Jibble and Finale connectors from <c>Ingestion:Employes</c>, <c>Ingestion:Jibble</c> and
/// <c>Ingestion:Finale</c>, and REST sources
/// from <c>Ingestion:Sources</c>.
/// </summary>
internal sealed class CliHostFactory(IReadOnlyDictionary<string, string?>? overrides = null, bool readFiles = true)
{
    public const string ConnectionStringName = "Ingestion";

    public IConfiguration BuildConfiguration()
    {
        var configuration = new ConfigurationBuilder();
        if (readFiles)
        {
            configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
            configuration.AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true, reloadOnChange: false);
            configuration.AddEnvironmentVariables();
        }

        if (overrides is not null)
        {
            configuration.AddInMemoryCollection(overrides);
        }

        return configuration.Build();
    }

    /// <summary>Builds (does not start) the host. Throws <see cref="ConfigurationProblemException"/> when there is no connection string.</summary>
    /// <param name="verbose">Writes the engine's log to standard error.</param>
    /// <param name="work">Adds the scheduler (<c>Ingestion:Scheduler</c>, <c>Ingestion:Schedules</c>) and the queue workers (<c>Ingestion:Worker</c>).</param>
    public IHost Build(bool verbose, bool work = false)
    {
        var configuration = BuildConfiguration();
        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ConfigurationProblemException(
            [
                $"ConnectionStrings:{ConnectionStringName} is not set. Put it in appsettings.json or set the environment variable ConnectionStrings__{ConnectionStringName}.",
            ]);
        }

        // A misspelt runner setting would otherwise be ignored silently.
        var runnerSettings = typeof(SyncRunnerOptions).GetProperties().Select(property => property.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var unknown = configuration.GetSection("Ingestion:Runner").GetChildren().Where(child => !runnerSettings.Contains(child.Key)).ToList();
        if (unknown.Count > 0)
        {
            throw new ConfigurationProblemException(
                [.. unknown.Select(child => $"{child.Path}: unknown setting '{child.Key}'; expected one of {string.Join(", ", runnerSettings.Order(StringComparer.Ordinal))}.")]);
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.ClearProviders();
        if (verbose)
        {
            builder.Logging.SetMinimumLevel(LogLevel.Information);

            // Npgsql logs every command at Information: its warnings are what an operator needs.
            builder.Logging.AddFilter("Npgsql", LogLevel.Warning);
            builder.Logging.AddSimpleConsole(options => options.SingleLine = true);
            builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
        }

        builder.Services.AddIngestion(ingestion =>
        {
            ingestion.UsePostgres(connectionString);
            var section = configuration.GetSection("Ingestion");
            if (section.GetSection("Employes").Exists())
            {
                ingestion.AddEmployes(section.GetSection("Employes"));
            }

            if (section.GetSection("Jibble").Exists())
            {
                ingestion.AddJibble(section.GetSection("Jibble"));
            }

            if (section.GetSection("Finale").Exists())
            {
                ingestion.AddFinale(section.GetSection("Finale"));
            }

            if (section.GetSection("Sources").Exists())
            {
                ingestion.AddRestSources(section.GetSection("Sources"));
            }

            if (section.GetSection("Retention").Exists())
            {
                ingestion.ConfigureRetention(section.GetSection("Retention"));
            }

            if (work)
            {
                ingestion
                    .AddScheduler(section.GetSection("Scheduler"))
                    .AddSchedules(section.GetSection("Schedules"))
                    .AddWorker(section.GetSection("Worker"));
            }

            ingestion.Services.AddOptions<SyncRunnerOptions>().Bind(section.GetSection("Runner"));
        });

        return builder.Build();
    }

    /// <summary>The registered sources, or the configuration problems that stop them from being built.</summary>
    public static IReadOnlyList<SourceDefinition> Sources(IHost host)
    {
        try
        {
            return host.Services.GetRequiredService<ISourceCatalog>().Sources;
        }
        catch (OptionsValidationException exception)
        {
            throw new ConfigurationProblemException([.. exception.Failures]);
        }
    }

    /// <summary>Starts the host (options are validated and the schema is migrated here), translating failures into exit-code exceptions.</summary>
    public static async Task StartAsync(IHost host, CancellationToken cancellationToken)
    {
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (ValidationFailures(exception) is { Count: > 0 } failures)
        {
            throw new ConfigurationProblemException(failures);
        }
    }

    /// <summary>Whether <paramref name="exception"/> means the database cannot be reached.</summary>
    public static bool IsDatabaseUnavailable(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is NpgsqlException or System.Net.Sockets.SocketException)
            {
                return true;
            }

            if (current is AggregateException aggregate && aggregate.InnerExceptions.Any(IsDatabaseUnavailable))
            {
                return true;
            }
        }

        return false;
    }

    private static List<string> ValidationFailures(Exception exception)
    {
        var failures = new List<string>();
        var exceptions = exception is AggregateException aggregate ? aggregate.Flatten().InnerExceptions : [exception];
        foreach (var inner in exceptions)
        {
            if (inner is OptionsValidationException validation)
            {
                failures.AddRange(validation.Failures.Where(f => !failures.Contains(f)));
            }
        }

        return failures;
    }
}
