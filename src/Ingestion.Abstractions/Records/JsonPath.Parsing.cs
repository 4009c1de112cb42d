namespace Ingestion;

public sealed partial class JsonPath
{
    private JsonPath(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        Expression = expression;
    }
}
