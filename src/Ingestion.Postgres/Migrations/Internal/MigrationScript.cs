using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Ingestion.Postgres.Migrations.Internal;

/// <summary>One embedded, numbered migration script (<c>NNNN_name.sql</c>) and its checksum.</summary>
internal sealed class MigrationScript
{
    private const string ResourcePrefix = "Ingestion.Postgres.Migrations.";
    private const string SchemaToken = "{{schema}}";

    private static readonly Lazy<IReadOnlyList<MigrationScript>> Embedded = new(Load);

    private MigrationScript(int version, string name, string text)
    {
        Version = version;
        Name = name;
        Text = text;
        Checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    public int Version { get; }

    /// <summary>The file name, for example <c>0001_initial_schema.sql</c>.</summary>
    public string Name { get; }

    /// <summary>The script with normalized line endings, before the schema is substituted.</summary>
    public string Text { get; }

    /// <summary>The SHA-256 of <see cref="Text"/>, independent of the schema it is applied to.</summary>
    public string Checksum { get; }

    public static IReadOnlyList<MigrationScript> All => Embedded.Value;

    public string ForSchema(string quotedSchema) => Text.Replace(SchemaToken, quotedSchema, StringComparison.Ordinal);

    private static List<MigrationScript> Load()
    {
        var assembly = typeof(MigrationScript).Assembly;
        var scripts = new List<MigrationScript>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            var name = resource[ResourcePrefix.Length..];
            var underscore = name.IndexOf('_', StringComparison.Ordinal);
            if (underscore <= 0 || !int.TryParse(name.AsSpan(0, underscore), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                throw new InvalidOperationException($"The migration script '{name}' is not named NNNN_description.sql.");
            }

            scripts.Add(new MigrationScript(version, name, Read(assembly, resource)));
        }

        scripts.Sort((left, right) => left.Version.CompareTo(right.Version));
        for (var index = 0; index < scripts.Count; index++)
        {
            if (scripts[index].Version != index + 1)
            {
                throw new InvalidOperationException($"The migration scripts must be numbered 1, 2, 3 … without gaps; '{scripts[index].Name}' is out of sequence.");
            }
        }

        return scripts;
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The embedded migration script '{resource}' is missing.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal);
    }
}
