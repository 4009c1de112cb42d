using System.Text;

namespace Ingestion.Conformance;

/// <summary>The rules of <see cref="IDerivedStore"/>: whole replacement per input key, idempotent re-runs, provenance and stale keys.</summary>
public abstract class DerivedStoreConformance : StoreConformance
{
    private IDerivedStore Derived => Stores.Derived;

    private static DerivedRecord Event(string key, int? day) => new()
    {
        Key = key,
        Kind = "salary_increase",
        Payload = Encoding.UTF8.GetBytes($$"""{"key":"{{key}}","day":{{day ?? 0}}}"""),
        EffectiveAt = day is { } d ? T0.AddDays(d) : null,
    };

    [Fact]
    public async Task A_replace_swaps_the_whole_output_of_an_input_key_and_records_its_provenance()
    {
        await Derived.ReplaceAsync("timeline", 1, "emp-1", [Event("e1", 1), Event("e2", 2)], Cancel);
        Time.Advance(TimeSpan.FromHours(1));
        await Derived.ReplaceAsync("timeline", 1, "emp-1", [Event("e3", 3), Event("e1", 1)], Cancel);

        var output = await Derived.GetAsync("timeline", "emp-1", Cancel);
        Assert.Equal(["e1", "e3"], output.Select(record => record.Record.Key));
        Assert.All(output, record => Assert.Equal(("timeline", 1, "emp-1", T0.AddHours(1)), (record.Deriver, record.DeriverVersion, record.InputKey, record.DerivedAt)));
        Assert.Equal(("salary_increase", T0.AddDays(3)), (output[1].Record.Kind, output[1].Record.EffectiveAt));
        AssertJson("""{"key":"e3","day":3}""", output[1].Record.Payload);
    }

    [Fact]
    public async Task Input_and_output_keys_of_any_length_are_stored_and_read_back()
    {
        var longInput = "page:/items?$filter=" + new string('x', 100_000);
        var longOutput = "session:" + new string('y', 50_000);
        await Derived.ReplaceAsync("timeline", 1, longInput, [Event(longOutput, 1), Event("short", 2)], Cancel);

        var output = await Derived.GetAsync("timeline", longInput, Cancel);
        Assert.Equal([longOutput, "short"], output.Select(record => record.Record.Key).Order(StringComparer.Ordinal));
        Assert.All(output, record => Assert.Equal(longInput, record.InputKey));
        Assert.Equal([longInput], await Derived.GetStaleInputKeysAsync("timeline", 2, Cancel));
    }

    [Fact]
    public async Task Replacing_with_the_same_output_is_idempotent()
    {
        DerivedRecord[] output = [Event("e1", 1), Event("e2", 2)];
        await Derived.ReplaceAsync("timeline", 1, "emp-1", output, Cancel);
        await Derived.ReplaceAsync("timeline", 1, "emp-1", output, Cancel);
        await Derived.ReplaceAsync("timeline", 1, "emp-1", output, Cancel);

        Assert.Equal(["e1", "e2"], (await Derived.GetAsync("timeline", "emp-1", Cancel)).Select(record => record.Record.Key));
        Assert.Equal(2, (await ToListAsync(Derived.GetAllAsync("timeline", Cancel))).Count);
    }

    [Fact]
    public async Task Output_is_ordered_by_effective_date_then_key_with_undated_records_first()
    {
        await Derived.ReplaceAsync("timeline", 1, "emp-1", [Event("b", 2), Event("z", null), Event("a", 2), Event("c", 1), Event("y", null)], Cancel);

        Assert.Equal(["y", "z", "c", "a", "b"], (await Derived.GetAsync("timeline", "emp-1", Cancel)).Select(record => record.Record.Key));
    }

    [Fact]
    public async Task All_output_of_a_deriver_is_read_by_input_key_and_other_derivers_are_apart()
    {
        await Derived.ReplaceAsync("timeline", 1, "emp-2", [Event("x", 1)], Cancel);
        await Derived.ReplaceAsync("timeline", 1, "emp-1", [Event("e2", 2), Event("e1", 1)], Cancel);
        await Derived.ReplaceAsync("sessions", 1, "emp-1", [Event("s1", 1)], Cancel);

        var all = await ToListAsync(Derived.GetAllAsync("timeline", Cancel));
        Assert.Equal([("emp-1", "e1"), ("emp-1", "e2"), ("emp-2", "x")], all.Select(record => (record.InputKey, record.Record.Key)));
        Assert.Equal(["s1"], (await Derived.GetAsync("sessions", "emp-1", Cancel)).Select(record => record.Record.Key));
        Assert.Empty(await Derived.GetAsync("timeline", "emp-9", Cancel));
    }

    [Fact]
    public async Task Input_keys_derived_by_an_older_version_are_stale_even_with_empty_output()
    {
        await Derived.ReplaceAsync("timeline", 1, "emp-3", [], Cancel);
        await Derived.ReplaceAsync("timeline", 1, "emp-2", [Event("x", 1)], Cancel);
        await Derived.ReplaceAsync("timeline", 2, "emp-1", [Event("e1", 1)], Cancel);
        await Derived.ReplaceAsync("sessions", 1, "emp-4", [Event("s", 1)], Cancel);

        Assert.Equal(["emp-2", "emp-3"], await Derived.GetStaleInputKeysAsync("timeline", 2, Cancel));
        Assert.Empty(await Derived.GetStaleInputKeysAsync("timeline", 1, Cancel));
        Assert.Empty(await Derived.GetAsync("timeline", "emp-3", Cancel));

        await Derived.ReplaceAsync("timeline", 2, "emp-3", [], Cancel);
        Assert.Equal(["emp-2"], await Derived.GetStaleInputKeysAsync("timeline", 2, Cancel));
    }

    [Fact]
    public async Task Output_with_a_repeated_key_is_refused_and_the_previous_output_kept()
    {
        await Derived.ReplaceAsync("timeline", 1, "emp-1", [Event("e1", 1)], Cancel);

        await Assert.ThrowsAsync<ArgumentException>(async () => await Derived.ReplaceAsync("timeline", 1, "emp-1", [Event("e2", 1), Event("e2", 2)], Cancel));
        Assert.Equal(["e1"], (await Derived.GetAsync("timeline", "emp-1", Cancel)).Select(record => record.Record.Key));
    }
}
