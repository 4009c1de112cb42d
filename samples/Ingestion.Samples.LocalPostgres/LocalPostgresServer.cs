using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace Ingestion.Samples;

/// <summary>
/// A PostgreSQL server for the samples, tests and benchmarks, chosen in this order: the one a connection string names;
/// a Testcontainers PostgreSQL container when a Docker engine answers; a throwaway cluster started from the machine's
/// own binaries (<c>initdb</c> + <c>pg_ctl</c>) in a temp folder on a free port. Started servers are removed on dispose.
/// <see cref="Description"/> says which one is in use.
/// </summary>
public sealed class LocalPostgresServer : IAsyncDisposable
{
    /// <summary>The environment variable the tests and benchmarks read a server's connection string from.</summary>
    public const string EnvironmentVariable = "INGESTION_TEST_POSTGRES";

    /// <summary>
    /// The environment variable naming the Docker image to run PostgreSQL from. When it is not set, the image
    /// <c>eng/docker/build-local-postgres-image.sh</c> builds is used if the engine has it, else the official image.
    /// </summary>
    public const string ImageEnvironmentVariable = "INGESTION_TEST_POSTGRES_IMAGE";

    private const string FolderPrefix = "ingestion-pg-";
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(2);

    private static readonly TimeSpan ContainerStartTimeout = TimeSpan.FromMinutes(3);

    private readonly string? _folder;
    private readonly string? _binaries;
    private readonly bool _asPostgresUser;
    private readonly IAsyncDisposable? _container;
    private int _databaseCounter;

    private LocalPostgresServer(string adminConnectionString, string description, string? folder = null, string? binaries = null, bool asPostgresUser = false, IAsyncDisposable? container = null)
    {
        AdminConnectionString = adminConnectionString;
        Description = description;
        _folder = folder;
        _binaries = binaries;
        _asPostgresUser = asPostgresUser;
        _container = container;
    }

    /// <summary>A connection string to the server's maintenance database.</summary>
    public string AdminConnectionString { get; }

    /// <summary>
    /// Which server this is, for one line of output: <c>INGESTION_TEST_POSTGRES</c>, <c>Testcontainers (image X)</c>,
    /// or <c>throwaway cluster from DIR</c> followed by why no container was used.
    /// </summary>
    public string Description { get; }

    /// <summary>Whether this process started the server (a throwaway cluster or container) and removes it on dispose.</summary>
    public bool IsThrowaway => _folder is not null || _container is not null;

    /// <summary>Whether the server is a throwaway cluster from the machine's binaries (the kind <see cref="StopAsync"/> can stop).</summary>
    public bool IsLocalCluster => _folder is not null;

    /// <summary>Uses <c>INGESTION_TEST_POSTGRES</c> when it is set, else a container when Docker answers, else a throwaway cluster.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    public static Task<LocalPostgresServer> StartAsync(CancellationToken cancellationToken = default) =>
        StartAsync(Environment.GetEnvironmentVariable(EnvironmentVariable), EnvironmentVariable, cancellationToken);

    /// <summary>
    /// Uses the server <paramref name="configured"/> names; when it is empty, a Testcontainers PostgreSQL when a Docker
    /// engine answers, else a throwaway cluster from the machine's binaries.
    /// </summary>
    /// <param name="configured">A connection string, or <see langword="null"/> to start a server.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    /// <exception cref="InvalidOperationException">The configured server cannot be reached, or no server could be started.</exception>
    public static Task<LocalPostgresServer> StartAsync(string? configured, CancellationToken cancellationToken = default) =>
        StartAsync(configured, "the configured connection string", cancellationToken);

    /// <summary>Starts PostgreSQL in a Docker container through Testcontainers, whatever else is configured.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running container's server.</returns>
    /// <exception cref="InvalidOperationException">No Docker engine answers, or the container did not start.</exception>
    public static async Task<LocalPostgresServer> StartContainerAsync(CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // A wait strategy that never sees the server ready would otherwise wait forever.
        timeout.CancelAfter(ContainerStartTimeout);
        try
        {
            var (connectionString, image, container) = await PostgresContainer.StartAsync(Environment.GetEnvironmentVariable(ImageEnvironmentVariable), timeout.Token);
            var admin = new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 100 }.ConnectionString;
            return new LocalPostgresServer(admin, $"Testcontainers (image {image})", container: container);
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"The PostgreSQL container was not ready within {ContainerStartTimeout.TotalMinutes} minutes.", exception);
        }
    }

    /// <summary>Says why no Docker engine can be used, or returns <see langword="null"/> when one answers.</summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The reason, or <see langword="null"/>.</returns>
    public static async Task<string?> FindDockerProblemAsync(CancellationToken cancellationToken = default)
    {
        var (answers, reason) = await PostgresContainer.ProbeAsync(cancellationToken);
        return answers ? null : reason;
    }

    private static async Task<LocalPostgresServer> StartAsync(string? configured, string configuredName, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            await using var connection = new NpgsqlConnection(configured);
            try
            {
                await connection.OpenAsync(cancellationToken);
            }
            catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or ArgumentException)
            {
                throw new InvalidOperationException(
                    $"{EnvironmentVariable} is set but PostgreSQL cannot be reached with it ({exception.Message}). " +
                    $"Fix the connection string, or unset {EnvironmentVariable} so the tests start their own cluster from the machine's PostgreSQL binaries.",
                    exception);
            }

            return new LocalPostgresServer(configured, configuredName);
        }

        var dockerProblem = await FindDockerProblemAsync(cancellationToken);
        if (dockerProblem is null)
        {
            try
            {
                return await StartContainerAsync(cancellationToken);
            }
            catch (InvalidOperationException exception)
            {
                dockerProblem = exception.Message;
            }
        }

        return await StartClusterAsync($" (no container: {dockerProblem})", cancellationToken);
    }

    /// <summary>
    /// Uses <c>INGESTION_TEST_POSTGRES</c> when it is set, else a throwaway cluster, never a container: for benchmarks,
    /// whose figures a container's port forwarding would change.
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    /// <exception cref="InvalidOperationException">The configured server cannot be reached, or no binaries were found.</exception>
    public static async Task<LocalPostgresServer> StartWithoutContainerAsync(CancellationToken cancellationToken = default) =>
        !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(EnvironmentVariable))
            ? await StartAsync(Environment.GetEnvironmentVariable(EnvironmentVariable), EnvironmentVariable, cancellationToken)
            : await StartClusterAsync(note: string.Empty, cancellationToken);

    /// <summary>Starts a throwaway cluster from the machine's binaries, whatever <c>INGESTION_TEST_POSTGRES</c> says: for tests that stop the server.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running cluster.</returns>
    /// <exception cref="InvalidOperationException">No binaries were found, or the cluster did not start.</exception>
    public static Task<LocalPostgresServer> StartThrowawayAsync(CancellationToken cancellationToken = default) => StartClusterAsync(note: string.Empty, cancellationToken);

    // note follows the description: why this cluster was started instead of a container.
    private static async Task<LocalPostgresServer> StartClusterAsync(string note, CancellationToken cancellationToken)
    {
        var binaries = FindBinaries() ?? throw new InvalidOperationException(
            "No PostgreSQL server binaries (initdb, pg_ctl) were found on PATH or under /usr/lib/postgresql/*/bin. " +
            $"Install PostgreSQL (for example `apt-get install postgresql`), or set {EnvironmentVariable} to a connection string " +
            "of a server where the user may create databases.");

        var asPostgresUser = string.Equals(Environment.UserName, "root", StringComparison.Ordinal);
        RemoveAbandonedClusters(binaries, asPostgresUser);

        Exception? lastFailure = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var folder = Path.Combine(Path.GetTempPath(), FolderPrefix + Guid.NewGuid().ToString("N")[..12]);
            try
            {
                return await StartClusterInAsync(binaries, folder, asPostgresUser, note, cancellationToken);
            }
            catch (InvalidOperationException exception)
            {
                // A port taken between choosing and binding is the usual cause; try another.
                lastFailure = exception;
                TryDelete(folder);
            }
        }

        throw new InvalidOperationException(
            $"Could not start a throwaway PostgreSQL cluster from {binaries}: {lastFailure?.Message} " +
            $"Set {EnvironmentVariable} to the connection string of a running server instead.",
            lastFailure);
    }

    /// <summary>Stops a throwaway cluster without deleting it (a fast shutdown: open sessions are ended), as a database outage would.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the server has stopped.</returns>
    /// <exception cref="InvalidOperationException">The server is not a throwaway cluster this process started.</exception>
    public Task StopAsync(CancellationToken cancellationToken = default) =>
        RunToolAsync(ThrowawayBinaries(), "pg_ctl", ["-D", Path.Combine(_folder!, "data"), "-m", "fast", "-w", "stop"], _asPostgresUser, cancellationToken);

    /// <summary>Starts a throwaway cluster stopped by <see cref="StopAsync"/> again, on the same port.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the server accepts connections.</returns>
    /// <exception cref="InvalidOperationException">The server is not a throwaway cluster this process started.</exception>
    public Task StartAgainAsync(CancellationToken cancellationToken = default) =>
        RunToolAsync(ThrowawayBinaries(), "pg_ctl", ["-D", Path.Combine(_folder!, "data"), "-l", Path.Combine(_folder!, "server.log"), "-w", "-t", "60", "start"], _asPostgresUser, cancellationToken);

    private string ThrowawayBinaries() => _folder is not null && _binaries is not null
        ? _binaries
        : throw new InvalidOperationException("Only a throwaway cluster started by this process can be stopped and started.");

    /// <summary>Creates a fresh, empty database and returns its connection string.</summary>
    /// <param name="nameHint">A readable part of the database name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new database's connection string.</returns>
    public async Task<string> CreateDatabaseAsync(string nameHint, CancellationToken cancellationToken = default)
    {
        var suffix = Interlocked.Increment(ref _databaseCounter).ToString(CultureInfo.InvariantCulture);
        var cleaned = new StringBuilder();
        foreach (var character in nameHint.ToLowerInvariant())
        {
            if (cleaned.Length >= 40)
            {
                break;
            }

            cleaned.Append(char.IsAsciiLetterOrDigit(character) ? character : '_');
        }

        var name = $"t_{cleaned}_{Environment.ProcessId}_{suffix}";
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Stops and deletes a throwaway cluster; leaves a configured server alone.</summary>
    /// <returns>A task that completes when the cluster is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_container is not null)
        {
            await _container.DisposeAsync();
            return;
        }

        if (_folder is null || _binaries is null)
        {
            return;
        }

        await RunToolAsync(_binaries, "pg_ctl", ["-D", Path.Combine(_folder, "data"), "-m", "immediate", "-w", "stop"], _asPostgresUser, CancellationToken.None, throwOnFailure: false);
        TryDelete(_folder);
    }

    private static async Task<LocalPostgresServer> StartClusterInAsync(string binaries, string folder, bool asPostgresUser, string note, CancellationToken cancellationToken)
    {
        var data = Path.Combine(folder, "data");
        var sockets = Path.Combine(folder, "sockets");
        Directory.CreateDirectory(sockets);
        await File.WriteAllTextAsync(Path.Combine(folder, "owner.pid"), Environment.ProcessId.ToString(CultureInfo.InvariantCulture), cancellationToken);
        if (asPostgresUser)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", folder], cancellationToken);
        }

        await RunToolAsync(binaries, "initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"], asPostgresUser, cancellationToken);

        var port = FindFreePort();
        var settings = string.Join('\n',
            $"port = {port}",
            "listen_addresses = '127.0.0.1'",
            $"unix_socket_directories = '{sockets}'",
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            "shared_buffers = 128MB",
            "max_connections = 200",
            "max_wal_size = 1GB",
            "logging_collector = off",
            "");
        await File.AppendAllTextAsync(Path.Combine(data, "postgresql.conf"), settings, cancellationToken);

        await RunToolAsync(binaries, "pg_ctl", ["-D", data, "-l", Path.Combine(folder, "server.log"), "-w", "-t", "60", "start"], asPostgresUser, cancellationToken);

        var connectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = "postgres",
            Database = "postgres",
            MaxPoolSize = 100,
        }.ConnectionString;
        return new LocalPostgresServer(connectionString, $"throwaway cluster from {binaries}{note}", folder, binaries, asPostgresUser);
    }

    private static string? FindBinaries()
    {
        var candidates = new List<string>();
        const string root = "/usr/lib/postgresql";
        if (Directory.Exists(root))
        {
            candidates.AddRange(Directory.GetDirectories(root)
                .Select(version => Path.Combine(version, "bin"))
                .OrderByDescending(path => int.TryParse(Path.GetFileName(Path.GetDirectoryName(path)), out var major) ? major : 0));
        }

        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        return candidates.FirstOrDefault(folder => File.Exists(Path.Combine(folder, "initdb")) && File.Exists(Path.Combine(folder, "pg_ctl")));
    }

    private static int FindFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Stops and deletes clusters left behind by test processes that no longer run (a crash or a killed run).</summary>
    private static void RemoveAbandonedClusters(string binaries, bool asPostgresUser)
    {
        foreach (var folder in Directory.GetDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            try
            {
                var ownerFile = Path.Combine(folder, "owner.pid");
                if (!File.Exists(ownerFile)
                    || !int.TryParse(File.ReadAllText(ownerFile), CultureInfo.InvariantCulture, out var owner)
                    || IsAlive(owner))
                {
                    continue;
                }

                RunToolAsync(binaries, "pg_ctl", ["-D", Path.Combine(folder, "data"), "-m", "immediate", "-w", "stop"], asPostgresUser, CancellationToken.None, throwOnFailure: false)
                    .GetAwaiter().GetResult();
                TryDelete(folder);
            }
            catch (IOException)
            {
                // Another run is cleaning the same folder.
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

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static Task RunToolAsync(string binaries, string tool, IReadOnlyList<string> arguments, bool asPostgresUser, CancellationToken cancellationToken, bool throwOnFailure = true)
    {
        var path = Path.Combine(binaries, tool);
        return asPostgresUser
            ? RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments], cancellationToken, throwOnFailure)
            : RunAsync(path, arguments, cancellationToken, throwOnFailure);
    }

    private static async Task RunAsync(string fileName, IReadOnlyList<string> arguments, CancellationToken cancellationToken, bool throwOnFailure = true)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            if (!throwOnFailure)
            {
                return;
            }

            throw new InvalidOperationException($"Could not run {fileName}: {exception.Message}", exception);
        }

        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ToolTimeout);
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0 && throwOnFailure)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(fileName)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {(await error).Trim()} {(await output).Trim()}");
        }
    }
}
