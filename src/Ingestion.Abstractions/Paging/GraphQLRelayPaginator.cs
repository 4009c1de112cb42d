using System.Buffers;
using System.Text.Json;
using Ingestion.Records.Internal;

namespace Ingestion;

/// <summary>
/// GraphQL Relay cursor paging over a POST body <c>{"query": ..., "variables": {...}}</c>: reads
/// <c>pageInfo { hasNextPage endCursor }</c> at a path and puts <c>endCursor</c> into a variable (by default
/// <c>after</c>) of the next body, keeping the query, the other variables and any other members. Stops when
/// <c>hasNextPage</c> is false, when there is no <c>endCursor</c>, or on an empty page.
/// </summary>
public sealed class GraphQLRelayPaginator : IPaginator
{
    private readonly JsonPath _pageInfo;
    private readonly JsonPath _hasNextPage;
    private readonly JsonPath _endCursor;

    /// <summary>Creates the paginator.</summary>
    /// <param name="pageInfoPath">A <see cref="JsonPath"/> to the connection's <c>pageInfo</c> object (for example <c>$.data.orders.pageInfo</c>).</param>
    /// <param name="variable">The variable that receives the cursor. Defaults to <c>after</c>.</param>
    /// <param name="stopOnEmptyPage">Whether a page without records ends paging even when <c>hasNextPage</c> is true. Defaults to <see langword="true"/>.</param>
    public GraphQLRelayPaginator(string pageInfoPath, string variable = "after", bool stopOnEmptyPage = true)
    {
        _pageInfo = JsonPathArgument.Parse(pageInfoPath, nameof(pageInfoPath));
        ArgumentException.ThrowIfNullOrWhiteSpace(variable);
        Variable = variable;
        StopOnEmptyPage = stopOnEmptyPage;
        _hasNextPage = _pageInfo.Child("hasNextPage");
        _endCursor = _pageInfo.Child("endCursor");
    }

    /// <summary>The path to the <c>pageInfo</c> object.</summary>
    public string PageInfoPath => _pageInfo.Expression;

    /// <summary>The variable that receives the cursor.</summary>
    public string Variable { get; }

    /// <summary>Whether a page without records ends paging.</summary>
    public bool StopOnEmptyPage { get; }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The request body is not a JSON object, so there is no variable to page with.</exception>
    public PageRequest PrepareFirst(PageRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!IsJsonObject(request.Body.Span))
        {
            throw new InvalidOperationException(
                $"GraphQL Relay paging needs a JSON request body such as {{\"query\": \"...\", \"variables\": {{}}}}; the body of {request.Method} {request.Uri.GetLeftPart(UriPartial.Path)} is not a JSON object.");
        }

        return request;
    }

    /// <inheritdoc />
    public PageDecision Next(PageRequest request, PageResponse response)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        var body = response.Body.Span;
        if (_hasNextPage.TryGetBoolean(body, out var hasNextPage) && !hasNextPage)
        {
            return PageDecision.Stop(PageStopReason.NoMoreFlag);
        }

        if (!_endCursor.TryGetString(body, out var cursor) || string.IsNullOrEmpty(cursor))
        {
            return PageDecision.Stop(PageStopReason.NoNextPage);
        }

        if (StopOnEmptyPage && response.RecordCount == 0)
        {
            return PageDecision.Stop(PageStopReason.EmptyPage);
        }

        var next = RewriteVariable(request.Body, Variable, cursor);
        return next is null ? PageDecision.Stop(PageStopReason.NoNextPage) : PageDecision.Next(request.WithBody(next.Value));
    }

    /// <summary>Returns <paramref name="body"/> with <c>variables.<paramref name="variable"/></c> set to <paramref name="value"/>, or <see langword="null"/> when the body is not a JSON object.</summary>
    internal static ReadOnlyMemory<byte>? RewriteVariable(ReadOnlyMemory<byte> body, string variable, string value)
    {
        var source = body.Span;
        var reader = new Utf8JsonReader(source, JsonPath.ReaderOptions);
        var output = new ArrayBufferWriter<byte>(source.Length + value.Length + variable.Length + 32);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            using var writer = new Utf8JsonWriter(output);
            writer.WriteStartObject();
            var sawVariables = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isVariables = reader.ValueTextEquals("variables"u8);
                var name = reader.GetString()!;
                reader.Read();
                if (isVariables && reader.TokenType is JsonTokenType.StartObject or JsonTokenType.Null)
                {
                    sawVariables = true;
                    writer.WriteStartObject(name);
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                        {
                            var replaced = reader.ValueTextEquals(variable);
                            var variableName = replaced ? null : reader.GetString();
                            reader.Read();
                            if (variableName is not null)
                            {
                                writer.WritePropertyName(variableName);
                                CopyValue(ref reader, source, writer);
                            }
                            else
                            {
                                reader.Skip();
                            }
                        }
                    }

                    writer.WriteString(variable, value);
                    writer.WriteEndObject();
                }
                else
                {
                    writer.WritePropertyName(name);
                    CopyValue(ref reader, source, writer);
                }
            }

            if (!sawVariables)
            {
                writer.WriteStartObject("variables");
                writer.WriteString(variable, value);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }
        catch (JsonException)
        {
            return null;
        }

        return output.WrittenMemory;
    }

    private static void CopyValue(ref Utf8JsonReader reader, ReadOnlySpan<byte> source, Utf8JsonWriter writer)
    {
        var start = (int)reader.TokenStartIndex;
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            reader.Skip();
        }

        writer.WriteRawValue(source[start..(int)reader.BytesConsumed], skipInputValidation: true);
    }

    private static bool IsJsonObject(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, JsonPath.ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
