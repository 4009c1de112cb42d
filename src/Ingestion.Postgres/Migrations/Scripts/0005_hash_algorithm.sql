-- Every content hash names the algorithm that made it, so that when the configured algorithm changes (XxHash128 became the
-- default; every hash written before this script is SHA-256) the store compares a record with a stored hash in that hash's own
-- algorithm and writes no new version of unchanged content. The default names what existing rows hold, and what a host still
-- running the previous version writes without naming the column; a constant default adds the column without rewriting the table.
ALTER TABLE {{schema}}.record_keys ADD COLUMN hash_algorithm text NOT NULL DEFAULT 'sha256';
ALTER TABLE {{schema}}.raw_records ADD COLUMN hash_algorithm text NOT NULL DEFAULT 'sha256';

-- Checked for rows written from now on; existing rows hold the default, so validating them would only read both tables whole.
ALTER TABLE {{schema}}.record_keys ADD CONSTRAINT record_keys_hash_algorithm CHECK (hash_algorithm IN ('sha256', 'xxhash128')) NOT VALID;
ALTER TABLE {{schema}}.raw_records ADD CONSTRAINT raw_records_hash_algorithm CHECK (hash_algorithm IN ('sha256', 'xxhash128')) NOT VALID;
