-- The events a bulk upload applies are audited by one record per
-- transaction, which holds the SHA-256 of their stored rows: each row names
-- the record that vouches for it (0: none, such as an event recorded on
-- its own, whose call has its own record).

-- +goose Up
ALTER TABLE accounting_events ADD COLUMN audit_sequence INTEGER NOT NULL DEFAULT 0;
CREATE INDEX accounting_events_audit ON accounting_events (audit_sequence);

-- +goose Down
DROP INDEX accounting_events_audit;
ALTER TABLE accounting_events DROP COLUMN audit_sequence;
