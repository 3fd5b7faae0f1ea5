-- Customs-to-customs exchange: requests for copies of documents and
-- information (EAEU Customs Code art. 371) with their events and
-- attachments, regular-exchange records with a global sequence, cursors,
-- subscriptions and agreements, notices, and the durable outbox of
-- messages to peer nodes, written in the transaction of the change.

-- +goose Up
CREATE TABLE exchange_requests (
    id           TEXT    NOT NULL PRIMARY KEY,
    direction    TEXT    NOT NULL,
    peer_code    TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    deadline     TEXT    NOT NULL,
    refusal_from TEXT    NOT NULL,
    create_time  INTEGER NOT NULL,
    update_time  INTEGER NOT NULL,
    revision     INTEGER NOT NULL CHECK (revision >= 1),
    body         BLOB    NOT NULL
) STRICT;

CREATE INDEX exchange_requests_recent ON exchange_requests (create_time DESC, id DESC);
CREATE INDEX exchange_requests_direction ON exchange_requests (direction, create_time DESC, id DESC);
CREATE INDEX exchange_requests_status ON exchange_requests (status, deadline);

CREATE TABLE exchange_request_events (
    request_id TEXT    NOT NULL REFERENCES exchange_requests (id),
    seq        INTEGER NOT NULL CHECK (seq >= 1),
    id         TEXT    NOT NULL UNIQUE,
    kind       TEXT    NOT NULL,
    time_ns    INTEGER NOT NULL,
    body       BLOB    NOT NULL,
    PRIMARY KEY (request_id, seq)
) STRICT;

CREATE TABLE exchange_attachments (
    id          TEXT    NOT NULL PRIMARY KEY,
    request_id  TEXT    NOT NULL REFERENCES exchange_requests (id),
    file_name   TEXT    NOT NULL,
    media_type  TEXT    NOT NULL,
    size_bytes  INTEGER NOT NULL CHECK (size_bytes >= 0),
    sha256      TEXT    NOT NULL,
    complete    INTEGER NOT NULL CHECK (complete IN (0, 1)),
    chunks      INTEGER NOT NULL CHECK (chunks >= 0),
    create_time INTEGER NOT NULL,
    update_time INTEGER NOT NULL
) STRICT;

CREATE INDEX exchange_attachments_request ON exchange_attachments (request_id, create_time, id);

-- Attachment content in chunks: written and read one chunk at a time.
CREATE TABLE exchange_attachment_chunks (
    attachment_id TEXT    NOT NULL REFERENCES exchange_attachments (id),
    idx           INTEGER NOT NULL CHECK (idx >= 0),
    data          BLOB    NOT NULL,
    PRIMARY KEY (attachment_id, idx)
) STRICT;

-- Counters whose row lock orders the sequences by commit.
CREATE TABLE exchange_counters (
    name  TEXT    NOT NULL PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT;

CREATE TABLE exchange_records (
    seq              INTEGER NOT NULL PRIMARY KEY CHECK (seq >= 1),
    record_id        TEXT    NOT NULL,
    version          INTEGER NOT NULL CHECK (version >= 1),
    kind             TEXT    NOT NULL,
    content_type     TEXT    NOT NULL,
    data             BLOB    NOT NULL,
    amendment_reason TEXT    NOT NULL,
    publish_time     INTEGER NOT NULL,
    UNIQUE (record_id, version)
) STRICT;

CREATE INDEX exchange_records_kind ON exchange_records (kind, seq);

CREATE TABLE exchange_received_records (
    peer_code        TEXT    NOT NULL,
    record_id        TEXT    NOT NULL,
    version          INTEGER NOT NULL CHECK (version >= 1),
    peer_seq         INTEGER NOT NULL,
    kind             TEXT    NOT NULL,
    content_type     TEXT    NOT NULL,
    data             BLOB    NOT NULL,
    amendment_reason TEXT    NOT NULL,
    publish_time     INTEGER NOT NULL,
    receive_time     INTEGER NOT NULL,
    PRIMARY KEY (peer_code, record_id, version)
) STRICT;

CREATE INDEX exchange_received_records_seq ON exchange_received_records (peer_code, peer_seq);

-- This node's pull of a peer: the cursor it resumes from.
CREATE TABLE exchange_subscriptions (
    peer_code          TEXT    NOT NULL PRIMARY KEY,
    position           INTEGER NOT NULL CHECK (position >= 0),
    records_received   INTEGER NOT NULL,
    duplicates_skipped INTEGER NOT NULL,
    last_error         TEXT    NOT NULL,
    last_receive_time  INTEGER NOT NULL,
    create_time        INTEGER NOT NULL,
    update_time        INTEGER NOT NULL
) STRICT;

-- A peer's pull of this node: the last position it resumed from.
CREATE TABLE exchange_peer_cursors (
    peer_code   TEXT    NOT NULL PRIMARY KEY,
    position    INTEGER NOT NULL CHECK (position >= 0),
    update_time INTEGER NOT NULL
) STRICT;

CREATE TABLE exchange_agreements (
    peer_code   TEXT    NOT NULL PRIMARY KEY,
    revision    INTEGER NOT NULL CHECK (revision >= 1),
    create_time INTEGER NOT NULL,
    update_time INTEGER NOT NULL,
    body        BLOB    NOT NULL
) STRICT;

CREATE TABLE exchange_notices (
    id          TEXT    NOT NULL PRIMARY KEY,
    direction   TEXT    NOT NULL,
    peer_code   TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    create_time INTEGER NOT NULL,
    update_time INTEGER NOT NULL,
    revision    INTEGER NOT NULL CHECK (revision >= 1),
    body        BLOB    NOT NULL
) STRICT;

CREATE INDEX exchange_notices_recent ON exchange_notices (create_time DESC, id DESC);

-- Messages to peer nodes, delivered in seq order per peer; the id is the
-- idempotency key the peer applies a message once by.
CREATE TABLE exchange_outbox (
    seq            INTEGER NOT NULL PRIMARY KEY CHECK (seq >= 1),
    id             TEXT    NOT NULL UNIQUE,
    peer_code      TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    subject        TEXT    NOT NULL,
    payload        BLOB    NOT NULL,
    attachment_id  TEXT    NOT NULL,
    state          TEXT    NOT NULL,
    attempts       INTEGER NOT NULL CHECK (attempts >= 0),
    next_attempt   INTEGER NOT NULL,
    lease_until    INTEGER NOT NULL,
    last_error     TEXT    NOT NULL,
    create_time    INTEGER NOT NULL,
    update_time    INTEGER NOT NULL,
    delivered_time INTEGER NOT NULL
) STRICT;

CREATE INDEX exchange_outbox_heads ON exchange_outbox (state, peer_code, seq);

-- +goose Down
DROP TABLE exchange_outbox;
DROP TABLE exchange_notices;
DROP TABLE exchange_agreements;
DROP TABLE exchange_peer_cursors;
DROP TABLE exchange_subscriptions;
DROP TABLE exchange_received_records;
DROP TABLE exchange_records;
DROP TABLE exchange_counters;
DROP TABLE exchange_attachment_chunks;
DROP TABLE exchange_attachments;
DROP TABLE exchange_request_events;
DROP TABLE exchange_requests;
