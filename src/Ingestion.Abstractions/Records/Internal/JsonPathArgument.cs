namespace Ingestion.Records.Internal;

/// <summary>Parses a JSON path handed to a factory, failing with an <see cref="ArgumentException"/> that names the argument.</summary>
internal static class JsonPathArgument
{
    public static JsonPath Parse(string expression, string parameterName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(expression, parameterName);
        try
        {
            return JsonPath.Parse(expression);
        }
        catch (FormatException ex)
        {
            throw new ArgumentException(ex.Message, parameterName, ex);
        }
    }

    public static JsonPath? ParseOptional(string? expression, string parameterName) =>
        expression is null ? null : Parse(expression, parameterName);
}
