-- A partial record that a later complete run no longer met (its page was fetched whole) is resolved, not failed or deleted.
-- The new constraint is checked for rows written from now on: every existing row holds one of the old values.
ALTER TABLE {{schema}}.record_keys DROP CONSTRAINT record_keys_retry_status_check;
ALTER TABLE {{schema}}.record_keys ADD CONSTRAINT record_keys_retry_status_check
    CHECK (retry_status IN ('pending', 'succeeded', 'failed', 'resolved')) NOT VALID;
