using Ingestion.Samples.Cli.Tests.Support;

namespace Ingestion.Samples.Cli.Tests;

/// <summary>
/// Bad arguments end with exit code 64 and a message that names the argument and says why, before anything connects: every
/// test here points the store at a port nothing listens on, so reaching the database would give 69 instead.
/// </summary>
public sealed class ArgumentTests
{
    private static readonly Dictionary<string, string?> Configured = new()
    {
        ["ConnectionStrings:Ingestion"] = CliRunner.NowhereDatabase,
        ["Ingestion:Sources:shop:BaseAddress"] = "http://127.0.0.1:1/",
        ["Ingestion:Sources:shop:Streams:products:Path"] = "v1/products",
        ["Ingestion:Sources:shop:Streams:orders:Path"] = "v1/orders",
        ["Ingestion:Sources:crm:BaseAddress"] = "http://127.0.0.1:1/",
        ["Ingestion:Sources:crm:Streams:contacts:Path"] = "v1/contacts",
    };

    [Fact]
    public async Task From_after_to_is_refused_naming_both_dates()
    {
        var result = await CliRunner.RunAsync(Configured, "backfill", "--source", "shop", "--stream", "products", "--from", "2026-03-31", "--to", "2026-01-01");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("Option '--from': 2026-03-31 is after --to 2026-01-01; the range must run forward.", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--from", "2026-13-01")]
    [InlineData("--from", "yesterday")]
    [InlineData("--to", "31-01-2026")]
    public async Task A_malformed_date_is_refused_naming_the_option_and_the_format(string option, string value)
    {
        string[] args = option == "--from"
            ? ["backfill", "--source", "shop", "--stream", "products", "--from", value, "--to", "2026-01-31"]
            : ["backfill", "--source", "shop", "--stream", "products", "--from", "2026-01-01", "--to", value];

        var result = await CliRunner.RunAsync(Configured, args);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains($"Option '{option}': '{value}' is not a date; use yyyy-MM-dd", result.Error, StringComparison.Ordinal);
        Assert.Contains("backfill --help", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_required_option_is_named()
    {
        var result = await CliRunner.RunAsync(Configured, "backfill", "--source", "shop", "--from", "2026-01-01", "--to", "2026-01-31");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--stream", result.Error, StringComparison.Ordinal);
        Assert.Contains("required", result.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_unknown_option_is_refused()
    {
        var result = await CliRunner.RunAsync(Configured, "sync", "--sauce", "shop");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--sauce", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_command_is_a_usage_error()
    {
        var result = await CliRunner.RunAsync(Configured);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--help", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_source_is_refused_listing_the_known_ones()
    {
        var result = await CliRunner.RunAsync(Configured, "backfill", "--source", "jibble", "--stream", "time-entries", "--from", "2026-01-01", "--to", "2026-03-31");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("Option '--source': unknown source 'jibble'. Known sources: crm, shop.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_stream_is_refused_listing_the_source_streams()
    {
        var result = await CliRunner.RunAsync(Configured, "sync", "--source", "shop", "--stream", "customers");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("Option '--stream': source 'shop' has no stream 'customers'. Its streams: orders, products.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_without_a_source_is_refused()
    {
        var result = await CliRunner.RunAsync(Configured, "runs", "--stream", "products");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("Option '--stream' needs '--source'", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("many")]
    [InlineData("1001")]
    public async Task A_limit_out_of_range_is_refused(string limit)
    {
        var result = await CliRunner.RunAsync(Configured, "runs", "--limit", limit);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains($"Option '--limit': '{limit}' must be a whole number from 1 to 1000.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_exits_zero_and_documents_the_exit_codes()
    {
        var result = await CliRunner.RunAsync(Configured, "--help");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("64 bad arguments", result.Output, StringComparison.Ordinal);
        Assert.Contains("backfill", result.Output, StringComparison.Ordinal);
        Assert.Contains("retry-partials", result.Output, StringComparison.Ordinal);
    }
}
