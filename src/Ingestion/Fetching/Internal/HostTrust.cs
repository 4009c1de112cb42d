namespace Ingestion.Fetching.Internal;

/// <summary>How far a source trusts the host a URL points to.</summary>
internal enum HostTrustLevel
{
    /// <summary>Not followed: the source's credentials must not go there.</summary>
    Refused,

    /// <summary>One of the source's own hosts: requests carry the source's credentials.</summary>
    Own,

    /// <summary>In <see cref="SourceDefinition.AllowedHosts"/>: paging continues there; a redirect goes there without credentials.</summary>
    Allowed,
}

/// <summary>
/// Decides whether a URL taken from a response (a next-page URL, a <c>Link</c> header, a redirect's <c>Location</c>)
/// may be requested on behalf of a source. A response is data from the network, not configuration: following it to
/// any host would hand the source's credentials to whoever wrote the URL.
/// </summary>
internal sealed class HostTrust
{
    private readonly HashSet<(string Host, int Port)> _own = [];
    private readonly List<(string Host, int? Port, bool Subdomains)> _allowed = [];

    public HostTrust(SourceDefinition source)
    {
        Add(source.BaseAddress);
        foreach (var stream in source.Streams)
        {
            if (Uri.TryCreate(stream.Path, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
            {
                Add(absolute);
            }
        }

        foreach (var entry in source.AllowedHosts)
        {
            if (TryParseAllowed(entry, out var host, out var port, out var subdomains))
            {
                _allowed.Add((host, port, subdomains));
            }
        }

        void Add(Uri uri) => _own.Add((uri.IdnHost.ToLowerInvariant(), uri.Port));
    }

    /// <summary>Judges <paramref name="target"/>, reached from <paramref name="from"/>; <paramref name="reason"/> says why a URL is refused.</summary>
    public HostTrustLevel Judge(Uri from, Uri target, out string reason)
    {
        reason = string.Empty;
        if (!target.IsAbsoluteUri || target.Scheme is not ("http" or "https"))
        {
            reason = $"its scheme is not http or https";
            return HostTrustLevel.Refused;
        }

        if (from.Scheme == "https" && target.Scheme == "http")
        {
            reason = "it leads from https to http, which would send the request unencrypted";
            return HostTrustLevel.Refused;
        }

        var host = target.IdnHost.ToLowerInvariant();
        if (_own.Contains((host, target.Port)))
        {
            return HostTrustLevel.Own;
        }

        foreach (var (allowedHost, port, subdomains) in _allowed)
        {
            var hostMatches = subdomains
                ? host.EndsWith("." + allowedHost, StringComparison.Ordinal)
                : host == allowedHost;
            if (hostMatches && (port is null || port == target.Port))
            {
                return HostTrustLevel.Allowed;
            }
        }

        reason = "it is neither one of the source's own hosts nor in its AllowedHosts";
        return HostTrustLevel.Refused;
    }

    /// <summary>The host and port of <paramref name="uri"/>, for messages: never its path or query, which may hold secrets.</summary>
    public static string Describe(Uri uri) => uri.IsAbsoluteUri ? $"{uri.Scheme}://{uri.Authority}" : "(relative URL)";

    /// <summary>Reads <c>host</c>, <c>host:port</c> or <c>*.domain</c>; false for anything else (a scheme, a path, an empty host).</summary>
    public static bool TryParseAllowed(string? entry, out string host, out int? port, out bool subdomains)
    {
        host = string.Empty;
        port = null;
        subdomains = false;
        if (string.IsNullOrWhiteSpace(entry) || entry.Contains("://", StringComparison.Ordinal) || entry.Contains('/', StringComparison.Ordinal))
        {
            return false;
        }

        var text = entry.Trim();
        if (text.StartsWith("*.", StringComparison.Ordinal))
        {
            subdomains = true;
            text = text[2..];
        }

        if (!Uri.TryCreate("http://" + text, UriKind.Absolute, out var parsed) || parsed.AbsolutePath != "/" || parsed.Query.Length > 0 || !string.IsNullOrEmpty(parsed.UserInfo))
        {
            return false;
        }

        host = parsed.IdnHost.ToLowerInvariant();
        port = parsed.IsDefaultPort && !text.EndsWith(":80", StringComparison.Ordinal) ? null : parsed.Port;
        return host.Length > 0;
    }
}
