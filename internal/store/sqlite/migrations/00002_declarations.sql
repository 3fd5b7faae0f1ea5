-- Declarations for e-commerce goods (EAEU Customs Code ch. 43.1) and the
-- counters that number them.

-- +goose Up
CREATE TABLE declarations (
    id                TEXT    NOT NULL PRIMARY KEY,
    number            TEXT,
    status            TEXT    NOT NULL,
    customs_body      TEXT    NOT NULL,
    operator          TEXT    NOT NULL,
    recipient_key     TEXT    NOT NULL,
    filing_date       TEXT    NOT NULL,
    registration_date TEXT    NOT NULL,
    filing_time       INTEGER NOT NULL,
    update_time       INTEGER NOT NULL,
    revision          INTEGER NOT NULL CHECK (revision >= 1),
    body              BLOB    NOT NULL
) STRICT;

CREATE UNIQUE INDEX declarations_number ON declarations (number) WHERE number IS NOT NULL;
CREATE INDEX declarations_recent ON declarations (filing_time DESC, id DESC);
CREATE INDEX declarations_operator ON declarations (operator, filing_time DESC, id DESC);
CREATE INDEX declarations_recipient ON declarations (recipient_key, filing_time DESC, id DESC);
CREATE INDEX declarations_status ON declarations (status, filing_time DESC, id DESC);

CREATE TABLE counters (
    name  TEXT    NOT NULL PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE counters;
DROP TABLE declarations;
