using System.Text;
using System.Text.Json;
using Ingestion.Composition.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Ingestion.DatabaseSources.Internal;

/// <summary>
/// Reads a stored definition exactly like a configuration section (the JSON becomes an <see cref="IConfiguration"/> read by
/// <see cref="RestSourceConfigurationReader"/>), then validates it like a source registered at start-up.
/// </summary>
internal static class StoredSourceReader
{
    /// <summary>The definition, or every problem found (each naming the setting at fault).</summary>
    public static (SourceDefinition? Definition, IReadOnlyList<string> Errors) Read(StoredSourceDefinition stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        IConfiguration configuration;
        try
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(stored.DefinitionJson));
            configuration = new ConfigurationBuilder().AddJsonStream(stream).Build();
        }
        catch (Exception exception) when (exception is FormatException or JsonException or InvalidDataException)
        {
            var detail = exception.InnerException is JsonException inner ? inner.Message : exception.Message;
            return (null, [$"Source '{stored.Name}': the definition is not a valid JSON object: {detail}"]);
        }

        SourceDefinition definition;
        try
        {
            definition = RestSourceConfigurationReader.Read(stored.Name, configuration);
        }
        catch (OptionsValidationException exception)
        {
            return (null, [.. exception.Failures]);
        }
        catch (Exception exception) when (exception is InvalidOperationException or ArgumentException or FormatException)
        {
            return (null, [$"Source '{stored.Name}': {exception.Message}"]);
        }

        var problems = SourceDefinitionValidator.Validate(definition);
        return problems.Count > 0 ? (null, problems) : (definition, []);
    }
}
