using System.Text.Json;

namespace Ingestion.Records.Internal;

/// <summary>Helpers shared by the selectors. Error messages never quote the body: it may hold personal data.</summary>
internal static class BodyText
{
    public static bool IsBlank(ReadOnlySpan<byte> body) => body.Trim(" \t\r\n"u8).IsEmpty;

    /// <summary>Why a body could not be read; a body that nests past the reader's limit says so, since it is valid JSON.</summary>
    public static string InvalidJson(JsonPath path, JsonException exception, int depth, int maxDepth) => depth >= maxDepth - 1
        ? $"The response body nests deeper than the limit of {maxDepth} levels (line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1}) while selecting records at '{path.Expression}'; raise it with RecordSelector.Json(path, maxDepth) or the stream's RecordsMaxDepth setting if such bodies are expected."
        : $"The response body is not valid JSON (line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1}) while selecting records at '{path.Expression}'.";

    public static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };
}
