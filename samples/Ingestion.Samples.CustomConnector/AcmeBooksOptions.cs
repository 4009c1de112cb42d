namespace Acme.Books.Ingestion;

/// <summary>
/// Settings of one Acme Books account, bound from configuration (for example the <c>Ingestion:AcmeBooks</c> section)
/// and validated when the host starts.
/// </summary>
public sealed class AcmeBooksOptions
{
    /// <summary>The source name used when none is given: <c>acme-books</c>.</summary>
    public const string DefaultName = "acme-books";

    /// <summary>The largest page Acme Books serves.</summary>
    public const int MaxPageSize = 100;

    /// <summary>The API's address. Defaults to <c>https://api.acmebooks.example/</c>.</summary>
    public Uri BaseAddress { get; set; } = new("https://api.acmebooks.example/");

    /// <summary>The API key from the Acme Books developer portal, sent in the <c>X-Acme-Key</c> header. Required; never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Books per page, from 1 to <see cref="MaxPageSize"/>. Defaults to 50.</summary>
    public int PageSize { get; set; } = 50;

    /// <summary>Requests per minute the account may make (Acme allows 300). <see langword="null"/> for no budget. Defaults to 300.</summary>
    public int? RequestsPerMinute { get; set; } = 300;

    /// <summary>How many books' reviews are fetched at the same time, from 1 to 16. Defaults to 4.</summary>
    public int ReviewConcurrency { get; set; } = 4;
}
