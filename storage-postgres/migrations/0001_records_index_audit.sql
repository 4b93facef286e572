-- Version 1: records, their index entries, and the audit log.
--
-- Keys, index names and index values use the "C" collation: the core sorts keys as byte
-- strings, and "C" compares UTF-8 text byte by byte whatever the database's locale is.

CREATE TABLE records (
    kind          text NOT NULL,
    key           text COLLATE "C" NOT NULL,
    version       bigint NOT NULL CHECK (version >= 0),
    -- The JSON text exactly as the core wrote it; jsonb would reorder keys and drop
    -- whitespace, and the core compares bodies byte for byte. Views cast it to jsonb.
    body          text NOT NULL,
    -- The record's index entries as a JSON array of [name, value] pairs, in the order
    -- the core gave them, so that a record reads back exactly as written.
    index_entries jsonb NOT NULL DEFAULT '[]',
    PRIMARY KEY (kind, key)
);

-- One row per distinct index entry of a record. `find` is a range scan of the primary
-- key; the rows go with their record through the cascading foreign key.
CREATE TABLE record_index (
    kind  text NOT NULL,
    name  text COLLATE "C" NOT NULL,
    value text COLLATE "C" NOT NULL,
    key   text COLLATE "C" NOT NULL,
    PRIMARY KEY (kind, name, value, key),
    FOREIGN KEY (kind, key) REFERENCES records (kind, key) ON DELETE CASCADE
);

-- Replacing a record's entries deletes them by record, and the cascade looks them up
-- the same way.
CREATE INDEX record_index_by_record ON record_index (kind, key);

CREATE TABLE audit (
    seq      bigint PRIMARY KEY CHECK (seq > 0),
    -- timestamptz keeps microseconds; the core's instants have nanoseconds, so the
    -- remainder is kept beside it and an instant reads back exactly as written.
    at       timestamptz NOT NULL,
    at_nanos integer NOT NULL DEFAULT 0 CHECK (at_nanos BETWEEN 0 AND 999),
    actor    text,
    action   text NOT NULL,
    kind     text NOT NULL,
    key      text COLLATE "C" NOT NULL,
    before   text,
    after    text
);

CREATE INDEX audit_by_time ON audit (at, at_nanos);
CREATE INDEX audit_by_actor ON audit (actor, seq);
CREATE INDEX audit_by_record ON audit (kind, key, seq);

-- The last audit sequence number given. `apply` increments it in its transaction; the
-- row lock it takes is held until commit, so numbers follow commit order with no gaps.
CREATE TABLE audit_counter (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    last_seq bigint NOT NULL CHECK (last_seq >= 0)
);

INSERT INTO audit_counter (only_row, last_seq) VALUES (true, 0);
