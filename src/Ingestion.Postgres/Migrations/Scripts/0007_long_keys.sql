-- Any key must be storable, in the raw store and the derived one: a B-tree entry holds at most about 2.7 KB, and a failed page's key is its URL. A key longer than
-- 1,024 UTF-8 bytes (or one that starts with the digest marker) is indexed by '~sha256:' and the hex SHA-256 of its bytes; the
-- row keeps the full key in full_key, and readers take coalesce(full_key, key). The store applies the same rule
-- (Ingestion.Postgres.Internal.PostgresKey); the updates below bring keys stored before this script under it. They read
-- each table once; on stores whose keys are all short (the usual case) they change no row.
ALTER TABLE {{schema}}.record_keys ADD COLUMN full_key text;

UPDATE {{schema}}.record_keys
   SET full_key = key, key = '~sha256:' || encode(sha256(convert_to(key, 'UTF8')), 'hex')
 WHERE octet_length(key) > 1024 OR starts_with(key, '~sha256:');

UPDATE {{schema}}.raw_records
   SET key = '~sha256:' || encode(sha256(convert_to(key, 'UTF8')), 'hex')
 WHERE octet_length(key) > 1024 OR starts_with(key, '~sha256:');

UPDATE {{schema}}.retry_log
   SET key = '~sha256:' || encode(sha256(convert_to(key, 'UTF8')), 'hex')
 WHERE octet_length(key) > 1024 OR starts_with(key, '~sha256:');

ALTER TABLE {{schema}}.derived_inputs ADD COLUMN full_input_key text;
ALTER TABLE {{schema}}.derived_records ADD COLUMN full_input_key text, ADD COLUMN full_key text;

UPDATE {{schema}}.derived_inputs
   SET full_input_key = input_key, input_key = '~sha256:' || encode(sha256(convert_to(input_key, 'UTF8')), 'hex')
 WHERE octet_length(input_key) > 1024 OR starts_with(input_key, '~sha256:');

UPDATE {{schema}}.derived_records
   SET full_input_key = input_key, input_key = '~sha256:' || encode(sha256(convert_to(input_key, 'UTF8')), 'hex')
 WHERE octet_length(input_key) > 1024 OR starts_with(input_key, '~sha256:');

UPDATE {{schema}}.derived_records
   SET full_key = key, key = '~sha256:' || encode(sha256(convert_to(key, 'UTF8')), 'hex')
 WHERE octet_length(key) > 1024 OR starts_with(key, '~sha256:');

CREATE OR REPLACE VIEW {{schema}}.v_latest_records AS
SELECT r.source, r.stream, coalesce(k.full_key, r.key) AS key, r.version, r.payload, r.payload_raw, r.is_json, r.hash, r.fetched_at, r.run_id,
       r.is_partial, r.collection_issues, r.http_status_code, r.error_message,
       k.first_seen_at, k.last_verified_at, k.deleted_at, k.retry_status, k.retry_count, k.last_retry_at, k.retry_succeeded_at
  FROM {{schema}}.raw_records r
  JOIN {{schema}}.record_keys k ON k.source = r.source AND k.stream = r.stream AND k.key = r.key
 WHERE r.is_latest;

CREATE OR REPLACE VIEW {{schema}}.v_records_needing_retry AS
SELECT source, stream, coalesce(full_key, key) AS key, retry_count, last_retry_at, next_retry_at, retry_request, error_message, http_status_code, last_written_at
  FROM {{schema}}.record_keys
 WHERE retry_status = 'pending';
