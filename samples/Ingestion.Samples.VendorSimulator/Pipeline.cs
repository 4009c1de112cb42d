using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Ingestion.Samples.VendorSimulator;

/// <summary>A fully buffered response, so faults can cut or corrupt it.</summary>
internal sealed class SimResponse(int status, string? contentType, byte[] body)
{
    public int Status { get; } = status;
    public string? ContentType { get; } = contentType;
    public byte[] Body { get; set; } = body;
    public List<KeyValuePair<string, string>> Headers { get; } = [];
    public bool IsCsv => ContentType is not null && (ContentType.StartsWith("text/csv", StringComparison.Ordinal) || ContentType.StartsWith("text/tab-separated-values", StringComparison.Ordinal));

    public SimResponse With(string name, string value)
    {
        Headers.Add(new(name, value));
        return this;
    }

    public static SimResponse Json(int status, Action<Utf8JsonWriter> write) => new(status, "application/json; charset=utf-8", JsonBody.Write(write));

    public static SimResponse Text(int status, string text, string contentType = "text/plain; charset=utf-8") => new(status, contentType, Encoding.UTF8.GetBytes(text));

    public static SimResponse Empty(int status) => new(status, null, []);
}

internal sealed class SimContext(HttpContext http, SimulatorState state, Vendor vendor, string relativePath)
{
    public HttpContext Http { get; } = http;
    public SimulatorState State { get; } = state;
    public SimulatorOptions Options => State.Options;
    public SimulatorData Data => State.Data;
    public Vendor Vendor { get; } = vendor;
    public string RelativePath { get; } = relativePath;
    public RecordedRequest? Record { get; set; }

    public string? Route(string name) => Http.Request.RouteValues.TryGetValue(name, out var value) ? value?.ToString() : null;

    public string? Query(string name) => Http.Request.Query.TryGetValue(name, out var values) ? values.ToString() : null;

    /// <summary>Takes a handler-level fault (e.g. silent truncation) if one applies to this request.</summary>
    public FaultRule? TakeFault(FaultKind kind)
    {
        var rule = State.Faults.TryTake(Vendor, Http.Request.Method, RelativePath, k => k == kind);
        if (rule is not null && Record is not null)
        {
            Record.Fault = kind;
        }

        return rule;
    }
}

internal delegate ValueTask<SimResponse> SimHandler(SimContext context);

internal static class JsonBody
{
    public static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static void WriteStringOrNull(this Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    public static void WriteStringOrNullValue(this Utf8JsonWriter writer, string? value)
    {
        if (value is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteStringValue(value);
        }
    }

    /// <summary>Date-time with no offset and no fraction, e.g. <c>2026-06-02T07:00:00</c>.</summary>
    public static string Plain(DateTime value) => value.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
}

internal static class Pipeline
{
    internal static bool IsFinaleCollection(string method, string relative) =>
        HttpMethods.IsGet(method) && relative.EndsWith('/') && relative.Split('/', StringSplitOptions.RemoveEmptyEntries) is [_, "api", _];

    public static RequestDelegate Wrap(SimulatorState state, Vendor vendor, string prefix, SimHandler handler) => async http =>
    {
        var path = http.Request.Path.Value ?? "/";
        var relative = path.Length > prefix.Length ? path[prefix.Length..] : "/";
        var record = state.Requests.Begin(new RecordedRequest(
            vendor, http.Request.Method, path, relative, http.Request.QueryString.Value ?? string.Empty, state.Options.TimeProvider.GetUtcNow()));
        var context = new SimContext(http, state, vendor, relative) { Record = record };
        var aborted = http.RequestAborted;
        try
        {
            if (state.Options.Latency > TimeSpan.Zero)
            {
                await Task.Delay(state.Options.Latency, aborted).ConfigureAwait(false);
            }

            SimResponse? response = null;
            var pre = state.Faults.TryTake(vendor, http.Request.Method, relative, static k =>
                k is FaultKind.RateLimitBurst or FaultKind.ServerErrorBurst or FaultKind.SlowResponse or FaultKind.ExpiredToken);
            if (pre is not null)
            {
                record.Fault = pre.Kind;
                switch (pre.Kind)
                {
                    case FaultKind.RateLimitBurst:
                        response = VendorErrors.RateLimited(state, vendor, pre.RateLimitStyle, state.Options.TimeProvider.GetUtcNow() + pre.RetryAfter);
                        break;
                    case FaultKind.ServerErrorBurst:
                        response = VendorErrors.ServerError(vendor, pre.StatusCode);
                        break;
                    case FaultKind.SlowResponse:
                        // Signalled only once the delay's timer exists, so a test that moves a fake clock on the signal reaches it.
                        var delay = Task.Delay(pre.Delay, state.Options.TimeProvider, aborted);
                        pre.Applied();
                        await delay.ConfigureAwait(false);
                        break;
                    case FaultKind.ExpiredToken:
                        response = VendorErrors.Unauthorized(vendor);
                        break;
                }
            }

            // Jibble's identity host is not the API: its token requests do not count against the API's limit.
            if (response is null && state.RateLimitsEnabled && prefix != JibbleEndpoints.IdentityPrefix && !state.Limiter.TryAcquire(vendor, out var resetAt))
            {
                response = VendorErrors.RateLimited(state, vendor, RateLimitHeaderStyle.VendorDefault, resetAt);
            }

            // Finale also limits collection requests (GET /{account}/api/{collection}/) per hour.
            if (response is null && state.RateLimitsEnabled && vendor == Vendor.Finale && IsFinaleCollection(http.Request.Method, relative)
                && !state.Limiter.TryAcquireFinaleCollection(out var hourEnd))
            {
                response = VendorErrors.RateLimited(state, vendor, RateLimitHeaderStyle.VendorDefault, hourEnd);
            }

            response ??= await handler(context).ConfigureAwait(false);

            var post = state.Faults.TryTake(vendor, http.Request.Method, relative, k =>
                k is FaultKind.DropConnection or FaultKind.TruncatedBody or FaultKind.MalformedBody
                || (k == FaultKind.EmptyCsvReport && response.IsCsv));
            if (post is not null)
            {
                record.Fault = post.Kind;
            }

            await WriteAsync(http, response, post, aborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away (or the connection was dropped on purpose).
        }
        finally
        {
            state.Requests.End(record, http.Response.StatusCode);
        }
    };

    private static async Task WriteAsync(HttpContext http, SimResponse response, FaultRule? fault, CancellationToken aborted)
    {
        var body = response.Body;
        http.Response.StatusCode = response.Status;
        if (response.ContentType is not null)
        {
            http.Response.ContentType = response.ContentType;
        }

        foreach (var (name, value) in response.Headers)
        {
            http.Response.Headers.Append(name, value);
        }

        switch (fault?.Kind)
        {
            case FaultKind.DropConnection:
                http.Response.ContentLength = body.Length;
                await http.Response.Body.WriteAsync(body.AsMemory(0, body.Length / 2), aborted).ConfigureAwait(false);
                await http.Response.Body.FlushAsync(aborted).ConfigureAwait(false);
                http.Abort();
                return;
            case FaultKind.TruncatedBody:
                body = body[..(body.Length / 2)];
                break;
            case FaultKind.MalformedBody:
                http.Response.StatusCode = StatusCodes.Status200OK;
                http.Response.ContentType = "application/json; charset=utf-8";
                body = [.. body.AsSpan(0, body.Length / 3), .. "<!-- upstream error -->,,}"u8];
                break;
            case FaultKind.EmptyCsvReport:
                if (fault.ZeroByteCsv)
                {
                    body = [];
                }
                else
                {
                    var newline = Array.IndexOf(body, (byte)'\n');
                    body = newline < 0 ? body : body[..(newline + 1)];
                }

                break;
        }

        http.Response.ContentLength = body.Length;
        if (body.Length > 0)
        {
            await http.Response.Body.WriteAsync(body, aborted).ConfigureAwait(false);
        }
    }
}

/// <summary>Each vendor's own error bodies and headers.</summary>
internal static class VendorErrors
{
    public static SimResponse Message(int status, string message) => SimResponse.Json(status, w =>
    {
        w.WriteStartObject();
        w.WriteString("message", message);
        w.WriteEndObject();
    });

    public static SimResponse ODataError(int status, string code, string message) => SimResponse.Json(status, w =>
    {
        w.WriteStartObject();
        w.WriteStartObject("error");
        w.WriteString("code", code);
        w.WriteString("message", message);
        w.WriteEndObject();
        w.WriteEndObject();
    });

    public static SimResponse Unauthorized(Vendor vendor) => vendor switch
    {
        Vendor.Employes => Message(401, "Unauthorized"),
        Vendor.Jibble => SimResponse.Empty(401).With("WWW-Authenticate", "Bearer error=\"invalid_token\", error_description=\"The access token is expired\""),
        _ => SimResponse.Text(401, "Unauthorized: authentication required"),
    };

    public static SimResponse ServerError(Vendor vendor, int status) => vendor switch
    {
        Vendor.Employes => Message(status, status == 500 ? "Internal server error" : status == 504 ? "Endpoint request timed out" : "Service Unavailable"),
        Vendor.Jibble => ODataError(status, "InternalServerError", "An error has occurred."),
        _ => SimResponse.Text(status, $"<html><head><title>Error {status}</title></head><body><h2>HTTP ERROR {status}</h2></body></html>", "text/html; charset=utf-8"),
    };

    public static SimResponse RateLimited(SimulatorState state, Vendor vendor, RateLimitHeaderStyle style, DateTimeOffset resetAt)
    {
        var response = vendor switch
        {
            Vendor.Employes => Message(429, "Too Many Requests"),
            Vendor.Jibble => ODataError(429, "TooManyRequests", "Too many requests. Please retry later."),
            _ => SimResponse.Text(429, "Too Many Requests"),
        };
        if (style == RateLimitHeaderStyle.VendorDefault)
        {
            style = vendor switch
            {
                Vendor.Employes => RateLimitHeaderStyle.None,
                Vendor.Jibble => RateLimitHeaderStyle.RetryAfterSeconds,
                _ => RateLimitHeaderStyle.ResetEpochMilliseconds,
            };
        }

        var now = state.Options.TimeProvider.GetUtcNow();
        var limit = state.Limiter.PolicyFor(vendor).Limit.ToString(CultureInfo.InvariantCulture);
        switch (style)
        {
            case RateLimitHeaderStyle.RetryAfterSeconds:
                var seconds = Math.Max(0, (int)Math.Ceiling((resetAt - now).TotalSeconds));
                response.With("Retry-After", seconds.ToString(CultureInfo.InvariantCulture));
                break;
            case RateLimitHeaderStyle.RetryAfterHttpDate:
                response.With("Retry-After", resetAt.ToUniversalTime().ToString("R", CultureInfo.InvariantCulture));
                break;
            case RateLimitHeaderStyle.ResetEpochSeconds:
                response.With("X-RateLimit-Limit", limit).With("X-RateLimit-Remaining", "0")
                    .With("X-RateLimit-Reset", ((long)Math.Ceiling(resetAt.ToUnixTimeMilliseconds() / 1000.0)).ToString(CultureInfo.InvariantCulture));
                break;
            case RateLimitHeaderStyle.ResetEpochMilliseconds:
                response.With("X-RateLimit-Limit", limit).With("X-RateLimit-Remaining", "0")
                    .With("X-RateLimit-Reset", resetAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
                break;
        }

        return response;
    }

    /// <summary>The AWS API Gateway answer for a route it does not know.</summary>
    public static SimResponse GatewayUnknownRoute(string? authorization)
    {
        if (string.IsNullOrEmpty(authorization))
        {
            return Message(403, "Missing Authentication Token");
        }

        var hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(authorization)));
        return Message(403, $"Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '{hash}'.");
    }
}
