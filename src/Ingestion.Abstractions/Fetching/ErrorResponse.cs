namespace Ingestion;

/// <summary>
/// A 4xx response (other than 429) as a connector sees it, so it can recognise what the vendor means by it: for example an
/// API gateway's 403 for a route it does not know, which is a configuration error rather than a permission problem.
/// See <see cref="SourceDefinition.InterpretError"/>.
/// </summary>
public sealed class ErrorResponse
{
    /// <summary>The HTTP status code.</summary>
    public required int StatusCode { get; init; }

    /// <summary>The start of the response body (at most <see cref="MaxBodyBytes"/> bytes), or empty.</summary>
    public required ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The request's URI. May carry secrets in its query: never copy it into a message as is.</summary>
    public required Uri RequestUri { get; init; }

    /// <summary>The stream the request belongs to.</summary>
    public required StreamDefinition Stream { get; init; }

    /// <summary>The most body bytes read for an interpretation.</summary>
    public const int MaxBodyBytes = 8 * 1024;
}

/// <summary>What a connector makes of an <see cref="ErrorResponse"/>: the issue kind to report and a message saying what to fix.</summary>
/// <param name="Kind">The issue kind reported for the failure (for example <see cref="IssueKind.Configuration"/>).</param>
/// <param name="Message">What went wrong and what to change. Never contains secrets.</param>
public sealed record ErrorInterpretation(IssueKind Kind, string Message);
