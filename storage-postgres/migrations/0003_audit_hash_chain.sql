-- Tamper evidence: every audit record carries the hash that chains it to the record
-- before (see citypassport_core::storage::chain_hash), and the counter row keeps the
-- last hash so that the next change set continues the chain in the same transaction.
-- A store made before this migration has no hashes yet: its records get the empty
-- string, which a verification reports as the first broken link, so an operator sees
-- that the log predates the chain.
ALTER TABLE audit ADD COLUMN hash text NOT NULL DEFAULT '';
ALTER TABLE audit ALTER COLUMN hash DROP DEFAULT;
ALTER TABLE audit_counter
    ADD COLUMN last_hash text NOT NULL
    DEFAULT '0000000000000000000000000000000000000000000000000000000000000000';
