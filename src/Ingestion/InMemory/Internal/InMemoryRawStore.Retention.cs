namespace Ingestion.InMemory.Internal;

/// <summary>The in-memory raw store's share of retention: superseded versions, deleted keys and the retry log.</summary>
internal sealed partial class InMemoryRawStore
{
    public RetentionResult ApplyRetention(RetentionOptions options, DateTimeOffset now, bool dryRun)
    {
        long versions = 0, deletedKeys = 0, attempts = 0;
        lock (_gate)
        {
            foreach (var (stream, keys) in _streams)
            {
                var rules = options.For(stream.Source);
                foreach (var (key, state) in keys.ToList())
                {
                    if (rules.DeletedKeysMaxAge is { } deletedAge && !rules.KeepEverything && state.DeletedAt is { } deletedAt && deletedAt < now - deletedAge)
                    {
                        deletedKeys++;
                        if (!dryRun)
                        {
                            keys.Remove(key);
                            _retryLog.Remove((stream, key));
                            _fieldIndexes.Remove(stream);
                        }

                        continue;
                    }

                    if (rules.RemovesVersions)
                    {
                        var removable = RemovableVersions(state, rules, now);
                        versions += removable.Count;
                        if (!dryRun)
                        {
                            state.Versions.RemoveAll(removable.Contains);
                        }
                    }
                }
            }

            if (options.RetryLogMaxAge is { } retryAge)
            {
                foreach (var log in _retryLog.Values)
                {
                    var old = log.Count(attempt => attempt.AttemptedAt < now - retryAge);
                    attempts += old;
                    if (!dryRun && old > 0)
                    {
                        log.RemoveAll(attempt => attempt.AttemptedAt < now - retryAge);
                    }
                }
            }
        }

        return new RetentionResult { DryRun = dryRun, SupersededVersions = versions, DeletedKeys = deletedKeys, RetryLogEntries = attempts };
    }

    // Superseded versions below the latest, newest first: the first VersionsKept stay, the rest go when old enough.
    private static List<StoredVersion> RemovableVersions(KeyState state, SourceRetention rules, DateTimeOffset now) =>
        [.. state.Versions
            .Where(version => !version.IsLatest && version.Version < state.LatestVersion)
            .OrderByDescending(version => version.Version)
            .Skip(rules.VersionsKept)
            .Where(version => rules.SupersededVersionsMaxAge is not { } age || (version.SupersededVerifiedAt ?? version.FetchedAt) < now - age)];
}
