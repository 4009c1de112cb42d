using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.Conformance;

/// <summary>
/// The base of every conformance suite: each test gets fresh, empty stores from <see cref="CreateAsync"/>, over a fake clock
/// that starts at <see cref="T0"/>. An implementation inherits a suite unchanged and only says how to create its stores.
/// </summary>
public abstract class StoreConformance : IAsyncLifetime
{
    /// <summary>The fake clock's start.</summary>
    protected static readonly DateTimeOffset T0 = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);

    private StoreSet? _stores;

    /// <summary>The clock the stores run on.</summary>
    protected FakeTimeProvider Time { get; } = new(T0);

    /// <summary>This test's stores.</summary>
    protected StoreSet Stores => _stores ?? throw new InvalidOperationException("The stores are created in InitializeAsync.");

    /// <summary>The test's cancellation token.</summary>
    protected static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Creates empty stores that read the time from <paramref name="time"/>, unshared with any other test.</summary>
    /// <param name="time">The clock.</param>
    /// <returns>The stores.</returns>
    protected abstract Task<StoreSet> CreateAsync(FakeTimeProvider time);

    /// <inheritdoc />
    public async ValueTask InitializeAsync() => _stores = await CreateAsync(Time);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_stores is not null)
        {
            await _stores.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>A complete record, hashed over its bytes.</summary>
    protected static RawRecordWrite Record(string key, string json) => new()
    {
        Key = key,
        Payload = Encoding.UTF8.GetBytes(json),
        Hash = Hash(json),
    };

    /// <summary>A partial record (a failed fetch) with its error details.</summary>
    protected static RawRecordWrite Partial(string key, int status = 503, bool retryable = true, string json = "") => new()
    {
        Key = key,
        Payload = Encoding.UTF8.GetBytes(json),
        Hash = Hash("partial:" + key + json),
        IsPartial = true,
        IsRetryable = retryable,
        HttpStatusCode = status,
        ErrorMessage = $"HTTP {status} fetching {key}",
        RetryRequest = $$"""{"path":"/items/{{key}}"}""",
        Issues = [new SyncIssue(IssueKind.Transient, $"HTTP {status}", key, status)],
    };

    /// <summary>The SHA-256 of a text's UTF-8 bytes, as a content hash.</summary>
    protected static ContentHash Hash(string text) => new(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>A batch fetched at <paramref name="at"/>.</summary>
    protected static RawBatch Batch(StreamId stream, DateTimeOffset at, params RawRecordWrite[] records) => new()
    {
        Stream = stream,
        RunId = Guid.NewGuid(),
        FetchedAt = at,
        Records = records,
    };

    /// <summary>Asserts that two JSON texts are equal as JSON (stores may normalise whitespace and number formatting).</summary>
    protected static void AssertJson(string expected, ReadOnlyMemory<byte> actual)
    {
        var text = Encoding.UTF8.GetString(actual.Span);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(text)), $"Expected JSON {expected} but found {text}.");
    }

    /// <summary>Reads an async sequence to a list.</summary>
    protected static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items.WithCancellation(Cancel))
        {
            list.Add(item);
        }

        return list;
    }
}
