using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;

namespace Ingestion.Benchmarks.Hashing;

/// <summary>Canonical content hashing against plain SHA-256 of the same bytes.</summary>
[MemoryDiagnoser]
public class ContentHashingBenchmarks
{
    private readonly byte[] _digest = new byte[32];
    private ContentHasher _hasher = ContentHasher.Default;
    private byte[] _record = [];

    /// <summary>Approximate record size in bytes.</summary>
    [Params(1_000, 10_000)]
    public int RecordBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _record = Encoding.UTF8.GetBytes(BuildRecord(RecordBytes));
        _hasher = new ContentHasher(["fetchedAt", "$.meta.requestId"]);
    }

    [Benchmark(Baseline = true)]
    public byte[] PlainSha256()
    {
        SHA256.HashData(_record, _digest);
        return _digest;
    }

    [Benchmark]
    public ContentHash Canonical() => _hasher.Compute(_record);

    // A vendor-like record: unsorted keys, nested objects and arrays, strings with escapes, numbers as sent.
    private static string BuildRecord(int targetBytes)
    {
        var builder = new StringBuilder();
        builder.Append("{\"id\":\"7e3b2c10-4a6f-4d21-9b8e-2f1a0c9d5e44\",\"fetchedAt\":\"2026-06-02T07:00:00Z\",")
            .Append("\"meta\":{\"requestId\":\"r-123\",\"source\":\"api\"},\"status\":\"ORDER_LOCKED\",\"lines\":[");
        var i = 0;
        while (builder.Length < targetBytes - 40)
        {
            builder.Append(i == 0 ? "" : ",")
                .Append(CultureInfo.InvariantCulture, $"{{\"sku\":\"BC{100 + i}\",\"quantity\":{i * 3},\"unitPrice\":{i}.25,")
                .Append(CultureInfo.InvariantCulture, $"\"description\":\"Soil \\\"premium\\\" caf\\u00e9 {i}\",\"active\":true,\"notes\":null}}");
            i++;
        }

        builder.Append("],\"createdDate\":\"2026-06-02T09:14:31\",\"amount\":1234.50}");
        return builder.ToString();
    }
}
