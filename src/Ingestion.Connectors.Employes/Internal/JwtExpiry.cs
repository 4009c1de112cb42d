using System.Buffers.Text;
using System.Text.Json;

namespace Ingestion.Connectors.Employes.Internal;

/// <summary>Reads the <c>exp</c> claim of a JWT without validating it (the API does that); nothing of the token is kept.</summary>
internal static class JwtExpiry
{
    /// <summary>The token's expiry, or <see langword="null"/> when it is not a JWT or carries no numeric <c>exp</c>.</summary>
    public static DateTimeOffset? Read(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || parts[1].Length == 0 || parts[1].Length > 16 * 1024)
        {
            return null;
        }

        var payload = new byte[Base64Url.GetMaxDecodedLength(parts[1].Length)];
        if (Base64Url.DecodeFromChars(parts[1], payload, out _, out var written) != System.Buffers.OperationStatus.Done)
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(payload.AsSpan(0, written));
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isExp = reader.ValueTextEquals("exp"u8);
                if (!reader.Read())
                {
                    return null;
                }

                if (isExp)
                {
                    return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var seconds)
                        && seconds is > 0 and < 253_402_300_800
                        ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                        : null;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }
}
