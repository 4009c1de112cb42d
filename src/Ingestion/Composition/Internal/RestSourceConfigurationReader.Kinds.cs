using System.Text;
using Microsoft.Extensions.Configuration;

namespace Ingestion.Composition.Internal;

/// <summary>The <c>Paginator</c> and <c>Auth</c> sections: one kind each, with that kind's settings.</summary>
internal sealed partial class RestSourceConfigurationReader
{
    private static readonly string[] PaginatorKinds = ["None", "OffsetLimit", "PageNumber", "Cursor", "NextUrl", "LinkHeader", "GraphQLRelay"];

    private static readonly string[] AuthKinds = ["None", "ApiKey", "Bearer", "Basic", "OAuth2ClientCredentials", "SessionLogin"];

    private IPaginator? ReadPaginator(IConfigurationSection section, string stream)
    {
        if (!section.GetChildren().Any() && section.Value is null)
        {
            return null;
        }

        var kind = section.Value ?? section["Kind"];
        var context = $"source '{_sourceName}', stream '{stream}'";
        switch (Normalize(kind))
        {
            case "NONE":
                CheckKnown(section, ["Kind"]);
                return Paginators.None();
            case "OFFSETLIMIT" or "OFFSET":
            {
                CheckKnown(section, ["Kind", "OffsetParameter", "LimitParameter", "PageSize", "TotalPath"]);
                var pageSize = RequirePageSize(section, context);
                return pageSize is null ? null : Build(section, () => Paginators.OffsetLimit(
                    section["OffsetParameter"] ?? "offset", section["LimitParameter"] ?? "limit", pageSize.Value, section["TotalPath"]), context);
            }

            case "PAGENUMBER":
            {
                CheckKnown(section, ["Kind", "PageParameter", "SizeParameter", "PageSize", "FirstPage", "TotalPagesPath", "TotalCountPath"]);
                var pageSize = RequirePageSize(section, context);
                var firstPage = ReadInt(section, "FirstPage") ?? 1;
                if (firstPage is not (0 or 1))
                {
                    _errors.Add($"{PathOf(section, "FirstPage")}: must be 0 or 1 ({context}).");
                    return null;
                }

                return pageSize is null ? null : Build(section, () => Paginators.PageNumber(
                    section["PageParameter"] ?? "page", section["SizeParameter"], pageSize.Value, firstPage, section["TotalPagesPath"], section["TotalCountPath"]), context);
            }

            case "CURSOR":
            {
                CheckKnown(section, ["Kind", "TokenPath", "Parameter", "HasMorePath", "StopOnEmptyPage"]);
                var tokenPath = Require(section, "TokenPath", context);
                var parameter = Require(section, "Parameter", context);
                var stopOnEmpty = ReadBool(section, "StopOnEmptyPage") ?? true;
                return tokenPath is null || parameter is null ? null : Build(section, () => Paginators.Cursor(tokenPath, parameter, section["HasMorePath"], stopOnEmpty), context);
            }

            case "NEXTURL":
            {
                CheckKnown(section, ["Kind", "UrlPath", "StopOnEmptyPage"]);
                var urlPath = Require(section, "UrlPath", context);
                var stopOnEmpty = ReadBool(section, "StopOnEmptyPage") ?? true;
                return urlPath is null ? null : Build(section, () => Paginators.NextUrl(urlPath, stopOnEmpty), context);
            }

            case "LINKHEADER":
            {
                CheckKnown(section, ["Kind", "StopOnEmptyPage"]);
                return Paginators.LinkHeader(ReadBool(section, "StopOnEmptyPage") ?? true);
            }

            case "GRAPHQLRELAY" or "GRAPHQL":
            {
                CheckKnown(section, ["Kind", "PageInfoPath", "Variable", "StopOnEmptyPage"]);
                var pageInfoPath = Require(section, "PageInfoPath", context);
                var stopOnEmpty = ReadBool(section, "StopOnEmptyPage") ?? true;
                return pageInfoPath is null ? null : Build(section, () => Paginators.GraphQLRelay(pageInfoPath, section["Variable"] ?? "after", stopOnEmpty), context);
            }

            default:
                _errors.Add($"{PathOf(section, "Kind")}: {(kind is null ? "is required" : $"unknown kind '{kind}'")}; expected one of {string.Join(", ", PaginatorKinds)} ({context}).");
                return null;
        }
    }

    private IAuthenticator? ReadAuth(IConfigurationSection section)
    {
        if (!section.GetChildren().Any() && section.Value is null)
        {
            return null;
        }

        var kind = section.Value ?? section["Kind"];
        var context = $"source '{_sourceName}'";

        // Errors echo kinds and setting names, never setting values: they hold credentials.
        switch (Normalize(kind))
        {
            case "NONE":
                CheckKnown(section, ["Kind"]);
                return null;
            case "APIKEY":
            {
                CheckKnown(section, ["Kind", "Name", "Value", "Location"]);
                var name = Require(section, "Name", context);
                var value = Require(section, "Value", context);
                var location = ReadEnum(section, "Location", ApiKeyLocation.Header);
                return name is null || value is null ? null : Build(section, () => Authenticators.ApiKey(name, value, location), context);
            }

            case "BEARER":
            {
                CheckKnown(section, ["Kind", "Token"]);
                var token = Require(section, "Token", context);
                return token is null ? null : Authenticators.Bearer(token);
            }

            case "BASIC":
            {
                CheckKnown(section, ["Kind", "UserName", "Password"]);
                var userName = Require(section, "UserName", context);
                var password = section["Password"] ?? string.Empty;
                return userName is null ? null : Build(section, () => Authenticators.Basic(userName, password), context);
            }

            case "OAUTH2CLIENTCREDENTIALS" or "OAUTH2":
            {
                CheckKnown(section, ["Kind", "TokenUrl", "ClientId", "ClientSecret", "Scope", "ExpirySkew"]);
                var tokenUrl = Require(section, "TokenUrl", context);
                var clientId = Require(section, "ClientId", context);
                var clientSecret = Require(section, "ClientSecret", context);
                var skew = ReadTimeSpan(section, "ExpirySkew");
                return tokenUrl is null || clientId is null || clientSecret is null
                    ? null
                    : Build(section, () => Authenticators.OAuth2ClientCredentials(tokenUrl, clientId, clientSecret, section["Scope"], skew), context);
            }

            case "SESSIONLOGIN" or "SESSION":
            {
                CheckKnown(section, ["Kind", "LoginUrl", "Body", "BodyContentType", "Cookie", "TokenPath", "HeaderName", "ValuePrefix"]);
                var loginUrl = Require(section, "LoginUrl", context);
                var body = Require(section, "Body", context);
                var contentType = section["BodyContentType"] ?? "application/json";
                var session = ReadSessionToken(section, context);
                return loginUrl is null || body is null || session is null
                    ? null
                    : Build(section, () => Authenticators.SessionLogin(loginUrl, () => new StringContent(body, Encoding.UTF8, contentType), session), context);
            }

            default:
                _errors.Add($"{PathOf(section, "Kind")}: {(kind is null ? "is required" : $"unknown kind '{kind}'")}; expected one of {string.Join(", ", AuthKinds)} ({context}).");
                return null;
        }
    }

    private SessionToken? ReadSessionToken(IConfigurationSection section, string context)
    {
        var cookie = section["Cookie"];
        var tokenPath = section["TokenPath"];
        if (string.IsNullOrWhiteSpace(cookie) == string.IsNullOrWhiteSpace(tokenPath))
        {
            _errors.Add($"{PathOf(section, "Cookie")}: set exactly one of Cookie (the session cookie's name) or TokenPath (a JSON path to the token in the login response) ({context}).");
            return null;
        }

        return Build(section, () => string.IsNullOrWhiteSpace(cookie)
            ? SessionToken.JsonToken(tokenPath!, section["HeaderName"] ?? "Authorization", section["ValuePrefix"] ?? "Bearer ")
            : SessionToken.Cookie(cookie), context);
    }

    private int? RequirePageSize(IConfigurationSection section, string context)
    {
        var pageSize = ReadInt(section, "PageSize");
        if (pageSize is null && section["PageSize"] is null)
        {
            _errors.Add($"{PathOf(section, "PageSize")}: is required ({context}).");
        }
        else if (pageSize is <= 0)
        {
            _errors.Add($"{PathOf(section, "PageSize")}: must be greater than zero ({context}).");
            return null;
        }

        return pageSize;
    }

    private string? Require(IConfigurationSection section, string key, string context)
    {
        var value = section[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            _errors.Add($"{PathOf(section, key)}: is required for {section["Kind"] ?? section.Value} ({context}).");
            return null;
        }

        return value;
    }

    /// <summary>Runs a factory whose argument checks (a malformed JSON path, say) become errors on the section instead of exceptions.</summary>
    private T? Build<T>(IConfigurationSection section, Func<T> factory, string context)
        where T : class
    {
        try
        {
            return factory();
        }
        catch (ArgumentException exception)
        {
            var setting = exception.ParamName is { Length: > 0 } parameter ? char.ToUpperInvariant(parameter[0]) + parameter[1..] : null;
            _errors.Add($"{PathOf(section, setting)}: {FirstSentence(exception.Message)} ({context}).");
            return null;
        }
        catch (FormatException exception)
        {
            _errors.Add($"{section.Path}: {FirstSentence(exception.Message)} ({context}).");
            return null;
        }
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(" (Parameter", StringComparison.Ordinal);
        return (end >= 0 ? message[..end] : message).TrimEnd('.');
    }

    private static string? Normalize(string? kind) =>
        kind?.Trim().Replace("-", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
}
