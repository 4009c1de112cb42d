using BenchmarkDotNet.Running;
using Ingestion.Benchmarks.Memory;
using Ingestion.Benchmarks.Paging;

if (args.Length > 0 && args[0] == "postgres")
{
    return await Ingestion.Benchmarks.Postgres.PostgresBenchmarks.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "ratios")
{
    return await Ingestion.Benchmarks.RatioSummary.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "scale")
{
    return await Ingestion.Benchmarks.Postgres.ScaleBenchmarks.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "employes")
{
    return await Ingestion.Benchmarks.Connectors.EmployesSyncBenchmarks.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "sessions")
{
    return await Ingestion.Benchmarks.Connectors.SessionBackfillBenchmarks.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "paging-server")
{
    return await PageServerProcess.ServeAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "paging")
{
    return await PagingComparison.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "sync")
{
    return await Ingestion.Benchmarks.Sync.WholeSyncThroughput.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0].StartsWith("memory", StringComparison.Ordinal))
{
    return await MemoryFlatnessCheck.RunAsync(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
