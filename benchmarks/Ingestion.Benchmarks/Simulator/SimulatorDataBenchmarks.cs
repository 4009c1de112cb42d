using BenchmarkDotNet.Attributes;
using Ingestion.Samples.VendorSimulator;

namespace Ingestion.Benchmarks.Simulator;

/// <summary>
/// Generating the vendor simulator's default-sized data (500 employees, 200 people, 2,000 purchase orders and their time
/// entries and lines), which every simulator start pays: <c>--filter '*SimulatorData*'</c>. A speed claim belongs here, not
/// in a test, where a loaded machine would make it fail.
/// </summary>
[MemoryDiagnoser]
public class SimulatorDataBenchmarks
{
    [Benchmark]
    public int DefaultSizedData() => new SimulatorState(new SimulatorOptions { Seed = 2 }).Data.EmployeeIds.Count;
}
