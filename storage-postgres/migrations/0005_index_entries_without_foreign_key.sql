-- Version 5: index rows no longer carry a foreign key to their record.
--
-- The store writes and removes a record's index rows in the same transaction as the
-- record itself: inserted with it (after clearing any rows left under its key), replaced
-- on each update, deleted with it. So the key guarded nothing the store does not do,
-- but it made PostgreSQL look the record up for every index row inserted, which took a
-- fifth of a bulk entry's time. The index on (kind, key) stays: the store finds a
-- record's rows by it.
ALTER TABLE record_index DROP CONSTRAINT record_index_kind_key_fkey;
