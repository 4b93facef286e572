-- Version 5: index rows no longer carry a foreign key to their record.
--
-- The store writes and removes a record's index rows in the same statement batch as the
-- record itself (inserted with it, replaced on each update, deleted with it), so the key
-- guarded nothing the code does not already do; but it made PostgreSQL run a lookup of
-- the record for every index row inserted, which took a fifth of a bulk entry's time.
-- The index on (kind, key) stays: updates and deletes find a record's rows by it.
ALTER TABLE record_index DROP CONSTRAINT record_index_kind_key_fkey;
