using System.Diagnostics;
using System.Globalization;

namespace Ingestion.Benchmarks.Paging;

/// <summary>
/// The <see cref="LoopbackPageServer"/> in a process of its own (this executable with <c>paging-server</c>), so its
/// allocations, collections and thread pool are not counted in, and do not pause, the client being measured. Both clients
/// of a comparison talk to the same server, so what it costs them is the same.
/// </summary>
internal sealed class PageServerProcess : IDisposable
{
    private readonly Process _process;

    private PageServerProcess(Process process, Uri baseAddress, double payloadBytesPerRecord)
    {
        _process = process;
        BaseAddress = baseAddress;
        PayloadBytesPerRecord = payloadBytesPerRecord;
    }

    public Uri BaseAddress { get; }

    public double PayloadBytesPerRecord { get; }

    /// <summary>
    /// Starts a server of <paramref name="distinctPages"/> bodies of <paramref name="recordsPerPage"/> records, serving
    /// <paramref name="totalPages"/> pages; with <paramref name="uniqueKeys"/>, every page's records have keys of their own.
    /// </summary>
    public static PageServerProcess Start(int distinctPages, int recordsPerPage, int totalPages, bool uniqueKeys = false)
    {
        // Under `dotnet Ingestion.Benchmarks.dll` (BenchmarkDotNet's child processes) the process is the muxer, which needs the assembly path first.
        var host = Environment.ProcessPath!;
        var arguments = new List<string>();
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            arguments.Add(typeof(PageServerProcess).Assembly.Location);
        }

        arguments.AddRange(["paging-server", Format(distinctPages), Format(recordsPerPage), Format(totalPages), uniqueKeys ? "unique" : "cyclic"]);
        var start = new ProcessStartInfo(host, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };

        // The server does not need a warm-up to be fair (both clients meet the same server), but it should not tier up in the middle of a run.
        start.Environment["DOTNET_TieredPGO"] = "0";
        start.Environment["DOTNET_TieredCompilation"] = "0";

        // A tracer started with the client (dotnet-trace collect -- ...) traces the client only.
        start.Environment.Remove("DOTNET_DiagnosticPorts");
        var process = Process.Start(start) ?? throw new InvalidOperationException("The page server did not start.");
        var line = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("The page server exited before it listened.");
        var parts = line.Split(' ');
        return new PageServerProcess(process, new Uri(parts[0]), double.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    /// <summary>The child's side: serves until its standard input closes.</summary>
    public static async Task<int> ServeAsync(string[] args)
    {
        var distinct = int.Parse(args[0], CultureInfo.InvariantCulture);
        var records = int.Parse(args[1], CultureInfo.InvariantCulture);
        var total = int.Parse(args[2], CultureInfo.InvariantCulture);
        await using var server = await LoopbackPageServer.StartAsync(distinct, records, uniqueKeys: args.Length > 3 && args[3] == "unique");
        server.ServePages(total);
        Console.WriteLine($"{server.BaseAddress} {server.PayloadBytesPerRecord.ToString("0.0", CultureInfo.InvariantCulture)}");
        await Console.In.ReadToEndAsync();
        return 0;
    }

    public void Dispose()
    {
        _process.StandardInput.Close();
        if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            _process.Kill();
        }

        _process.Dispose();
    }

    private static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);
}
