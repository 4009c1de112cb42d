using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Ingestion.Benchmarks.Postgres;

/// <summary>
/// graphile-worker draining no-op jobs on the same server in the same run: the Node project in
/// <c>benchmarks/anchors/graphile-worker</c>, started once per measurement. It runs when <c>node</c> is on the PATH and
/// <c>npm install</c> has been run in that folder; otherwise <see cref="Find"/> says why it is skipped.
/// </summary>
internal sealed class GraphileWorkerAnchor
{
    /// <summary>The environment variable that hands the harness its database (a libpq URL).</summary>
    public const string DatabaseVariable = "ANCHOR_DATABASE_URL";

    private const string Folder = "benchmarks/anchors/graphile-worker";

    private readonly string _directory;
    private readonly string _databaseUrl;

    private GraphileWorkerAnchor(string directory, string databaseUrl)
    {
        _directory = directory;
        _databaseUrl = databaseUrl;
    }

    /// <summary>The installed graphile-worker version, read from its package.json.</summary>
    public string Version { get; private set; } = "?";

    /// <summary>The harness, or null with the reason it cannot run and how to enable it.</summary>
    public static (GraphileWorkerAnchor? Anchor, string? Skipped) Find(string connectionString)
    {
        var directory = FindHarness();
        if (directory is null)
        {
            return (null, $"{Folder}/drain.mjs was not found above {Directory.GetCurrentDirectory()}; run the benchmark from the repository.");
        }

        var node = NodeVersion();
        if (node is null)
        {
            return (null, $"`node` is not on the PATH. Install Node.js 20 or later, then run `npm install` in {Folder}.");
        }

        var package = Path.Combine(directory, "node_modules", "graphile-worker", "package.json");
        if (!File.Exists(package))
        {
            return (null, $"graphile-worker is not installed: run `npm install` in {Folder} (node {node} found), then run the benchmark again.");
        }

        using var json = JsonDocument.Parse(File.ReadAllText(package));
        return (new GraphileWorkerAnchor(directory, ToUrl(connectionString)) { Version = json.RootElement.GetProperty("version").GetString() ?? "?" }, null);
    }

    /// <summary>Drains <paramref name="jobs"/> no-op jobs after a warm-up drain; returns jobs per second.</summary>
    public async Task<double> DrainAsync(int jobs, int concurrency, bool batched, int localQueue = 500)
    {
        var arguments = string.Create(
            CultureInfo.InvariantCulture,
            $"drain.mjs --jobs {jobs} --concurrency {concurrency} --mode {(batched ? "batched" : "single")} --local-queue {localQueue} --warmup 2000");
        var start = new ProcessStartInfo("node", arguments)
        {
            WorkingDirectory = _directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment[DatabaseVariable] = _databaseUrl;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var lines = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (process.ExitCode != 0 || lines.Length == 0)
        {
            throw new InvalidOperationException($"The graphile-worker harness failed (exit {process.ExitCode}): {await errors}");
        }

        using var result = JsonDocument.Parse(lines[^1]);
        return result.RootElement.GetProperty("jobsPerSecond").GetDouble();
    }

    private static string? FindHarness()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, Folder);
                if (File.Exists(Path.Combine(candidate, "drain.mjs")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    private static string? NodeVersion()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("node", "--version") { RedirectStandardOutput = true, UseShellExecute = false });
            if (process is null)
            {
                return null;
            }

            var version = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 ? version : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>The Npgsql connection string as the URL node-postgres reads.</summary>
    private static string ToUrl(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var url = new StringBuilder("postgres://");
        url.Append(Uri.EscapeDataString(builder.Username ?? "postgres"));
        if (!string.IsNullOrEmpty(builder.Password))
        {
            url.Append(':').Append(Uri.EscapeDataString(builder.Password));
        }

        url.Append('@').Append(builder.Host).Append(':').Append(builder.Port.ToString(CultureInfo.InvariantCulture))
            .Append('/').Append(Uri.EscapeDataString(builder.Database ?? "postgres"));
        return url.ToString();
    }
}
