-- Declarations for e-commerce goods (EAEU Customs Code ch. 43.1) and the
-- counters that number them.

-- +goose Up
CREATE TABLE declarations (
    id                TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    number            TEXT COLLATE "C",
    status            TEXT COLLATE "C" NOT NULL,
    customs_body      TEXT COLLATE "C" NOT NULL,
    operator          TEXT COLLATE "C" NOT NULL,
    recipient_key     TEXT COLLATE "C" NOT NULL,
    filing_date       TEXT COLLATE "C" NOT NULL,
    registration_date TEXT COLLATE "C" NOT NULL,
    filing_time       BIGINT NOT NULL,
    update_time       BIGINT NOT NULL,
    revision          BIGINT NOT NULL CHECK (revision >= 1),
    body              BYTEA  NOT NULL
);

CREATE UNIQUE INDEX declarations_number ON declarations (number) WHERE number IS NOT NULL;
CREATE INDEX declarations_recent ON declarations (filing_time DESC, id DESC);
CREATE INDEX declarations_operator ON declarations (operator, filing_time DESC, id DESC);
CREATE INDEX declarations_recipient ON declarations (recipient_key, filing_time DESC, id DESC);
CREATE INDEX declarations_status ON declarations (status, filing_time DESC, id DESC);

CREATE TABLE counters (
    name  TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    value BIGINT NOT NULL
);

-- +goose Down
DROP TABLE counters;
DROP TABLE declarations;
