using System.Globalization;

namespace Ingestion.Samples.VendorSimulator;

internal enum EdmType
{
    String,
    Guid,
    Date,
    DateTimeOffset,
    Boolean,
    Int32,
}

/// <summary>One property of an OData entity: its type, value accessor and (optionally) a custom JSON writer.</summary>
internal sealed record ODataField<T>(string Name, EdmType Type, Func<T, object?> Get, Action<System.Text.Json.Utf8JsonWriter, T>? Write = null);

internal sealed class ODataException(string message) : Exception(message);

/// <summary>
/// A small <c>$filter</c> parser: <c>and</c>, <c>or</c>, <c>not</c>, parentheses and <c>eq ne gt ge lt le</c> between a
/// property and a literal. Dates and GUIDs are unquoted, strings quoted; a type mismatch (a quoted date) is an error.
/// </summary>
internal static class ODataFilter
{
    public static Func<T, bool> Parse<T>(string text, IReadOnlyDictionary<string, ODataField<T>> fields, string entityType, out HashSet<string> referenced)
    {
        var tokens = Tokenize(text);
        var position = 0;
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var result = ParseOr();
        if (position != tokens.Count)
        {
            throw new ODataException($"Syntax error at position {tokens[position].Position} in '{text}'.");
        }

        referenced = used;
        return result;

        Func<T, bool> ParseOr()
        {
            var left = ParseAnd();
            while (IsKeyword("or"))
            {
                position++;
                var l = left;
                var r = ParseAnd();
                left = x => l(x) || r(x);
            }

            return left;
        }

        Func<T, bool> ParseAnd()
        {
            var left = ParseUnary();
            while (IsKeyword("and"))
            {
                position++;
                var l = left;
                var r = ParseUnary();
                left = x => l(x) && r(x);
            }

            return left;
        }

        Func<T, bool> ParseUnary()
        {
            if (IsKeyword("not"))
            {
                position++;
                var inner = ParseUnary();
                return x => !inner(x);
            }

            if (Peek() is { Kind: TokenKind.Open })
            {
                position++;
                var inner = ParseOr();
                if (Peek() is not { Kind: TokenKind.Close })
                {
                    throw new ODataException($"')' or operator expected in '{text}'.");
                }

                position++;
                return inner;
            }

            return ParseComparison();
        }

        Func<T, bool> ParseComparison()
        {
            var name = Next("property name");
            if (name.Kind != TokenKind.Word)
            {
                throw new ODataException($"Syntax error at position {name.Position} in '{text}'.");
            }

            if (!fields.TryGetValue(name.Text, out var field))
            {
                throw new ODataException($"Could not find a property named '{name.Text}' on type '{entityType}'.");
            }

            used.Add(field.Name);
            var op = Next("operator");
            var comparison = op.Text.ToLowerInvariant() switch
            {
                "eq" => 0,
                "ne" => 1,
                "gt" => 2,
                "ge" => 3,
                "lt" => 4,
                "le" => 5,
                _ => throw new ODataException($"Syntax error: '{op.Text}' is not a supported operator in '{text}'."),
            };
            var literalToken = Next("literal");
            var literal = ConvertLiteral(literalToken, field, OperatorKind(comparison));
            var get = field.Get;
            return x =>
            {
                var value = get(x);
                if (value is null || literal is null)
                {
                    var equal = value is null && literal is null;
                    return comparison switch { 0 => equal, 1 => !equal, _ => false };
                }

                var c = ((IComparable)value).CompareTo(literal);
                return comparison switch
                {
                    0 => c == 0,
                    1 => c != 0,
                    2 => c > 0,
                    3 => c >= 0,
                    4 => c < 0,
                    _ => c <= 0,
                };
            };
        }

        bool IsKeyword(string keyword) =>
            Peek() is { Kind: TokenKind.Word } t && string.Equals(t.Text, keyword, StringComparison.Ordinal);

        Token? Peek() => position < tokens.Count ? tokens[position] : null;

        Token Next(string expected) =>
            position < tokens.Count ? tokens[position++] : throw new ODataException($"Expression expected at the end of '{text}' ({expected}).");
    }

    private static string OperatorKind(int comparison) => comparison switch
    {
        0 => "Equal",
        1 => "NotEqual",
        2 => "GreaterThan",
        3 => "GreaterThanOrEqual",
        4 => "LessThan",
        _ => "LessThanOrEqual",
    };

    private static string EdmName(EdmType type) => "Edm." + type;

    private static object? ConvertLiteral<T>(Token token, ODataField<T> field, string operatorKind)
    {
        if (token.Kind == TokenKind.Word && token.Text == "null")
        {
            return null;
        }

        var mismatch = new ODataException(
            $"A binary operator with incompatible types was detected. Found operand types '{EdmName(field.Type)}' and '{(token.Kind == TokenKind.String ? "Edm.String" : "Edm.Untyped")}' for operator kind '{operatorKind}'.");
        switch (field.Type)
        {
            case EdmType.String:
                return token.Kind == TokenKind.String ? token.Text : throw new ODataException($"Could not find a property named '{token.Text}' on type '{field.Name}'.");
            case EdmType.Date:
                if (token.Kind == TokenKind.Word && DateOnly.TryParseExact(token.Text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                {
                    return date;
                }

                throw mismatch;
            case EdmType.DateTimeOffset:
                if (token.Kind == TokenKind.Word && token.Text.Contains('T', StringComparison.Ordinal)
                    && DateTimeOffset.TryParse(token.Text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
                {
                    return instant;
                }

                throw mismatch;
            case EdmType.Guid:
                if (token.Kind == TokenKind.Word && Guid.TryParseExact(token.Text, "D", out var guid))
                {
                    return guid;
                }

                throw mismatch;
            case EdmType.Boolean:
                if (token.Kind == TokenKind.Word && bool.TryParse(token.Text, out var flag))
                {
                    return flag;
                }

                throw mismatch;
            default:
                if (token.Kind == TokenKind.Word && int.TryParse(token.Text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
                {
                    return number;
                }

                throw mismatch;
        }
    }

    /// <summary>The nodes of a filter's syntax tree as an OData server counts them against its limit: every property, literal, operator and keyword.</summary>
    public static int NodeCount(string text) => Tokenize(text).Count(t => t.Kind is not (TokenKind.Open or TokenKind.Close));

    private enum TokenKind
    {
        Word,
        String,
        Open,
        Close,
    }

    private readonly record struct Token(TokenKind Kind, string Text, int Position);

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '(')
            {
                tokens.Add(new Token(TokenKind.Open, "(", i++));
            }
            else if (c == ')')
            {
                tokens.Add(new Token(TokenKind.Close, ")", i++));
            }
            else if (c == '\'')
            {
                var start = i++;
                var value = new System.Text.StringBuilder();
                while (true)
                {
                    if (i >= text.Length)
                    {
                        throw new ODataException($"There is an unterminated string literal at position {start} in '{text}'.");
                    }

                    if (text[i] == '\'')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '\'')
                        {
                            value.Append('\'');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    value.Append(text[i++]);
                }

                tokens.Add(new Token(TokenKind.String, value.ToString(), start));
            }
            else
            {
                var start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] != '(' && text[i] != ')')
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Word, text[start..i], start));
            }
        }

        return tokens;
    }

    /// <summary>Parses <c>$orderby</c> (<c>field [asc|desc], ...</c>) into a comparison.</summary>
    public static Comparison<T> ParseOrderBy<T>(string text, IReadOnlyDictionary<string, ODataField<T>> fields, string entityType)
    {
        var parts = new List<(Func<T, object?> Get, bool Descending)>();
        foreach (var clause in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var words = clause.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length is 0 or > 2 || !fields.TryGetValue(words[0], out var field))
            {
                throw new ODataException($"Could not find a property named '{words.FirstOrDefault()}' on type '{entityType}'.");
            }

            var descending = words.Length == 2 && (words[1].Equals("desc", StringComparison.OrdinalIgnoreCase)
                ? true
                : words[1].Equals("asc", StringComparison.OrdinalIgnoreCase) ? false : throw new ODataException($"Syntax error in $orderby '{text}'."));
            parts.Add((field.Get, descending));
        }

        return (a, b) =>
        {
            foreach (var (get, descending) in parts)
            {
                var x = get(a);
                var y = get(b);
                var c = x is null ? (y is null ? 0 : -1) : y is null ? 1 : ((IComparable)x).CompareTo(y);
                if (c != 0)
                {
                    return descending ? -c : c;
                }
            }

            return 0;
        };
    }
}
