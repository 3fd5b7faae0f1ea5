-- The initial SQLite schema. Times are INTEGER Unix nanoseconds (UTC),
-- dates 'YYYY-MM-DD' text, exchange rates decimal text, blobs BLOB.

-- +goose Up
CREATE TABLE documents (
    kind        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    scope       TEXT    NOT NULL,
    sort_key    TEXT    NOT NULL,
    body        BLOB    NOT NULL,
    revision    INTEGER NOT NULL CHECK (revision >= 1),
    create_time INTEGER NOT NULL,
    update_time INTEGER NOT NULL,
    PRIMARY KEY (kind, name),
    UNIQUE (kind, sort_key)
) STRICT;

CREATE INDEX documents_scope ON documents (kind, scope, sort_key);

CREATE TABLE exchange_rates (
    currency       TEXT    NOT NULL,
    effective_date TEXT    NOT NULL
        CHECK (effective_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    rate           TEXT    NOT NULL,
    create_time    INTEGER NOT NULL,
    PRIMARY KEY (currency, effective_date)
) STRICT;

CREATE INDEX exchange_rates_by_date ON exchange_rates (effective_date, currency);

CREATE TABLE idempotency (
    key          TEXT    NOT NULL PRIMARY KEY,
    request_hash BLOB    NOT NULL,
    response     BLOB    NOT NULL,
    create_time  INTEGER NOT NULL
) STRICT;

CREATE INDEX idempotency_by_time ON idempotency (create_time);

CREATE TABLE audit_records (
    sequence           INTEGER NOT NULL PRIMARY KEY CHECK (sequence >= 1),
    time_ns            INTEGER NOT NULL,
    actor_subject      TEXT    NOT NULL,
    actor_role         TEXT    NOT NULL,
    actor_member_state TEXT    NOT NULL,
    method             TEXT    NOT NULL,
    resource           TEXT    NOT NULL,
    request_id         TEXT    NOT NULL,
    outcome            TEXT    NOT NULL,
    status_code        TEXT    NOT NULL,
    detail             TEXT    NOT NULL,
    prev_hash          BLOB    NOT NULL,
    hash               BLOB    NOT NULL
) STRICT;

CREATE INDEX audit_records_by_actor    ON audit_records (actor_subject, sequence);
CREATE INDEX audit_records_by_method   ON audit_records (method, sequence);
CREATE INDEX audit_records_by_resource ON audit_records (resource, sequence);
CREATE INDEX audit_records_by_outcome  ON audit_records (outcome, sequence);
CREATE INDEX audit_records_by_time     ON audit_records (time_ns);

-- The single row that holds the end of the audit hash chain.
CREATE TABLE audit_head (
    id       INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    sequence INTEGER NOT NULL CHECK (sequence >= 0),
    hash     BLOB    NOT NULL
) STRICT;

INSERT INTO audit_head (id, sequence, hash) VALUES (1, 0, X'');

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_records;
DROP TABLE idempotency;
DROP TABLE exchange_rates;
DROP TABLE documents;
