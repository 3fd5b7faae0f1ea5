-- The separate accounts of e-commerce operators (EAEU Customs Code
-- art. 429.5, 309.3, 309.6): items as they stand, the append-only events
-- that moved them, and the operators' reports.

-- +goose Up
CREATE TABLE accounting_items (
    operator         TEXT COLLATE "C" NOT NULL,
    item_id          TEXT COLLATE "C" NOT NULL,
    state            TEXT COLLATE "C" NOT NULL,
    hs_code          TEXT COLLATE "C" NOT NULL,
    quantity         BIGINT NOT NULL,
    currency         TEXT COLLATE "C" NOT NULL,
    amount           TEXT NOT NULL,
    deadline         TEXT COLLATE "C" NOT NULL,
    flags            BIGINT NOT NULL,
    last_occurred_on TEXT COLLATE "C" NOT NULL,
    create_time      BIGINT NOT NULL,
    update_time      BIGINT NOT NULL,
    revision         BIGINT NOT NULL CHECK (revision >= 1),
    body             BYTEA  NOT NULL,
    PRIMARY KEY (operator, item_id)
);

CREATE INDEX accounting_items_state ON accounting_items (operator, state, item_id);
-- Items customs may have to look at: a discrepancy recorded or a
-- declaration deadline running. Few, whatever the size of the accounts.
CREATE INDEX accounting_items_of_interest ON accounting_items (operator, item_id) WHERE flags <> 0 OR deadline <> '';

CREATE TABLE accounting_events (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    operator     TEXT COLLATE "C" NOT NULL,
    event_id     TEXT COLLATE "C" NOT NULL,
    item_id      TEXT COLLATE "C" NOT NULL,
    kind         TEXT COLLATE "C" NOT NULL,
    occurred_on  TEXT COLLATE "C" NOT NULL,
    record_time  BIGINT NOT NULL,
    from_state   TEXT COLLATE "C" NOT NULL,
    to_state     TEXT COLLATE "C" NOT NULL,
    hs_code      TEXT COLLATE "C" NOT NULL,
    quantity     BIGINT NOT NULL,
    currency     TEXT COLLATE "C" NOT NULL,
    amount       TEXT NOT NULL,
    flags        BIGINT NOT NULL,
    body         BYTEA  NOT NULL
);

CREATE UNIQUE INDEX accounting_events_id ON accounting_events (operator, event_id);
CREATE INDEX accounting_events_time ON accounting_events (operator, occurred_on, seq);
-- An item's events are found from the item, which lists them.

CREATE TABLE accounting_reports (
    id           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    operator     TEXT COLLATE "C" NOT NULL,
    period_start TEXT COLLATE "C" NOT NULL,
    period_end   TEXT COLLATE "C" NOT NULL,
    status       TEXT COLLATE "C" NOT NULL,
    create_time  BIGINT NOT NULL,
    update_time  BIGINT NOT NULL,
    revision     BIGINT NOT NULL CHECK (revision >= 1),
    body         BYTEA  NOT NULL
);

CREATE INDEX accounting_reports_operator ON accounting_reports (operator, create_time DESC, id DESC);
CREATE INDEX accounting_reports_status ON accounting_reports (status, create_time DESC, id DESC);
CREATE INDEX accounting_reports_period ON accounting_reports (operator, period_start, period_end);

-- +goose Down
DROP TABLE accounting_reports;
DROP TABLE accounting_events;
DROP TABLE accounting_items;
