using System.Diagnostics;
using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Configurations;
using Microsoft.Extensions.Logging.Abstractions;
using Testcontainers.PostgreSql;

namespace Ingestion.Samples;

/// <summary>
/// PostgreSQL in a Docker container through Testcontainers: the image named by <c>INGESTION_TEST_POSTGRES_IMAGE</c>,
/// else the image <c>eng/docker/build-local-postgres-image.sh</c> builds when the engine has it, else the official one.
/// </summary>
internal static class PostgresContainer
{
    /// <summary>The image the build script makes, for engines that cannot pull from a registry.</summary>
    internal const string LocalImage = "ingestion/postgres:15-local";

    /// <summary>The official image used when nothing else is configured or built.</summary>
    internal const string OfficialImage = "postgres:15-alpine";

    private const string OwnerLabel = "ingestion.owner-pid";
    private const string HostLabel = "ingestion.owner-host";

    static PostgresContainer()
    {
        // Ryuk (Testcontainers' reaper) is an image of its own that an engine without a registry cannot pull; containers
        // are removed on dispose instead, and those of test processes that died are removed by the next start.
        TestcontainersSettings.ResourceReaperEnabled = false;
    }

    /// <summary>Whether a Docker engine answers, and why not when it does not.</summary>
    internal static async Task<(bool Answers, string Reason)> ProbeAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var client = CreateClient();
            if (client is null)
            {
                return (false, "no Docker endpoint was found");
            }

            await client.System.PingAsync(cancellationToken);
            return (true, "the Docker engine answers");
        }
        catch (Exception exception) when (exception is DockerApiException or HttpRequestException or IOException or TimeoutException or InvalidOperationException or ArgumentException or System.Net.Sockets.SocketException)
        {
            return (false, $"no Docker engine answers ({OneLine(exception.Message)})");
        }
    }

    /// <summary>Starts a container and returns its admin connection string, the image used and the running container.</summary>
    /// <exception cref="InvalidOperationException">No Docker engine answers, or the container did not start.</exception>
    internal static async Task<(string ConnectionString, string Image, IAsyncDisposable Container)> StartAsync(string? image, CancellationToken cancellationToken)
    {
        using var client = CreateClient() ?? throw new InvalidOperationException("No Docker endpoint was found.");
        await RemoveAbandonedAsync(client, cancellationToken);

        var configured = !string.IsNullOrWhiteSpace(image);
        var chosen = configured ? image!.Trim() : await ExistsAsync(client, LocalImage, cancellationToken) ? LocalImage : OfficialImage;
        var present = await ExistsAsync(client, chosen, cancellationToken);

        var container = new PostgreSqlBuilder()
            .WithImage(chosen)
            // Its progress lines would crowd the samples' and tests' output; LocalPostgresServer.Description says what ran.
            .WithLogger(NullLogger.Instance)
            // An image the engine already has is used as it is: the local one cannot be pulled from anywhere.
            .WithImagePullPolicy(_ => !present)
            .WithDatabase("postgres")
            .WithUsername("postgres")
            .WithPassword("postgres")
            .WithLabel(OwnerLabel, Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
            .WithLabel(HostLabel, Environment.MachineName)
            // The same trade-offs as the throwaway cluster: test data need not survive a crash, and tests open many connections.
            .WithCommand("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200")
            .Build();
        try
        {
            await container.StartAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            await container.DisposeAsync();
            var hint = present ? string.Empty : $" The engine does not have {chosen} and could not pull it; where no registry is reachable, build one with eng/docker/build-local-postgres-image.sh.";
            throw new InvalidOperationException($"The PostgreSQL container (image {chosen}) did not start: {OneLine(exception.Message)}.{hint}", exception);
        }

        return (container.GetConnectionString(), chosen, container);
    }

    private static string OneLine(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).TrimEnd('.');

    private static DockerClient? CreateClient()
    {
        var endpoint = TestcontainersSettings.OS.DockerEndpointAuthConfig;
        return endpoint?.GetDockerClientConfiguration(Guid.NewGuid()).CreateClient();
    }

    private static async Task<bool> ExistsAsync(DockerClient client, string image, CancellationToken cancellationToken)
    {
        try
        {
            await client.Images.InspectImageAsync(image, cancellationToken);
            return true;
        }
        catch (DockerImageNotFoundException)
        {
            return false;
        }
    }

    // Containers this machine's test processes started and could not remove because they were killed.
    private static async Task RemoveAbandonedAsync(DockerClient client, CancellationToken cancellationToken)
    {
        var containers = await client.Containers.ListContainersAsync(
            new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>>
                {
                    ["label"] = new Dictionary<string, bool> { [$"{HostLabel}={Environment.MachineName}"] = true },
                },
            },
            cancellationToken);
        foreach (var container in containers)
        {
            if (container.Labels.TryGetValue(OwnerLabel, out var owner)
                && int.TryParse(owner, CultureInfo.InvariantCulture, out var processId)
                && !IsAlive(processId))
            {
                try
                {
                    await client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true }, cancellationToken);
                }
                catch (DockerContainerNotFoundException)
                {
                    // Another test process removed it first.
                }
            }
        }
    }

    private static bool IsAlive(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
