using System.Net.Http.Headers;

namespace Ingestion;

/// <summary>What a paginator sees of one successful response.</summary>
public sealed class PageResponse
{
    /// <summary>Creates a response view.</summary>
    /// <param name="statusCode">The HTTP status code.</param>
    /// <param name="headers">The response headers.</param>
    /// <param name="body">The response body. Only valid until the next page is requested.</param>
    /// <param name="recordCount">How many records the stream's selector found in the body.</param>
    public PageResponse(int statusCode, HttpResponseHeaders headers, ReadOnlyMemory<byte> body, int recordCount)
    {
        ArgumentNullException.ThrowIfNull(headers);
        StatusCode = statusCode;
        Headers = headers;
        Body = body;
        RecordCount = recordCount;
    }

    /// <summary>The HTTP status code.</summary>
    public int StatusCode { get; }

    /// <summary>The response headers (for example <c>Link</c>).</summary>
    public HttpResponseHeaders Headers { get; }

    /// <summary>The response body. Only valid until the next page is requested.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>How many records the stream's selector found in the body.</summary>
    public int RecordCount { get; }
}
