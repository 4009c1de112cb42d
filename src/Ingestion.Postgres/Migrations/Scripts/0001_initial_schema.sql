-- The Ingestion store. {{schema}} is replaced by the configured schema, validated and quoted.

-- Per-key state, kept narrow and apart from the payloads: verifying an unchanged record updates only this row.
CREATE TABLE {{schema}}.record_keys (
    source              text        NOT NULL,
    stream              text        NOT NULL,
    key                 text        NOT NULL,
    hash                bytea       NOT NULL,          -- hash of the latest version
    latest_version      integer     NOT NULL,          -- the version with is_latest
    max_version         integer     NOT NULL,          -- the highest version (a partial record kept behind good data is above latest)
    latest_is_partial   boolean     NOT NULL,
    first_seen_at       timestamptz NOT NULL,
    last_seen_at        timestamptz NOT NULL,          -- written or verified: what a complete snapshot's soft delete looks at
    last_verified_at    timestamptz NOT NULL,
    last_written_at     timestamptz NOT NULL,          -- when the latest version was written
    deleted_at          timestamptz,
    retry_status        text CHECK (retry_status IN ('pending', 'succeeded', 'failed')),
    retry_request       text,
    retry_count         integer     NOT NULL DEFAULT 0,
    last_retry_at       timestamptz,
    next_retry_at       timestamptz,
    retry_succeeded_at  timestamptz,
    error_message       text,
    http_status_code    integer,
    PRIMARY KEY (source, stream, key)
) WITH (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.05);

CREATE INDEX record_keys_retry_due ON {{schema}}.record_keys (next_retry_at) WHERE retry_status = 'pending';

-- Every version of every record. The payload is JSONB, or raw bytes (payload_raw) when it is not storable as JSONB.
CREATE TABLE {{schema}}.raw_records (
    source              text        NOT NULL,
    stream              text        NOT NULL,
    key                 text        NOT NULL,
    version             integer     NOT NULL,
    is_latest           boolean     NOT NULL,
    payload             jsonb,
    payload_raw         bytea,
    is_json             boolean     NOT NULL,
    hash                bytea       NOT NULL,
    fetched_at          timestamptz NOT NULL,
    run_id              uuid        NOT NULL,
    is_partial          boolean     NOT NULL DEFAULT false,
    collection_issues   jsonb,
    http_status_code    integer,
    error_message       text,
    retry_count         integer     NOT NULL DEFAULT 0,
    last_retry_at       timestamptz,
    retry_succeeded_at  timestamptz,
    superseded_verified_at timestamptz,            -- last_verified_at of the key when this version stopped being latest
    PRIMARY KEY (source, stream, key, version),
    CHECK (is_json = (payload IS NOT NULL))
);

-- Exactly one latest version per source/stream/key.
CREATE UNIQUE INDEX raw_records_one_latest ON {{schema}}.raw_records (source, stream, key) WHERE is_latest;

-- Records with the key state a reader usually wants next to them.
CREATE VIEW {{schema}}.v_latest_records AS
SELECT r.source, r.stream, r.key, r.version, r.payload, r.payload_raw, r.is_json, r.hash, r.fetched_at, r.run_id,
       r.is_partial, r.collection_issues, r.http_status_code, r.error_message,
       k.first_seen_at, k.last_verified_at, k.deleted_at, k.retry_status, k.retry_count, k.last_retry_at, k.retry_succeeded_at
  FROM {{schema}}.raw_records r
  JOIN {{schema}}.record_keys k ON k.source = r.source AND k.stream = r.stream AND k.key = r.key
 WHERE r.is_latest;

CREATE TABLE {{schema}}.retry_log (
    id                  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source              text        NOT NULL,
    stream              text        NOT NULL,
    key                 text        NOT NULL,
    attempt             integer     NOT NULL,
    attempted_at        timestamptz NOT NULL,
    succeeded           boolean     NOT NULL,
    http_status_code    integer,
    error_message       text,
    next_retry_at       timestamptz,
    gave_up             boolean     NOT NULL DEFAULT false
);

CREATE INDEX retry_log_key ON {{schema}}.retry_log (source, stream, key, id);

CREATE VIEW {{schema}}.v_records_needing_retry AS
SELECT source, stream, key, retry_count, last_retry_at, next_retry_at, retry_request, error_message, http_status_code, last_written_at
  FROM {{schema}}.record_keys
 WHERE retry_status = 'pending';

CREATE TABLE {{schema}}.runs (
    run_id              uuid        PRIMARY KEY,
    source              text        NOT NULL,
    stream              text        NOT NULL,
    status              text        NOT NULL,
    started_at          timestamptz NOT NULL,
    completed_at        timestamptz,
    dry_run             boolean     NOT NULL DEFAULT false,
    requests            integer     NOT NULL DEFAULT 0,
    pages               integer     NOT NULL DEFAULT 0,
    records_fetched     bigint      NOT NULL DEFAULT 0,
    records_new         bigint      NOT NULL DEFAULT 0,
    records_changed     bigint      NOT NULL DEFAULT 0,
    records_unchanged   bigint      NOT NULL DEFAULT 0,
    records_partial     bigint      NOT NULL DEFAULT 0,
    records_deleted     bigint      NOT NULL DEFAULT 0,
    watermark           text,
    issues              jsonb       NOT NULL DEFAULT '[]'
);

CREATE INDEX runs_recent ON {{schema}}.runs (started_at DESC);
CREATE INDEX runs_stream_recent ON {{schema}}.runs (source, stream, started_at DESC);

-- Success rate per source/stream over a window of runs.
CREATE FUNCTION {{schema}}.collection_health(time_window interval)
RETURNS TABLE (source text, stream text, runs bigint, succeeded bigint, partial bigint, failed bigint,
               success_rate numeric, last_run_at timestamptz, last_success_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT r.source, r.stream,
           count(*),
           count(*) FILTER (WHERE r.status = 'succeeded'),
           count(*) FILTER (WHERE r.status = 'partial'),
           count(*) FILTER (WHERE r.status = 'failed'),
           round(count(*) FILTER (WHERE r.status = 'succeeded')::numeric / nullif(count(*) FILTER (WHERE r.status <> 'running'), 0), 4),
           max(r.started_at),
           max(r.completed_at) FILTER (WHERE r.status = 'succeeded')
      FROM {{schema}}.runs r
     WHERE r.started_at >= now() - time_window
     GROUP BY r.source, r.stream
$$;

CREATE VIEW {{schema}}.v_collection_health AS
SELECT * FROM {{schema}}.collection_health(interval '24 hours');

CREATE TABLE {{schema}}.sync_state (
    source                      text        NOT NULL,
    stream                      text        NOT NULL,
    watermark                   text,
    checkpoint                  text,
    last_good_snapshot_count    bigint,
    last_good_snapshot_at       timestamptz,
    updated_at                  timestamptz NOT NULL,
    PRIMARY KEY (source, stream)
);

CREATE TABLE {{schema}}.stream_health (
    source                  text        NOT NULL,
    stream                  text        NOT NULL,
    status                  text        NOT NULL,
    consecutive_failures    integer     NOT NULL DEFAULT 0,
    item_count              bigint      NOT NULL DEFAULT 0,
    last_check_at           timestamptz,
    last_success_at         timestamptz,
    last_failure_at         timestamptz,
    last_error              text,
    reason                  text,
    PRIMARY KEY (source, stream)
);

-- The hot queue table holds unfinished jobs only (pending or running); finished jobs move to job_history.
CREATE TABLE {{schema}}.jobs (
    id                  bigint      GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    job_type            text        NOT NULL,
    payload             json        NOT NULL,
    priority            integer     NOT NULL DEFAULT 0,
    status              text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running')),
    run_at              timestamptz NOT NULL,
    attempts            integer     NOT NULL DEFAULT 0,
    max_attempts        integer     NOT NULL,
    dedup_key           text,
    lease_token         uuid,
    lease_expires_at    timestamptz,
    locked_by           text,
    started_at          timestamptz,
    last_error          text,
    last_error_details  text,
    enqueued_at         timestamptz NOT NULL
) WITH (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_cost_delay = 0);

-- Claims read this index only: runnable rows, in claim order.
CREATE INDEX jobs_runnable ON {{schema}}.jobs (priority DESC, run_at, id) WHERE status = 'pending';
CREATE INDEX jobs_leases ON {{schema}}.jobs (lease_expires_at) WHERE status = 'running';
-- Every row of the hot table is unfinished, so this makes the dedup key unique among unfinished jobs.
CREATE UNIQUE INDEX jobs_dedup_key ON {{schema}}.jobs (dedup_key) WHERE dedup_key IS NOT NULL;

CREATE TABLE {{schema}}.job_history (
    id                  bigint      PRIMARY KEY,
    job_type            text        NOT NULL,
    payload             json        NOT NULL,
    priority            integer     NOT NULL,
    status              text        NOT NULL CHECK (status IN ('completed', 'dead', 'cancelled')),
    run_at              timestamptz NOT NULL,
    attempts            integer     NOT NULL,
    max_attempts        integer     NOT NULL,
    dedup_key           text,
    locked_by           text,
    started_at          timestamptz,
    last_error          text,
    last_error_details  text,
    enqueued_at         timestamptz NOT NULL,
    finished_at         timestamptz NOT NULL,
    result              json
);

CREATE INDEX job_history_finished ON {{schema}}.job_history (status, finished_at);

-- Cron schedules whose due rows a host claims with SKIP LOCKED, so a fire time enqueues once across hosts.
CREATE TABLE {{schema}}.schedules (
    name                text        PRIMARY KEY,
    cron                text        NOT NULL,
    time_zone           text        NOT NULL DEFAULT 'UTC',
    job_type            text        NOT NULL,
    payload             json        NOT NULL DEFAULT '{}',
    enabled             boolean     NOT NULL DEFAULT true,
    next_fire_at        timestamptz,
    last_fired_at       timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- Declarative source definitions kept in the database.
CREATE TABLE {{schema}}.sources (
    name                text        PRIMARY KEY,
    definition          jsonb       NOT NULL,
    enabled             boolean     NOT NULL DEFAULT true,
    version             integer     NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- Webhook deliveries, stored before they are processed so none is lost.
CREATE TABLE {{schema}}.webhook_inbox (
    id                  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source              text        NOT NULL,
    delivery_id         text,
    event_type          text,
    headers             jsonb       NOT NULL DEFAULT '{}',
    payload             jsonb,
    payload_raw         bytea,
    signature_valid     boolean,
    received_at         timestamptz NOT NULL DEFAULT now(),
    processed_at        timestamptz,
    job_id              bigint,
    error               text
);

CREATE UNIQUE INDEX webhook_inbox_delivery ON {{schema}}.webhook_inbox (source, delivery_id) WHERE delivery_id IS NOT NULL;
CREATE INDEX webhook_inbox_unprocessed ON {{schema}}.webhook_inbox (received_at) WHERE processed_at IS NULL;

-- Derivers' output, replaced per input key; derived_inputs remembers which version last derived each key, even empty output.
CREATE TABLE {{schema}}.derived_inputs (
    deriver             text        NOT NULL,
    input_key           text        NOT NULL,
    deriver_version     integer     NOT NULL,
    derived_at          timestamptz NOT NULL,
    PRIMARY KEY (deriver, input_key)
);

CREATE INDEX derived_inputs_version ON {{schema}}.derived_inputs (deriver, deriver_version);

CREATE TABLE {{schema}}.derived_records (
    deriver             text        NOT NULL,
    input_key           text        NOT NULL,
    key                 text        NOT NULL,
    kind                text        NOT NULL,
    payload             jsonb       NOT NULL,
    effective_at        timestamptz,
    deriver_version     integer     NOT NULL,
    derived_at          timestamptz NOT NULL,
    PRIMARY KEY (deriver, input_key, key)
);
