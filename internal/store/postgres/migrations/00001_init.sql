-- The initial PostgreSQL schema. Times are BIGINT Unix nanoseconds (UTC),
-- dates DATE, exchange rates NUMERIC (scale kept as written), blobs BYTEA.
-- Key text columns use the "C" collation so that they order byte-wise,
-- exactly as SQLite orders them.

-- +goose Up
CREATE TABLE documents (
    kind        TEXT COLLATE "C" NOT NULL,
    name        TEXT COLLATE "C" NOT NULL,
    scope       TEXT COLLATE "C" NOT NULL,
    sort_key    TEXT COLLATE "C" NOT NULL,
    body        BYTEA  NOT NULL,
    revision    BIGINT NOT NULL CHECK (revision >= 1),
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    PRIMARY KEY (kind, name),
    UNIQUE (kind, sort_key)
);

CREATE INDEX documents_scope ON documents (kind, scope, sort_key);

CREATE TABLE exchange_rates (
    currency       TEXT COLLATE "C" NOT NULL,
    effective_date DATE    NOT NULL,
    rate           NUMERIC NOT NULL,
    create_time    BIGINT  NOT NULL,
    PRIMARY KEY (currency, effective_date)
);

CREATE INDEX exchange_rates_by_date ON exchange_rates (effective_date, currency);

CREATE TABLE idempotency (
    key          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    request_hash BYTEA  NOT NULL,
    response     BYTEA  NOT NULL,
    create_time  BIGINT NOT NULL
);

CREATE INDEX idempotency_by_time ON idempotency (create_time);

CREATE TABLE audit_records (
    sequence           BIGINT NOT NULL PRIMARY KEY CHECK (sequence >= 1),
    time_ns            BIGINT NOT NULL,
    actor_subject      TEXT COLLATE "C" NOT NULL,
    actor_role         TEXT NOT NULL,
    actor_member_state TEXT NOT NULL,
    method             TEXT COLLATE "C" NOT NULL,
    resource           TEXT COLLATE "C" NOT NULL,
    request_id         TEXT NOT NULL,
    outcome            TEXT COLLATE "C" NOT NULL,
    status_code        TEXT NOT NULL,
    detail             TEXT NOT NULL,
    prev_hash          BYTEA NOT NULL,
    hash               BYTEA NOT NULL
);

CREATE INDEX audit_records_by_actor    ON audit_records (actor_subject, sequence);
CREATE INDEX audit_records_by_method   ON audit_records (method, sequence);
CREATE INDEX audit_records_by_resource ON audit_records (resource, sequence);
CREATE INDEX audit_records_by_outcome  ON audit_records (outcome, sequence);
CREATE INDEX audit_records_by_time     ON audit_records (time_ns);

-- The single row that holds the end of the audit hash chain.
CREATE TABLE audit_head (
    id       INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    sequence BIGINT  NOT NULL CHECK (sequence >= 0),
    hash     BYTEA   NOT NULL
);

INSERT INTO audit_head (id, sequence, hash) VALUES (1, 0, ''::bytea);

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_records;
DROP TABLE idempotency;
DROP TABLE exchange_rates;
DROP TABLE documents;
