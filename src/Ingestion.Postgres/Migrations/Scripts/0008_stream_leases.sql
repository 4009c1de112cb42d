-- One run at a time per stream, across hosts: a run holds its stream's row while it runs and renews it; a row past its
-- expiry is free to take (its host died). At most one row per stream, removed when the run ends, so the table stays small.
CREATE TABLE {{schema}}.stream_leases (
    source      text        NOT NULL,
    stream      text        NOT NULL,
    run_id      uuid        NOT NULL,
    holder      text        NOT NULL,
    acquired_at timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (source, stream)
);
