namespace Ingestion;

/// <summary>Where <see cref="Authenticators.ApiKey"/> puts the key.</summary>
public enum ApiKeyLocation
{
    /// <summary>In a request header.</summary>
    Header,

    /// <summary>In a query parameter; the parameter is redacted wherever a URL is reported.</summary>
    Query,
}
