using System.Globalization;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;

namespace Ingestion.Benchmarks.Hashing;

/// <summary>
/// Content hashing with XxHash128 (the default) and SHA-256 side by side, each over the canonical form and plain (the same bytes
/// as sent, no canonicalisation). The baseline is plain SHA-256. Three record sizes, ten times apart, show how the cost grows
/// with the record: the canonical form is made in one scan, so its time per byte should stay flat.
/// </summary>
[MemoryDiagnoser]
public class ContentHashingBenchmarks
{
    private readonly byte[] _digest = new byte[32];
    private ContentHasher _xxHash128 = ContentHasher.Default;
    private ContentHasher _sha256 = ContentHasher.Default;
    private byte[] _record = [];

    /// <summary>Approximate record size in bytes; the test pinning the canonical form's hashes builds the same records.</summary>
    [Params(1_000, 10_000, 100_000)]
    public int RecordBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _record = Encoding.UTF8.GetBytes(BuildRecord(RecordBytes));
        _xxHash128 = new ContentHasher(ContentHashAlgorithm.XxHash128, ["fetchedAt", "$.meta.requestId"]);
        _sha256 = _xxHash128.WithAlgorithm(ContentHashAlgorithm.Sha256);
    }

    [Benchmark(Baseline = true)]
    public byte[] PlainSha256()
    {
        SHA256.HashData(_record, _digest);
        return _digest;
    }

    [Benchmark]
    public ContentHash CanonicalSha256() => _sha256.Compute(_record);

    [Benchmark]
    public byte[] PlainXxHash128()
    {
        XxHash128.Hash(_record, _digest);
        return _digest;
    }

    [Benchmark]
    public ContentHash CanonicalXxHash128() => _xxHash128.Compute(_record);

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
