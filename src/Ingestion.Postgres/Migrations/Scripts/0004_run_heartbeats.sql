-- A running run records a heartbeat, so a run whose process died can be told from one that is still going and closed as
-- abandoned. Adding a nullable column without a default does not rewrite the table.
ALTER TABLE {{schema}}.runs ADD COLUMN last_seen_at timestamptz;

-- Finding the runs still recorded as running reads only them, however long the run log grows.
CREATE INDEX runs_running ON {{schema}}.runs (last_seen_at) WHERE status = 'running';

-- An abandoned run counts as a failed one in the success rate (same columns, so the view that reads it stays valid).
CREATE OR REPLACE FUNCTION {{schema}}.collection_health(time_window interval)
RETURNS TABLE (source text, stream text, runs bigint, succeeded bigint, partial bigint, failed bigint,
               success_rate numeric, last_run_at timestamptz, last_success_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT r.source, r.stream,
           count(*),
           count(*) FILTER (WHERE r.status = 'succeeded'),
           count(*) FILTER (WHERE r.status = 'partial'),
           count(*) FILTER (WHERE r.status IN ('failed', 'abandoned')),
           round(count(*) FILTER (WHERE r.status = 'succeeded')::numeric / nullif(count(*) FILTER (WHERE r.status <> 'running'), 0), 4),
           max(r.started_at),
           max(r.completed_at) FILTER (WHERE r.status = 'succeeded')
      FROM {{schema}}.runs r
     WHERE r.started_at >= now() - time_window
     GROUP BY r.source, r.stream
$$;
