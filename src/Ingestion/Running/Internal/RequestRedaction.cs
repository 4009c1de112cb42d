using Ingestion.Fetching.Internal;

namespace Ingestion.Running.Internal;

/// <summary>Describes request URLs for keys, issues and logs with secret query values replaced.</summary>
internal static class RequestRedaction
{
    /// <summary>Returns the path and query of <paramref name="uri"/>, with secret query values redacted.</summary>
    public static string PathAndQuery(Uri uri, IAuthenticator? authenticator) =>
        SecretRedactor.PathAndQuery(uri, authenticator?.SecretQueryParameters);
}
