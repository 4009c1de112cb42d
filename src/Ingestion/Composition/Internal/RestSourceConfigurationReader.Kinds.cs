using Microsoft.Extensions.Configuration;

namespace Ingestion.Composition.Internal;

internal sealed partial class RestSourceConfigurationReader
{
    private static readonly string[] PaginatorKinds = ["none"];

    private static readonly string[] AuthKinds = ["none"];

    private IPaginator? ReadPaginator(IConfigurationSection section, string stream)
    {
        if (!section.GetChildren().Any() && section.Value is null)
        {
            return null;
        }

        var kind = section.Value ?? section["Kind"];
        switch (kind?.Trim().ToUpperInvariant())
        {
            case "NONE":
                return Paginators.None();
            default:
                _errors.Add($"{PathOf(section, "Kind")}: {(kind is null ? "is required" : $"unknown kind '{kind}'")}; expected one of {string.Join(", ", PaginatorKinds)} (source '{_sourceName}', stream '{stream}').");
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
        switch (kind?.Trim().ToUpperInvariant())
        {
            case "NONE":
                return null;
            default:
                // The kind is echoed, never the settings: they hold credentials.
                _errors.Add($"{PathOf(section, "Kind")}: {(kind is null ? "is required" : $"unknown kind '{kind}'")}; expected one of {string.Join(", ", AuthKinds)} (source '{_sourceName}').");
                return null;
        }
    }
}
