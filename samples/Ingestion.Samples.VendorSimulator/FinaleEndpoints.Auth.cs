using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Ingestion.Samples.VendorSimulator;

// Finale authentication: the account and Basic key/secret or session-cookie check, and the /auth login.
internal static partial class FinaleEndpoints
{
    /// <summary>Account, then Basic key/secret or a live session cookie. Null when allowed.</summary>
    private static SimResponse? Authenticate(SimContext context)
    {
        if (!string.Equals(context.Route("account"), context.Options.FinaleAccountPath, StringComparison.Ordinal))
        {
            return SimResponse.Text(404, "Not Found");
        }

        var header = context.Http.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            }
            catch (FormatException)
            {
                return VendorErrors.Unauthorized(Vendor.Finale);
            }

            return decoded == context.Options.FinaleApiKey + ":" + context.Options.FinaleApiSecret ? null : VendorErrors.Unauthorized(Vendor.Finale);
        }

        if (context.Http.Request.Cookies.TryGetValue("JSESSIONID", out var session)
            && context.State.FinaleSessions.TryGetValue(session, out var lastUsed))
        {
            var now = context.Options.TimeProvider.GetUtcNow();
            if (now - lastUsed <= context.Options.FinaleSessionLifetime)
            {
                context.State.FinaleSessions[session] = now;
                return null;
            }

            context.State.FinaleSessions.TryRemove(session, out _);
        }

        return VendorErrors.Unauthorized(Vendor.Finale);
    }

    private static async ValueTask<SimResponse> Login(SimContext context)
    {
        if (!string.Equals(context.Route("account"), context.Options.FinaleAccountPath, StringComparison.Ordinal))
        {
            return SimResponse.Text(404, "Not Found");
        }

        string? username = null;
        string? password = null;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Http.Request.Body, default, context.Http.RequestAborted).ConfigureAwait(false);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                username = document.RootElement.TryGetProperty("username", out var u) ? u.GetString() : null;
                password = document.RootElement.TryGetProperty("password", out var p) ? p.GetString() : null;
            }
        }
        catch (JsonException)
        {
            return SimResponse.Text(400, "Bad Request: could not parse the request body");
        }

        if (username != context.Options.FinaleUsername || password != context.Options.FinalePassword)
        {
            return SimResponse.Text(401, "Unauthorized: invalid username or password");
        }

        var session = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        context.State.FinaleSessions[session] = context.Options.TimeProvider.GetUtcNow();
        var root = Root(context);
        return SimResponse.Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteString("name", username);
            foreach (var (key, collection) in new[]
            {
                ("resourceOrder", "order"), ("resourceProduct", "product"), ("resourceFacility", "facility"),
                ("resourcePartyGroup", "partygroup"), ("resourceShipment", "shipment"), ("resourceInventoryItem", "inventoryitem"),
                ("resourceOrderSummary", "ordersummary"),
            })
            {
                w.WriteString(key, $"{root}/api/{collection}/");
            }

            w.WriteEndObject();
        }).With("Set-Cookie", $"JSESSIONID={session}; Path={root}; HttpOnly");
    }
}
