using Ingestion.Samples.Cli.Tests.Support;

namespace Ingestion.Samples.Cli.Tests;

/// <summary>The CLI against a fake HTTP source and a real PostgreSQL database, one invocation after another, as a script would run it.</summary>
public sealed class EndToEndTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Sync_then_sync_again_then_runs_and_health()
    {
        await using var api = await FakeShopApi.StartAsync();
        var configuration = api.Configuration(await postgres.CreateDatabaseAsync("cli_sync"));

        var first = await CliRunner.RunAsync(configuration, "sync", "--source", "shop");

        Assert.True(first.ExitCode == ExitCodes.Ok, first.ToString());
        Assert.Contains("Sync summary", first.Output, StringComparison.Ordinal);
        Assert.Matches(@"shop/products\s*│\s*Succeeded\s*│\s*3\s*│\s*3\s*│\s*5\s*│\s*5\s*│\s*0\s*│\s*0", first.Output);
        Assert.Contains("OK (exit code 0)", first.Output, StringComparison.Ordinal);
        Assert.Equal(3, api.Requests.Count);

        // The second run starts from the watermark (the newest updated_at), so it fetches only what is that new or newer.
        var second = await CliRunner.RunAsync(configuration, "sync");
        Assert.True(second.ExitCode == ExitCodes.Ok, second.ToString());
        Assert.Contains("GET /v1/products?updated_since=2026-01-25", api.Requests[3], StringComparison.Ordinal);
        Assert.Matches(@"shop/products\s*│\s*Succeeded\s*│\s*1\s*│\s*1\s*│\s*1\s*│\s*0\s*│\s*0\s*│\s*1", second.Output);

        var runs = await CliRunner.RunAsync(configuration, "runs", "--source", "shop", "--limit", "5");
        Assert.True(runs.ExitCode == ExitCodes.Ok, runs.ToString());
        Assert.Equal(2, runs.Output.Split('\n').Count(line => line.Contains("shop/products", StringComparison.Ordinal) && line.Contains("Succeeded", StringComparison.Ordinal)));

        var health = await CliRunner.RunAsync(configuration, "health");
        Assert.True(health.ExitCode == ExitCodes.Ok, health.ToString());
        Assert.Matches(@"shop/products\s*│\s*Healthy", health.Output);
        Assert.Contains("Overall: Healthy", health.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backfill_sends_the_range_from_the_first_page_and_a_dry_run_writes_nothing()
    {
        await using var api = await FakeShopApi.StartAsync();
        var configuration = api.Configuration(await postgres.CreateDatabaseAsync("cli_backfill"));

        var dry = await CliRunner.RunAsync(configuration, "backfill", "--source", "shop", "--stream", "products", "--from", "2026-01-10", "--to", "2026-01-31", "--dry-run");

        Assert.True(dry.ExitCode == ExitCodes.Ok, dry.ToString());
        Assert.Equal("GET /v1/products?updated_since=2026-01-10", api.Requests[0]);
        Assert.Contains("dry run: nothing was written", dry.Output, StringComparison.Ordinal);
        var runs = await CliRunner.RunAsync(configuration, "runs");
        Assert.Contains("No runs recorded yet.", runs.Output, StringComparison.Ordinal);

        var real = await CliRunner.RunAsync(configuration, "backfill", "--source", "shop", "--stream", "products", "--from", "2026-01-10", "--to", "2026-01-31");
        Assert.True(real.ExitCode == ExitCodes.Ok, real.ToString());
        Assert.Matches(@"shop/products\s*│\s*Succeeded\s*│\s*2\s*│\s*2\s*│\s*4\s*│\s*4", real.Output);
    }

    [Fact]
    public async Task Backfill_with_groups_passes_them_as_one_parameter_and_syncs_the_people_stream_first()
    {
        await using var api = await FakeShopApi.StartAsync();
        var configuration = api.Configuration(await postgres.CreateDatabaseAsync("cli_groups"), withPeopleStream: true);

        var result = await CliRunner.RunAsync(
            configuration, "backfill", "--source", "shop", "--stream", "products", "--from", "2026-01-10", "--to", "2026-01-31",
            "--group", "g-sales,g-ops", "-g", " g-hr ", "--dry-run");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Contains("With --group, the 'people' stream of 'shop' is synced first", result.Output, StringComparison.Ordinal);
        Assert.Equal("GET /v1/groups/g-sales,g-ops,g-hr/people", api.Requests[0]);
        Assert.Equal("GET /v1/products?updated_since=2026-01-10", api.Requests[1]);
        Assert.Matches(@"shop/people\s*│\s*Succeeded", result.Output);
        Assert.Matches(@"shop/products\s*│\s*Succeeded", result.Output);
        Assert.Contains("dry run: nothing was written", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backfill_without_groups_does_not_sync_the_people_stream()
    {
        await using var api = await FakeShopApi.StartAsync();
        var configuration = api.Configuration(await postgres.CreateDatabaseAsync("cli_no_groups"), withPeopleStream: true);

        var result = await CliRunner.RunAsync(
            configuration, "backfill", "--source", "shop", "--stream", "products", "--from", "2026-01-10", "--to", "2026-01-31", "--dry-run");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.DoesNotContain("people", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(api.Requests, r => r.Contains("/people", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failed_page_makes_the_run_partial_and_the_exit_code_one()
    {
        await using var api = await FakeShopApi.StartAsync();
        var configuration = api.Configuration(await postgres.CreateDatabaseAsync("cli_partial"), withFlakyStream: true);

        var result = await CliRunner.RunAsync(configuration, "sync", "--source", "shop", "--stream", "flaky");

        Assert.Equal(ExitCodes.CompletedWithIssues, result.ExitCode);
        Assert.Matches(@"shop/flaky\s*│\s*Partial", result.Output);
        Assert.Contains("Completed with issues (exit code 1)", result.Output, StringComparison.Ordinal);

        // The failed page is kept as a partial record, waiting for its backoff before the retry job takes it.
        var retry = await CliRunner.RunAsync(configuration, "retry-partials");
        Assert.True(retry.ExitCode is ExitCodes.Ok or ExitCodes.CompletedWithIssues, retry.ToString());
        Assert.Matches(@"shop/flaky\s*│\s*1\s*│", retry.Output);
    }

    [Fact]
    public async Task Retention_with_dry_run_counts_what_its_rules_would_remove_and_removes_nothing()
    {
        await using var api = await FakeShopApi.StartAsync();
        var configuration = api.Configuration(await postgres.CreateDatabaseAsync("cli_retention"));
        var sync = await CliRunner.RunAsync(configuration, "sync", "--source", "shop");
        Assert.True(sync.ExitCode == ExitCodes.Ok, sync.ToString());

        var dry = await CliRunner.RunAsync(configuration, "retention", "--dry-run");

        Assert.True(dry.ExitCode == ExitCodes.Ok, dry.ToString());
        Assert.Contains("Retention, dry run: would remove", dry.Output, StringComparison.Ordinal);
        Assert.Matches(@"Superseded raw versions\s*│\s*0", dry.Output);
        Assert.Matches(@"Runs\s*│\s*0", dry.Output);
        var runs = await CliRunner.RunAsync(configuration, "runs", "--source", "shop");
        Assert.Contains("shop/products", runs.Output, StringComparison.Ordinal);
    }
}
