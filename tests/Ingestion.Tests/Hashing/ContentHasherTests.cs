using System.Security.Cryptography;
using System.Text;

namespace Ingestion.Tests.Hashing;

public sealed class ContentHasherTests
{
    // The canonical form is pinned through SHA-256 of the expected bytes, as before XxHash128 became the default.
    private static readonly ContentHasher Sha256Hasher = new(ContentHashAlgorithm.Sha256, ignoredPaths: null);

    private static ContentHash Hash(string json, ContentHasher? hasher = null)
    {
        Assert.True((hasher ?? ContentHasher.Default).TryCompute(Encoding.UTF8.GetBytes(json), out var hash), $"Expected valid JSON: {json}");
        Assert.False(hash.IsEmpty);
        return hash;
    }

    [Theory]
    [InlineData("{\"a\":1,\"b\":2}", "{\"b\":2,\"a\":1}")]
    [InlineData("{\"a\":1,\"b\":2}", " {\n  \"a\" : 1 ,\r\n\t\"b\":2 } ")]
    [InlineData("{\"x\":{\"b\":[1,{\"d\":1,\"c\":2}],\"a\":null}}", "{\"x\":{\"a\":null,\"b\":[1,{\"c\":2,\"d\":1}]}}")]
    [InlineData("{\"s\":\"A\"}", "{\"s\":\"\\u0041\"}")]
    [InlineData("{\"s\":\"a/b\"}", "{\"s\":\"a\\/b\"}")]
    [InlineData("{\"s\":\"\\n\\\"\"}", "{\"s\":\"\\u000A\\u0022\"}")]
    [InlineData("{\"caf\u00e9\":\"\u20ac\"}", "{\"caf\\u00e9\":\"\\u20AC\"}")]
    [InlineData("{\"b\":1,\"\\u0061\":2}", "{\"a\":2,\"b\":1}")]
    [InlineData("[ 1 , 2 ]", "[1,2]")]
    [InlineData("\"x\"", " \"\\u0078\" ")]
    public void Equal_content_hashes_equal(string left, string right) => Assert.Equal(Hash(left), Hash(right));

    [Theory]
    [InlineData("{\"a\":1}", "{\"a\":2}")]
    [InlineData("{\"a\":1}", "{\"a\":1.0}")]
    [InlineData("{\"a\":1}", "{\"a\":\"1\"}")]
    [InlineData("{\"a\":1}", "{\"b\":1}")]
    [InlineData("{\"a\":1}", "{\"a\":1,\"b\":null}")]
    [InlineData("{\"a\":null}", "{}")]
    [InlineData("{\"a\":[1,2]}", "{\"a\":[2,1]}")]
    [InlineData("{\"a\":{\"b\":{\"c\":1}}}", "{\"a\":{\"b\":{\"c\":2}}}")]
    [InlineData("{\"a\":\"x \"}", "{\"a\":\"x\"}")]
    [InlineData("{\"a\":true}", "{\"a\":false}")]
    [InlineData("{\"a\":[]}", "{\"a\":{}}")]
    [InlineData("{\"a\":\"b\",\"c\":\"d\"}", "{\"a\":\"b,c:d\"}")]
    [InlineData("{\"a\":1,\"a\":2}", "{\"a\":2,\"a\":1}")]
    public void Different_values_hash_differently(string left, string right) => Assert.NotEqual(Hash(left), Hash(right));

    [Fact]
    public void The_canonical_form_is_sorted_compact_and_escaped_one_way()
    {
        // The hash of a record already in canonical form equals the plain SHA-256 of its bytes.
        const string canonical = "{\"A\":\"q\\\"\\\\\\n\\u0001\u00e9\",\"a\":[1.50,{\"x\":true,\"y\":null}],\"b\":-0}";
        var bytes = Encoding.UTF8.GetBytes(canonical);
        Assert.Equal(new ContentHash(SHA256.HashData(bytes)), Hash(canonical, Sha256Hasher));
        Assert.Equal(ContentHasher.ComputeRaw(bytes, ContentHashAlgorithm.XxHash128), Hash(canonical));
        Assert.Equal(Hash(canonical), Hash("{ \"b\": -0, \"a\": [1.50, {\"y\": null, \"x\": true}], \"A\": \"q\\u0022\\\\\\u000a\\u0001\\u00E9\" }"));
    }

    [Fact]
    public void Keys_are_ordered_by_their_unescaped_utf8_bytes()
    {
        // "é" (C3 A9) sorts after "z" (7A) by UTF-8 bytes; "\u0022" is a quote (22) and sorts before "a".
        var expected = new ContentHash(SHA256.HashData(Encoding.UTF8.GetBytes("{\"\\\"\":1,\"a\":2,\"z\":3,\"\u00e9\":4}")));
        Assert.Equal(expected, Hash("{\"\u00e9\":4,\"z\":3,\"a\":2,\"\\u0022\":1}", Sha256Hasher));
    }

    [Fact]
    public void Large_objects_are_sorted_exactly()
    {
        var keys = Enumerable.Range(0, 40).Select(i => $"k{i:D2}").ToArray();
        var shuffled = keys.OrderBy(k => (k.GetHashCode(StringComparison.Ordinal) * 31) ^ k[^1]).Reverse();
        var canonical = "{" + string.Join(",", keys.Select(k => $"\"{k}\":1")) + "}";
        var sent = "{ " + string.Join(", ", shuffled.Select(k => $"\"{k}\": 1")) + " }";
        Assert.Equal(new ContentHash(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))), Hash(sent, Sha256Hasher));
    }

    [Fact]
    public void Ignores_configured_top_level_and_nested_paths()
    {
        var hasher = new ContentHasher(["fetchedAt", "$.meta.requestId", "$['@odata.etag']", "$.lines[0].seenAt"]);
        var first = Hash("{\"id\":1,\"fetchedAt\":\"2026-01-01T00:00:00Z\",\"meta\":{\"requestId\":\"r1\",\"v\":1},\"@odata.etag\":\"W/1\",\"lines\":[{\"seenAt\":1,\"q\":2}]}", hasher);
        var second = Hash("{\"lines\":[{\"q\":2,\"seenAt\":9}],\"@odata.etag\":\"W/2\",\"meta\":{\"v\":1,\"requestId\":\"r2\"},\"fetchedAt\":\"2026-02-02T00:00:00Z\",\"id\":1}", hasher);
        var withoutVolatile = Hash("{\"id\":1,\"meta\":{\"v\":1},\"lines\":[{\"q\":2}]}");
        Assert.Equal(first, second);
        Assert.Equal(withoutVolatile, first);
    }

    [Fact]
    public void Ignored_paths_do_not_hide_other_changes()
    {
        var hasher = new ContentHasher(["$.meta.requestId"]);
        Assert.NotEqual(
            Hash("{\"meta\":{\"requestId\":\"r1\",\"v\":1}}", hasher),
            Hash("{\"meta\":{\"requestId\":\"r1\",\"v\":2}}", hasher));

        // The same name elsewhere is not ignored.
        Assert.NotEqual(
            Hash("{\"requestId\":\"a\",\"other\":{\"requestId\":\"x\"}}", hasher),
            Hash("{\"requestId\":\"b\",\"other\":{\"requestId\":\"x\"}}", hasher));
    }

    [Fact]
    public void An_ignored_path_matches_an_escaped_name() =>
        Assert.Equal(Hash("{\"id\":1}"), Hash("{\"id\":1,\"fetched\\u0041t\":5}", new ContentHasher(["fetchedAt"])));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("{\"a\":1")]
    [InlineData("{\"a\":1}}")]
    [InlineData("{\"a\":1} x")]
    [InlineData("{a:1}")]
    [InlineData("[1,]")]
    [InlineData("{\"a\":\"\\uD800\"}")]
    [InlineData("<html></html>")]
    public void Invalid_json_is_not_hashed_canonically(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        Assert.False(ContentHasher.Default.TryCompute(bytes, out var hash));
        Assert.True(hash.IsEmpty);
        Assert.Equal(ContentHasher.ComputeRaw(bytes, ContentHasher.Default.Algorithm), ContentHasher.Default.Compute(bytes));
        Assert.Equal(ContentHasher.ComputeRaw(bytes), Sha256Hasher.Compute(bytes));
    }

    [Fact]
    public void Raw_hashing_is_plain_sha256()
    {
        var bytes = Encoding.UTF8.GetBytes("not json at all");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), ContentHasher.ComputeRaw(bytes).ToHex());
    }

    [Fact]
    public void Compute_uses_the_canonical_form_for_valid_json() =>
        Assert.Equal(ContentHasher.Default.Compute("{\"b\":1,\"a\":2}"u8), ContentHasher.Default.Compute("{\"a\":2, \"b\":1}"u8));

    [Fact]
    public void Hashes_large_and_deep_records_the_same_in_any_key_order()
    {
        var forward = new StringBuilder("{");
        var backward = new StringBuilder("{");
        for (var i = 0; i < 2000; i++)
        {
            forward.Append(i == 0 ? "" : ",").Append($"\"k{i:D4}\":{{\"v\":\"{new string('x', i % 50)}\",\"n\":{i}}}");
            backward.Append(i == 0 ? "" : ",").Append($"\"k{1999 - i:D4}\":{{\"n\":{1999 - i},\"v\":\"{new string('x', (1999 - i) % 50)}\"}}");
        }

        forward.Append('}');
        backward.Append('}');
        var deep = string.Concat(Enumerable.Repeat("{\"z\":1,\"a\":[", 100)) + string.Concat(Enumerable.Repeat("]}", 100));
        var deepSorted = string.Concat(Enumerable.Repeat("{\"a\":[", 100)) + string.Concat(Enumerable.Repeat("],\"z\":1}", 100));
        Assert.Equal(Hash(forward.ToString()), Hash(backward.ToString()));
        Assert.Equal(Hash(deep), Hash(deepSorted));
    }

    [Fact]
    public void Is_safe_to_share_between_threads()
    {
        var hasher = new ContentHasher(["t"]);
        var expected = Hash("{\"a\":[1,2,3],\"b\":{\"y\":1,\"x\":2}}");
        var results = new ContentHash[64];
        Parallel.For(0, results.Length, i => results[i] = hasher.Compute(Encoding.UTF8.GetBytes($"{{\"b\":{{\"x\":2,\"y\":1}},\"t\":{i},\"a\":[1,2,3]}}")));
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Theory]
    [InlineData("$")]
    [InlineData("")]
    [InlineData("$..x")]
    public void Rejects_bad_ignored_paths_naming_them(string path)
    {
        var error = Assert.Throws<ArgumentException>(() => new ContentHasher([path]));
        Assert.Equal("ignoredPaths", error.ParamName);
    }

    [Fact]
    public void Rejects_too_many_ignored_paths() =>
        Assert.Throws<ArgumentException>(() => new ContentHasher(Enumerable.Range(0, ContentHasher.MaxIgnoredPaths + 1).Select(i => $"f{i}")));

    [Fact]
    public void Supports_the_maximum_number_of_ignored_paths()
    {
        var hasher = new ContentHasher(Enumerable.Range(0, ContentHasher.MaxIgnoredPaths).Select(i => $"f{i}"));
        Assert.Equal(Hash("{\"id\":1}"), Hash("{\"id\":1,\"f0\":1,\"f63\":2}", hasher));
        Assert.Equal(ContentHasher.MaxIgnoredPaths, hasher.IgnoredPaths.Count);
    }

    [Fact]
    public void A_hash_is_the_same_after_larger_unordered_escaped_and_rejected_documents_on_the_same_thread()
    {
        // The canonicaliser keeps its arrays on the thread between documents: what an earlier document left in them,
        // including one abandoned half way because it is not JSON, must not reach the next one's form.
        const string Small = "{\"b\":\"x\\u00e9\",\"a\":[1,{\"d\":2,\"c\":3}]}";
        var first = Hash(Small, Sha256Hasher);
        var large = "{" + string.Join(",", Enumerable.Range(0, 3_000).Select(i => $"\"k{3_000 - i}\":{{\"z\":\"v\\\"{i}\",\"y\":{i}}}")) + "}";
        var medium = "[" + string.Join(",", Enumerable.Range(0, 40).Select(i => $"{{\"q\":{i},\"p\":\"caf\\u00e9\"}}")) + "]";
        Hash(large, Sha256Hasher);
        Hash(medium, Sha256Hasher);
        Assert.False(Sha256Hasher.TryCompute(Encoding.UTF8.GetBytes(medium[..^5] + "{\"a\""), out _));
        Assert.Equal(first, Hash(Small, Sha256Hasher));
        Assert.Equal(new ContentHash(SHA256.HashData(Encoding.UTF8.GetBytes("{\"a\":[1,{\"c\":3,\"d\":2}],\"b\":\"x\u00e9\"}"))), first);
    }
}
