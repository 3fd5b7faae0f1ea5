-- The separate accounts of e-commerce operators (EAEU Customs Code
-- art. 429.5, 309.3, 309.6): items as they stand, the append-only events
-- that moved them, and the operators' reports.

-- +goose Up
CREATE TABLE accounting_items (
    operator         TEXT    NOT NULL,
    item_id          TEXT    NOT NULL,
    state            TEXT    NOT NULL,
    hs_code          TEXT    NOT NULL,
    quantity         INTEGER NOT NULL,
    currency         TEXT    NOT NULL,
    amount           TEXT    NOT NULL,
    deadline         TEXT    NOT NULL,
    flags            INTEGER NOT NULL,
    last_occurred_on TEXT    NOT NULL,
    create_time      INTEGER NOT NULL,
    update_time      INTEGER NOT NULL,
    revision         INTEGER NOT NULL CHECK (revision >= 1),
    body             BLOB    NOT NULL
) STRICT;

-- A rowid table with a unique key rather than WITHOUT ROWID: the rows
-- (with the item's body) are too large for a clustered index to pay.
CREATE UNIQUE INDEX accounting_items_id ON accounting_items (operator, item_id);
CREATE INDEX accounting_items_state ON accounting_items (operator, state, item_id);
-- Items customs may have to look at: a discrepancy recorded or a
-- declaration deadline running. Few, whatever the size of the accounts.
CREATE INDEX accounting_items_of_interest ON accounting_items (operator, item_id) WHERE flags <> 0 OR deadline <> '';

CREATE TABLE accounting_events (
    seq          INTEGER NOT NULL PRIMARY KEY,
    operator     TEXT    NOT NULL,
    event_id     TEXT    NOT NULL,
    item_id      TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    occurred_on  TEXT    NOT NULL,
    record_time  INTEGER NOT NULL,
    from_state   TEXT    NOT NULL,
    to_state     TEXT    NOT NULL,
    hs_code      TEXT    NOT NULL,
    quantity     INTEGER NOT NULL,
    currency     TEXT    NOT NULL,
    amount       TEXT    NOT NULL,
    flags        INTEGER NOT NULL,
    body         BLOB    NOT NULL
) STRICT;

CREATE UNIQUE INDEX accounting_events_id ON accounting_events (operator, event_id);
-- seq is the rowid, which ends every index entry: this orders by
-- (operator, occurred_on, seq).
CREATE INDEX accounting_events_time ON accounting_events (operator, occurred_on);
-- An item's events are found from the item, which lists them.

CREATE TABLE accounting_reports (
    id           TEXT    NOT NULL PRIMARY KEY,
    operator     TEXT    NOT NULL,
    period_start TEXT    NOT NULL,
    period_end   TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    create_time  INTEGER NOT NULL,
    update_time  INTEGER NOT NULL,
    revision     INTEGER NOT NULL CHECK (revision >= 1),
    body         BLOB    NOT NULL
) STRICT;

CREATE INDEX accounting_reports_operator ON accounting_reports (operator, create_time DESC, id DESC);
CREATE INDEX accounting_reports_status ON accounting_reports (status, create_time DESC, id DESC);
CREATE INDEX accounting_reports_period ON accounting_reports (operator, period_start, period_end);

-- +goose Down
DROP TABLE accounting_reports;
DROP TABLE accounting_events;
DROP TABLE accounting_items;
