-- Schedule state for the cron scheduler, and load errors for declarative source definitions.

ALTER TABLE {{schema}}.schedules
    ALTER COLUMN job_type SET DEFAULT 'ingestion.sync',
    ADD COLUMN source                  text,
    ADD COLUMN stream                  text,
    ADD COLUMN disabled_reason         text,
    ADD COLUMN last_successful_run_at  timestamptz,
    ADD COLUMN total_runs              bigint      NOT NULL DEFAULT 0,
    ADD COLUMN consecutive_failures    integer     NOT NULL DEFAULT 0,
    ADD COLUMN last_error              text;

-- Hot reload records why a definition could not be loaded on the row itself, instead of stopping the host.
ALTER TABLE {{schema}}.sources
    ADD COLUMN last_error              text,
    ADD COLUMN last_error_at           timestamptz,
    ADD COLUMN loaded_version          integer,
    ADD COLUMN loaded_at               timestamptz;

-- Bumps version and updated_at on every change of a definition, so a reloader can tell what changed, and notifies listeners.
CREATE FUNCTION {{schema}}.sources_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.definition IS NOT DISTINCT FROM OLD.definition AND NEW.enabled IS NOT DISTINCT FROM OLD.enabled THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        NEW.version := OLD.version + 1;
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

CREATE TRIGGER sources_touch BEFORE INSERT OR UPDATE ON {{schema}}.sources
    FOR EACH ROW EXECUTE FUNCTION {{schema}}.sources_touch();
