using System.Net.Http.Headers;
using System.Text;

namespace Ingestion;

internal sealed class BasicAuthenticator(string userName, string password) : IAuthenticator
{
    private readonly AuthenticationHeaderValue _header = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(userName + ":" + password)));

    public ValueTask AuthenticateAsync(HttpRequestMessage request, AuthenticationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Headers.Authorization = _header;
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> RefreshAsync(AuthenticationContext context, CancellationToken cancellationToken) => ValueTask.FromResult(false);
}
