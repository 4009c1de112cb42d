using Ingestion.Samples.Cli.Tests.Support;

namespace Ingestion.Samples.Cli.Tests;

/// <summary>Configuration and database problems end with their own exit codes and a message that says what to fix, never a stack trace or a password.</summary>
public sealed class EnvironmentTests
{
    [Fact]
    public async Task No_connection_string_is_a_configuration_error_that_names_the_key()
    {
        var result = await CliRunner.RunAsync(new Dictionary<string, string?>(), "health");

        Assert.Equal(ExitCodes.Configuration, result.ExitCode);
        Assert.Contains("ConnectionStrings:Ingestion is not set", result.Error, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings__Ingestion", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_source_definition_is_a_configuration_error_naming_the_setting()
    {
        var result = await CliRunner.RunAsync(
            new Dictionary<string, string?>
            {
                ["ConnectionStrings:Ingestion"] = CliRunner.NowhereDatabase,
                ["Ingestion:Sources:shop:BaseAddress"] = "not an address",
                ["Ingestion:Sources:shop:Streams:products:Path"] = "v1/products",
            },
            "sync");

        Assert.Equal(ExitCodes.Configuration, result.ExitCode);
        Assert.Contains("Ingestion:Sources:shop:BaseAddress", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misspelt_runner_setting_is_a_configuration_error_naming_the_key()
    {
        var result = await CliRunner.RunAsync(
            new Dictionary<string, string?>
            {
                ["ConnectionStrings:Ingestion"] = CliRunner.NowhereDatabase,
                ["Ingestion:Runner:AbandonRunsAfter"] = "00:05:00",
                ["Ingestion:Runner:StoreOutageTolerence"] = "00:00:30",
            },
            "sync");

        Assert.Equal(ExitCodes.Configuration, result.ExitCode);
        Assert.Contains("Ingestion:Runner:StoreOutageTolerence: unknown setting", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("AbandonRunsAfter:", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_database_exits_69_without_showing_the_password()
    {
        var result = await CliRunner.RunAsync(
            new Dictionary<string, string?> { ["ConnectionStrings:Ingestion"] = CliRunner.NowhereDatabase },
            "health");

        Assert.Equal(ExitCodes.Unavailable, result.ExitCode);
        Assert.Contains("the database is unavailable", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-real-password", result.Error + result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }
}
