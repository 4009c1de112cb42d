using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;

namespace Ingestion.Security.Internal;

/// <summary>Who a request comes from, as far as the dashboard and the API are concerned.</summary>
internal enum AccessVerdict
{
    /// <summary>Let in.</summary>
    Allowed,

    /// <summary>No credentials that count here: 401 when a secret would do, else 403.</summary>
    NoCredentials,

    /// <summary>A shared secret was sent and matches none: 401.</summary>
    WrongSecret,
}

/// <summary>
/// The secure default of the dashboard and the API: a request is let in when the endpoint carries an authorization policy
/// (the authorization middleware has then already decided), when it comes from the local machine, or (the API only) when it
/// carries a shared secret that matches one of the configured ones, compared in constant time.
/// </summary>
internal static class AccessGuard
{
    public static bool HasAuthorizationPolicy(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null)
        {
            return false;
        }

        if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            return false;
        }

        return endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Count > 0
            || endpoint.Metadata.GetOrderedMetadata<AuthorizationPolicy>().Count > 0
            || endpoint.Metadata.GetOrderedMetadata<IAuthorizationRequirementData>().Count > 0;
    }

    // As Hangfire's local-requests-only filter: loopback, or the connection's own address; an unknown address is remote.
    public static bool IsLocal(HttpContext context)
    {
        var remote = context.Connection.RemoteIpAddress;
        if (remote is null)
        {
            return false;
        }

        return IPAddress.IsLoopback(remote) || remote.Equals(context.Connection.LocalIpAddress);
    }

    /// <summary>The index of the secret the header matches, -1 when none does, or null when no header was sent.</summary>
    public static int? MatchSecret(HttpContext context, string headerName, IList<string> secrets)
    {
        if (secrets.Count == 0 || !context.Request.Headers.TryGetValue(headerName, out var values))
        {
            return null;
        }

        var provided = Encoding.UTF8.GetBytes(values.ToString());
        var matched = -1;
        for (var index = 0; index < secrets.Count; index++)
        {
            var expected = Encoding.UTF8.GetBytes(secrets[index]);

            // Hash both sides first, so the comparison takes the same time whatever the lengths; every secret is compared,
            // so the time taken does not tell which one matched.
            if (CryptographicOperations.FixedTimeEquals(SHA256.HashData(provided), SHA256.HashData(expected)) && matched < 0)
            {
                matched = index;
            }
        }

        return matched;
    }

    public static (AccessVerdict Verdict, string Who) Check(HttpContext context, string? secretHeader, IList<string>? secrets)
    {
        if (secretHeader is not null && secrets is not null && MatchSecret(context, secretHeader, secrets) is { } match)
        {
            return match >= 0 ? (AccessVerdict.Allowed, $"shared secret #{match + 1}") : (AccessVerdict.WrongSecret, "a wrong shared secret");
        }

        var who = Describe(context);
        if (HasAuthorizationPolicy(context) || IsLocal(context))
        {
            return (AccessVerdict.Allowed, who);
        }

        return (AccessVerdict.NoCredentials, who);
    }

    public static string Describe(HttpContext context)
    {
        var name = context.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } user } ? user : "anonymous";
        return $"{name} from {context.Connection.RemoteIpAddress?.ToString() ?? "an unknown address"}";
    }
}
