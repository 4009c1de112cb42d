using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Ingestion.Samples.VendorSimulator;

// Jibble identity: the client-credentials token endpoint and the bearer-token check of the API endpoints.
internal static partial class JibbleEndpoints
{
    private static async ValueTask<SimResponse> Token(SimContext context)
    {
        var request = context.Http.Request;
        if (!request.HasFormContentType)
        {
            return OAuthError("invalid_request");
        }

        var form = await request.ReadFormAsync(context.Http.RequestAborted).ConfigureAwait(false);
        string? clientId = form["client_id"];
        string? clientSecret = form["client_secret"];
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    clientId = Uri.UnescapeDataString(decoded[..colon]);
                    clientSecret = Uri.UnescapeDataString(decoded[(colon + 1)..]);
                }
            }
            catch (FormatException)
            {
                return OAuthError("invalid_client");
            }
        }

        if (!string.Equals(form["grant_type"], "client_credentials", StringComparison.Ordinal))
        {
            return OAuthError(string.IsNullOrEmpty(form["grant_type"]) ? "invalid_request" : "unsupported_grant_type");
        }

        if (!string.Equals(clientId, context.Options.JibbleClientId, StringComparison.Ordinal)
            || !string.Equals(clientSecret, context.Options.JibbleClientSecret, StringComparison.Ordinal))
        {
            return OAuthError("invalid_client");
        }

        var now = context.Options.TimeProvider.GetUtcNow();
        var lifetime = context.Options.JibbleTokenLifetime;
        var expires = now + lifetime;
        var organizationId = context.Options.JibbleOrganizationId;
        Guid ownerId;
        lock (context.Data.Sync)
        {
            ownerId = context.Data.People.Count > 0 ? context.Data.People[0].Id : Guid.Empty;
        }

        var payload = JsonBody.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("iss", "https://identity.prod.jibble.io");
            w.WriteNumber("nbf", now.ToUnixTimeSeconds());
            w.WriteNumber("exp", expires.ToUnixTimeSeconds());
            w.WriteString("client_id", context.Options.JibbleClientId);
            w.WriteString("organizationId", organizationId);
            w.WriteString("jti", Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));
            w.WriteStartArray("scope");
            w.WriteStringValue("api1");
            w.WriteEndArray();
            w.WriteEndObject();
        });
        var token = Base64Url("{\"alg\":\"RS256\",\"typ\":\"at+jwt\"}"u8.ToArray()) + "." + Base64Url(payload) + "." + Base64Url(RandomNumberGenerator.GetBytes(32));
        context.State.JibbleTokens[token] = expires;

        return SimResponse.Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteString("access_token", token);
            w.WriteNumber("expires_in", (long)lifetime.TotalSeconds);
            w.WriteString("token_type", "Bearer");
            w.WriteString("scope", "api1");
            w.WriteString("organizationId", organizationId);
            w.WriteString("personId", ownerId);
            w.WriteEndObject();
        }).With("Cache-Control", "no-store, no-cache, max-age=0").With("Pragma", "no-cache");
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static SimResponse OAuthError(string error) => SimResponse.Json(400, w =>
    {
        w.WriteStartObject();
        w.WriteString("error", error);
        w.WriteEndObject();
    });

    private static bool Authorized(SimContext context)
    {
        var header = context.Http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return context.State.JibbleTokens.TryGetValue(header[7..].Trim(), out var expires)
            && expires > context.Options.TimeProvider.GetUtcNow();
    }
}
