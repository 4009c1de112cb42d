using System.Text.Json;
using System.Text.Unicode;

namespace Ingestion.Storage.Internal;

/// <summary>How a payload can be stored.</summary>
internal enum PayloadKind
{
    /// <summary>Valid JSON that PostgreSQL's JSONB accepts.</summary>
    Json,

    /// <summary>No bytes (a failed fetch): stored as empty raw bytes, not flagged.</summary>
    Empty,

    /// <summary>Not JSON, or JSON that JSONB refuses (lone surrogate escapes, out-of-range numbers, invalid UTF-8).</summary>
    InvalidJson,

    /// <summary>JSON with a <c>\u0000</c> escape in a string, which JSONB refuses.</summary>
    NullCharacter,

    /// <summary>Over the configured size limit.</summary>
    TooLarge,

    /// <summary>Passed these checks, but PostgreSQL refused it as JSONB when written (for example in a database whose encoding cannot hold a character).</summary>
    Refused,
}

/// <summary>
/// Decides in C#, before anything is sent, whether PostgreSQL will accept a payload as JSONB, so one bad record never fails
/// a COPY (and with it the batch). The in-memory store applies the same rules, so it flags exactly the payloads PostgreSQL
/// would. Errs on the side of storing raw.
/// </summary>
internal static class PayloadInspector
{
    /// <summary>Deeper nesting is stored raw: PostgreSQL's parser is recursive and bounded by its stack.</summary>
    public const int MaxDepth = 1000;

    /// <summary>PostgreSQL's numeric keeps at most 131,072 digits before and 16,383 after the point; stay well inside.</summary>
    private const int MaxNumberMagnitude = 100_000;

    public static PayloadKind Inspect(ReadOnlySpan<byte> payload, int maxBytes, out string? detail)
    {
        detail = null;
        if (payload.IsEmpty)
        {
            return PayloadKind.Empty;
        }

        if (payload.Length > maxBytes)
        {
            detail = $"The payload is {payload.Length} bytes, over the store's limit of {maxBytes} bytes; stored raw.";
            return PayloadKind.TooLarge;
        }

        if (!Utf8.IsValid(payload))
        {
            detail = "The payload is not valid UTF-8; stored raw.";
            return PayloadKind.InvalidJson;
        }

        var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.String or JsonTokenType.PropertyName when reader.ValueIsEscaped:
                        var escapes = CheckEscapes(reader.ValueSpan);
                        if (escapes != PayloadKind.Json)
                        {
                            detail = escapes == PayloadKind.NullCharacter
                                ? $"The payload contains \\u0000 in a string at byte {reader.TokenStartIndex}, which PostgreSQL's JSONB refuses; stored raw."
                                : $"The payload contains an unpaired UTF-16 surrogate escape at byte {reader.TokenStartIndex}, which PostgreSQL's JSONB refuses; stored raw.";
                            return escapes;
                        }

                        break;
                    case JsonTokenType.Number when !IsNumberInRange(reader.ValueSpan):
                        detail = $"The payload has a number at byte {reader.TokenStartIndex} outside PostgreSQL's numeric range; stored raw.";
                        return PayloadKind.InvalidJson;
                }
            }
        }
        catch (JsonException exception)
        {
            detail = $"The payload is not valid JSON ({exception.Message}); stored raw.";
            return PayloadKind.InvalidJson;
        }

        return PayloadKind.Json;
    }

    /// <summary>Walks a string's escape sequences: <c>\u0000</c> and unpaired surrogates are refused by JSONB.</summary>
    private static PayloadKind CheckEscapes(ReadOnlySpan<byte> raw)
    {
        var index = raw.IndexOf((byte)'\\');
        while (index >= 0 && index + 1 < raw.Length)
        {
            if (raw[index + 1] != (byte)'u')
            {
                // A two-character escape such as \\ or \n: skip both so an escaped backslash is not read as the start of another.
                var skip = raw[(index + 2)..].IndexOf((byte)'\\');
                index = skip < 0 ? -1 : index + 2 + skip;
                continue;
            }

            var unit = ReadHex(raw.Slice(index + 2, 4));
            var next = index + 6;
            if (unit == 0)
            {
                return PayloadKind.NullCharacter;
            }

            if (unit is >= 0xDC00 and <= 0xDFFF)
            {
                return PayloadKind.InvalidJson;
            }

            if (unit is >= 0xD800 and <= 0xDBFF)
            {
                if (next + 6 > raw.Length || raw[next] != (byte)'\\' || raw[next + 1] != (byte)'u'
                    || ReadHex(raw.Slice(next + 2, 4)) is < 0xDC00 or > 0xDFFF)
                {
                    return PayloadKind.InvalidJson;
                }

                next += 6;
            }

            var following = raw[next..].IndexOf((byte)'\\');
            index = following < 0 ? -1 : next + following;
        }

        return PayloadKind.Json;
    }

    private static int ReadHex(ReadOnlySpan<byte> hex)
    {
        var value = 0;
        foreach (var digit in hex)
        {
            value = (value << 4) | digit switch
            {
                >= (byte)'0' and <= (byte)'9' => digit - '0',
                >= (byte)'a' and <= (byte)'f' => digit - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => digit - 'A' + 10,
                _ => 0,
            };
        }

        return value;
    }

    private static bool IsNumberInRange(ReadOnlySpan<byte> number)
    {
        var exponentAt = number.IndexOfAny((byte)'e', (byte)'E');
        var mantissaDigits = exponentAt < 0 ? number.Length : exponentAt;
        if (mantissaDigits > MaxNumberMagnitude)
        {
            return false;
        }

        if (exponentAt < 0)
        {
            return true;
        }

        var exponent = number[(exponentAt + 1)..].TrimStart("+-"u8);
        if (exponent.Length > 6)
        {
            return false;
        }

        var magnitude = 0;
        foreach (var digit in exponent)
        {
            magnitude = (magnitude * 10) + (digit - '0');
        }

        return magnitude + mantissaDigits < MaxNumberMagnitude / 8;
    }
}
