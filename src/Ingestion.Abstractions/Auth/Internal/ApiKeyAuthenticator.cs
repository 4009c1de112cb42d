using System.Text;

namespace Ingestion;

internal sealed class ApiKeyAuthenticator(string name, string value, ApiKeyLocation location) : IAuthenticator
{
    private readonly string[] _secretQueryParameters = location == ApiKeyLocation.Query ? [name] : [];

    public IReadOnlyCollection<string> SecretQueryParameters => _secretQueryParameters;

    public ValueTask AuthenticateAsync(HttpRequestMessage request, AuthenticationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (location == ApiKeyLocation.Header)
        {
            request.Headers.Remove(name);
            request.Headers.TryAddWithoutValidation(name, value);
        }
        else if (request.RequestUri is { IsAbsoluteUri: true } uri)
        {
            request.RequestUri = WithQueryParameter(uri, name, value);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> RefreshAsync(AuthenticationContext context, CancellationToken cancellationToken) => ValueTask.FromResult(false);

    // Replaces rather than appends, so a request that is sent again does not carry the key twice.
    private static Uri WithQueryParameter(Uri uri, string name, string value)
    {
        var query = uri.Query;
        var builder = new StringBuilder(query.Length + name.Length + value.Length + 2);
        if (query.Length > 1)
        {
            foreach (var part in query[1..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = part.IndexOf('=', StringComparison.Ordinal);
                var key = Uri.UnescapeDataString(equals < 0 ? part : part[..equals]);
                if (string.Equals(key, name, StringComparison.Ordinal))
                {
                    continue;
                }

                builder.Append(part).Append('&');
            }
        }

        builder.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        return new UriBuilder(uri) { Query = builder.ToString() }.Uri;
    }
}
