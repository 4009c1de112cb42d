-- Verifying unchanged records rewrites every record_keys row of a batch in one statement. A row can only be updated in place
-- (a HOT update, which leaves the primary key alone) when its page has room for the new version, and a batch usually covers
-- whole pages, since its keys were written together. Pages half full leave room for every row on them. Applies to pages
-- written from now on; existing pages keep their fill until the table is rewritten (VACUUM FULL or pg_repack).
ALTER TABLE {{schema}}.record_keys SET (fillfactor = 45);
