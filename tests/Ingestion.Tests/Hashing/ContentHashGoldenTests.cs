using System.Security.Cryptography;
using System.Text;
using Ingestion.Hashing.Internal;

namespace Ingestion.Tests.Hashing;

/// <summary>
/// Pins the canonical form and both algorithms' hashes of fixed payloads. Stored hashes decide new, changed or unchanged: a change
/// to canonicalisation (or to how a hash is written) would make every stored record look changed, so it must fail here first.
/// </summary>
public sealed class ContentHashGoldenTests
{
    public static TheoryData<string, string[], string?, string, string> Golden => new()
    {
        {
            "{\"b\":2,\"a\":1}", [],
            "{\"a\":1,\"b\":2}",
            "56f72e8b76d5e116a90671dc28ffddf3",
            "43258cff783fe7036d8a43033f830adfc60ec037382473548ac742b888292777"
        },
        {
            " { \"name\" : \"caf\\u00e9\", \"tags\" : [ \"x\" , \"y\" ], \"n\": 1.50 } ", [],
            "{\"n\":1.50,\"name\":\"caf\u00e9\",\"tags\":[\"x\",\"y\"]}",
            "dfea324c13cc1058b76db03a199750de",
            "e868202dfb9da5c687f703d67a96dde8afcd75deae025a1551da138d8fd16c67"
        },
        {
            "{\"s\":\"\\u0041\\/\\n\\\"\\t\",\"e\":-0,\"z\":null,\"t\":true,\"\\u00e9\":1,\"Z\":2}", [],
            "{\"Z\":2,\"e\":-0,\"s\":\"A/\\n\\\"\\t\",\"t\":true,\"z\":null,\"\u00e9\":1}",
            "923b9a7a89955c6b26ea9a9653c2ee9c",
            "b2972e536e1eb3b6ab89f064ce155023b092a5a90eeafa3d42a68a64ff301682"
        },
        {
            "[ {\"b\":{\"d\":1,\"c\":2},\"a\":[]} , \"\\u20ac\", 1e3, {} ]", [],
            "[{\"a\":[],\"b\":{\"c\":2,\"d\":1}},\"\u20ac\",1e3,{}]",
            "1778726d160cf5e9e70e9fea91f5e8c9",
            "cbb7d54f3d071051b9e860ba6795a8db5c54fae76078368ff98127570b09f236"
        },
        {
            "{\"id\":7,\"fetchedAt\":\"2026-01-01T00:00:00Z\",\"meta\":{\"requestId\":\"r-1\",\"v\":1}}", ["fetchedAt", "$.meta.requestId"],
            "{\"id\":7,\"meta\":{\"v\":1}}",
            "428190e1cd06727e3623053b9c6c0f7a",
            "ccefbecd0f618e36725e4ca50f24b6c565a3804fc343861ebeab41327d27fca3"
        },
        {
            "not json at all", [],
            null,
            "ffd47be9e8f4ef17252f142e1f6b2c81",
            "92628a747890d02d1459c6eb45fd13cfa63bbb6d346412cff190297cf9c33d39"
        },
    };

    [Theory]
    [MemberData(nameof(Golden))]
    public void The_canonical_form_and_both_hashes_of_fixed_payloads_never_change(string payload, string[] ignored, string? canonical, string xxHash128, string sha256)
    {
        var bytes = Encoding.UTF8.GetBytes(payload);
        var xx = new ContentHasher(ContentHashAlgorithm.XxHash128, ignored);
        var sha = new ContentHasher(ContentHashAlgorithm.Sha256, ignored);
        var form = JsonCanonicalizer.Canonicalize(bytes, [.. ignored.Select(path => JsonPath.Parse(path))]);

        Assert.Equal(canonical, form is null ? null : Encoding.UTF8.GetString(form));
        Assert.Equal(xxHash128, xx.Compute(bytes).ToHex());
        Assert.Equal(sha256, sha.Compute(bytes).ToHex());

        // Each hash is that algorithm over the canonical form (or the raw bytes when the payload is not JSON).
        var hashed = form ?? bytes;
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(hashed)), sha256);
        Assert.Equal(Convert.ToHexStringLower(System.IO.Hashing.XxHash128.Hash(hashed)), xxHash128);
    }

    [Fact]
    public void A_hash_carries_its_algorithm_and_hashes_of_different_algorithms_never_compare_equal()
    {
        var bytes = "{\"a\":1}"u8;
        var xx = ContentHasher.Default.Compute(bytes);
        var sha = ContentHasher.Default.WithAlgorithm(ContentHashAlgorithm.Sha256).Compute(bytes);

        Assert.Equal(ContentHashAlgorithm.XxHash128, ContentHasher.Default.Algorithm);
        Assert.Equal((ContentHashAlgorithm.XxHash128, 16, 32), (xx.Algorithm, xx.Length, xx.ToHex().Length));
        Assert.Equal((ContentHashAlgorithm.Sha256, 32, 64), (sha.Algorithm, sha.Length, sha.ToHex().Length));
        Assert.NotEqual(xx, sha);
        Assert.Equal(xx, ContentHash.FromHex(xx.ToHex()));
        Assert.Equal(sha, new ContentHash(ContentHashAlgorithm.Sha256, sha.ToArray()));
        Assert.Same(ContentHasher.Default, ContentHasher.Default.WithAlgorithm(ContentHashAlgorithm.Sha256).WithAlgorithm(ContentHashAlgorithm.XxHash128));
        Assert.Throws<ArgumentException>(() => new ContentHash(ContentHashAlgorithm.XxHash128, sha.ToArray()));
    }

    [Fact]
    public void A_hasher_with_another_algorithm_keeps_the_ignored_paths()
    {
        var hasher = new ContentHasher(["fetchedAt"]);
        var sha = hasher.WithAlgorithm(ContentHashAlgorithm.Sha256);

        Assert.Equal(["fetchedAt"], sha.IgnoredPaths);
        Assert.Equal(sha.Compute("{\"id\":1,\"fetchedAt\":\"x\"}"u8), sha.Compute("{\"id\":1,\"fetchedAt\":\"y\"}"u8));
        Assert.Equal(new ContentHasher(ContentHashAlgorithm.Sha256, ignoredPaths: null).Compute("{\"id\":1}"u8), sha.Compute("{\"fetchedAt\":\"y\",\"id\":1}"u8));
    }
}
