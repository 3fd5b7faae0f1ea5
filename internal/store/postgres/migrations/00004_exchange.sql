-- Customs-to-customs exchange: requests for copies of documents and
-- information (EAEU Customs Code art. 371) with their events and
-- attachments, regular-exchange records with a global sequence, cursors,
-- subscriptions and agreements, notices, and the durable outbox of
-- messages to peer nodes, written in the transaction of the change.

-- +goose Up
CREATE TABLE exchange_requests (
    id           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    direction    TEXT COLLATE "C" NOT NULL,
    peer_code    TEXT COLLATE "C" NOT NULL,
    status       TEXT COLLATE "C" NOT NULL,
    deadline     TEXT COLLATE "C" NOT NULL,
    refusal_from TEXT COLLATE "C" NOT NULL,
    create_time  BIGINT NOT NULL,
    update_time  BIGINT NOT NULL,
    revision     BIGINT NOT NULL CHECK (revision >= 1),
    body         BYTEA NOT NULL
);

CREATE INDEX exchange_requests_recent ON exchange_requests (create_time DESC, id DESC);
CREATE INDEX exchange_requests_direction ON exchange_requests (direction, create_time DESC, id DESC);
CREATE INDEX exchange_requests_status ON exchange_requests (status, deadline);

CREATE TABLE exchange_request_events (
    request_id TEXT COLLATE "C" NOT NULL REFERENCES exchange_requests (id),
    seq        BIGINT NOT NULL CHECK (seq >= 1),
    id         TEXT COLLATE "C" NOT NULL UNIQUE,
    kind       TEXT COLLATE "C" NOT NULL,
    time_ns    BIGINT NOT NULL,
    body       BYTEA NOT NULL,
    PRIMARY KEY (request_id, seq)
);

CREATE TABLE exchange_attachments (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    request_id  TEXT COLLATE "C" NOT NULL REFERENCES exchange_requests (id),
    file_name   TEXT COLLATE "C" NOT NULL,
    media_type  TEXT COLLATE "C" NOT NULL,
    size_bytes  BIGINT NOT NULL CHECK (size_bytes >= 0),
    sha256      TEXT COLLATE "C" NOT NULL,
    complete    BIGINT NOT NULL CHECK (complete IN (0, 1)),
    chunks      BIGINT NOT NULL CHECK (chunks >= 0),
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL
);

CREATE INDEX exchange_attachments_request ON exchange_attachments (request_id, create_time, id);

-- Attachment content in chunks: written and read one chunk at a time.
CREATE TABLE exchange_attachment_chunks (
    attachment_id TEXT COLLATE "C" NOT NULL REFERENCES exchange_attachments (id),
    idx           BIGINT NOT NULL CHECK (idx >= 0),
    data          BYTEA NOT NULL,
    PRIMARY KEY (attachment_id, idx)
);

-- Counters whose row lock orders the sequences by commit.
CREATE TABLE exchange_counters (
    name  TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    value BIGINT NOT NULL
);

CREATE TABLE exchange_records (
    seq              BIGINT NOT NULL PRIMARY KEY CHECK (seq >= 1),
    record_id        TEXT COLLATE "C" NOT NULL,
    version          BIGINT NOT NULL CHECK (version >= 1),
    kind             TEXT COLLATE "C" NOT NULL,
    content_type     TEXT COLLATE "C" NOT NULL,
    data             BYTEA NOT NULL,
    amendment_reason TEXT COLLATE "C" NOT NULL,
    publish_time     BIGINT NOT NULL,
    UNIQUE (record_id, version)
);

CREATE INDEX exchange_records_kind ON exchange_records (kind, seq);

CREATE TABLE exchange_received_records (
    peer_code        TEXT COLLATE "C" NOT NULL,
    record_id        TEXT COLLATE "C" NOT NULL,
    version          BIGINT NOT NULL CHECK (version >= 1),
    peer_seq         BIGINT NOT NULL,
    kind             TEXT COLLATE "C" NOT NULL,
    content_type     TEXT COLLATE "C" NOT NULL,
    data             BYTEA NOT NULL,
    amendment_reason TEXT COLLATE "C" NOT NULL,
    publish_time     BIGINT NOT NULL,
    receive_time     BIGINT NOT NULL,
    PRIMARY KEY (peer_code, record_id, version)
);

CREATE INDEX exchange_received_records_seq ON exchange_received_records (peer_code, peer_seq);

-- This node's pull of a peer: the cursor it resumes from.
CREATE TABLE exchange_subscriptions (
    peer_code          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    position           BIGINT NOT NULL CHECK (position >= 0),
    records_received   BIGINT NOT NULL,
    duplicates_skipped BIGINT NOT NULL,
    last_error         TEXT COLLATE "C" NOT NULL,
    last_receive_time  BIGINT NOT NULL,
    create_time        BIGINT NOT NULL,
    update_time        BIGINT NOT NULL
);

-- A peer's pull of this node: the last position it resumed from.
CREATE TABLE exchange_peer_cursors (
    peer_code   TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    position    BIGINT NOT NULL CHECK (position >= 0),
    update_time BIGINT NOT NULL
);

CREATE TABLE exchange_agreements (
    peer_code   TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    revision    BIGINT NOT NULL CHECK (revision >= 1),
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    body        BYTEA NOT NULL
);

CREATE TABLE exchange_notices (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    direction   TEXT COLLATE "C" NOT NULL,
    peer_code   TEXT COLLATE "C" NOT NULL,
    status      TEXT COLLATE "C" NOT NULL,
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    revision    BIGINT NOT NULL CHECK (revision >= 1),
    body        BYTEA NOT NULL
);

CREATE INDEX exchange_notices_recent ON exchange_notices (create_time DESC, id DESC);

-- Messages to peer nodes, delivered in seq order per peer; the id is the
-- idempotency key the peer applies a message once by.
CREATE TABLE exchange_outbox (
    seq            BIGINT NOT NULL PRIMARY KEY CHECK (seq >= 1),
    id             TEXT COLLATE "C" NOT NULL UNIQUE,
    peer_code      TEXT COLLATE "C" NOT NULL,
    kind           TEXT COLLATE "C" NOT NULL,
    subject        TEXT COLLATE "C" NOT NULL,
    payload        BYTEA NOT NULL,
    attachment_id  TEXT COLLATE "C" NOT NULL,
    state          TEXT COLLATE "C" NOT NULL,
    attempts       BIGINT NOT NULL CHECK (attempts >= 0),
    next_attempt   BIGINT NOT NULL,
    lease_until    BIGINT NOT NULL,
    last_error     TEXT COLLATE "C" NOT NULL,
    create_time    BIGINT NOT NULL,
    update_time    BIGINT NOT NULL,
    delivered_time BIGINT NOT NULL
);

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
