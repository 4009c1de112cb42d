using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;

namespace Ingestion.Samples.Cli.Tests.Support;

/// <summary>The real CLI as a child process (where it must be killed, or run beside others), and SQL reads of what it wrote.</summary>
internal static class CliProcess
{
    /// <summary>Starts the CLI, configured through environment variables as a script would; its output lines go to <paramref name="output"/>.</summary>
    public static Process Start(IReadOnlyDictionary<string, string?> configuration, ConcurrentQueue<string> output, params string[] args) =>
        Start(configuration, line => output.Enqueue(line), args);

    /// <summary>Starts the CLI; <paramref name="onLine"/> sees each line it writes to standard output or error.</summary>
    public static Process Start(IReadOnlyDictionary<string, string?> configuration, Action<string> onLine, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(AssemblyPath());
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in configuration)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, line) => onLine(line.Data ?? string.Empty);
        process.ErrorDataReceived += (_, line) => onLine(line.Data ?? string.Empty);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs <paramref name="sql"/> and reads each row.</summary>
    public static async Task<List<T>> QueryAsync<T>(string connectionString, string sql, Func<NpgsqlDataReader, T> read)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    // The CLI's own build output (its dependencies differ from this test project's), built in the same configuration.
    private static string AssemblyPath()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var (framework, configuration) = (here.Name, here.Parent!.Name);
        for (var folder = here; folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "samples", "Ingestion.Samples.Cli", "bin", configuration, framework, "Ingestion.Samples.Cli.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"The CLI's build output was not found above {AppContext.BaseDirectory}; build samples/Ingestion.Samples.Cli in {configuration}.");
    }
}
