using System.Text.RegularExpressions;

namespace Acme.Books.Ingestion.Tests;

/// <summary>
/// Keeps docs/custom-connector.md honest: every C# block must be marked with the file it comes from
/// (<c>&lt;!-- snippet: path --&gt;</c>) and appear in that file, line for line (ignoring indentation).
/// </summary>
public sealed partial class GuideSnippetTests
{
    [Fact]
    public void Every_csharp_block_of_the_guide_is_copied_from_the_sample()
    {
        var root = RepositoryRoot();
        var guide = File.ReadAllText(Path.Combine(root, "docs", "custom-connector.md"));
        var blocks = CodeBlock().Matches(guide);
        Assert.True(blocks.Count >= 8, $"The guide should show the sample's code; found {blocks.Count} C# blocks.");

        var problems = new List<string>();
        foreach (Match block in blocks)
        {
            if (!block.Groups["file"].Success)
            {
                problems.Add($"A C# block has no snippet marker: {First(block.Groups["code"].Value)}");
                continue;
            }

            var file = Path.Combine(root, block.Groups["file"].Value.Trim());
            if (!File.Exists(file))
            {
                problems.Add($"The snippet file {block.Groups["file"].Value} does not exist.");
                continue;
            }

            var source = Lines(File.ReadAllText(file));
            var snippet = Lines(block.Groups["code"].Value);
            if (!Contains(source, snippet))
            {
                problems.Add($"A snippet is not in {block.Groups["file"].Value}: {First(block.Groups["code"].Value)}");
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    private static string[] Lines(string text) =>
        [.. text.ReplaceLineEndings("\n").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)];

    private static bool Contains(string[] source, string[] snippet)
    {
        for (var start = 0; start + snippet.Length <= source.Length; start++)
        {
            if (source.AsSpan(start, snippet.Length).SequenceEqual(snippet))
            {
                return true;
            }
        }

        return false;
    }

    private static string First(string code) => Lines(code).FirstOrDefault() ?? "(empty)";

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Ingestion.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (with Ingestion.sln) was not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"(?:<!--\s*snippet:\s*(?<file>[^>]+?)\s*-->\s*\n)?```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();
}
