-- E-commerce goods for sale to individuals in an operator's customs
-- warehouse (EAEU Customs Code art. 309.6): one row per purchased item.

-- +goose Up
CREATE TABLE warehouse_purchases (
    id            TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    operator      TEXT COLLATE "C" NOT NULL,
    status        TEXT COLLATE "C" NOT NULL,
    deadline      TEXT COLLATE "C" NOT NULL,
    purchase_date TEXT COLLATE "C" NOT NULL,
    create_time   BIGINT NOT NULL,
    update_time   BIGINT NOT NULL,
    revision      BIGINT NOT NULL CHECK (revision >= 1),
    body          BYTEA  NOT NULL
);

CREATE INDEX warehouse_purchases_recent ON warehouse_purchases (create_time DESC, id DESC);
CREATE INDEX warehouse_purchases_operator ON warehouse_purchases (operator, create_time DESC, id DESC);
CREATE INDEX warehouse_purchases_status ON warehouse_purchases (status, create_time DESC, id DESC);
CREATE INDEX warehouse_purchases_open_deadline ON warehouse_purchases (deadline, id) WHERE status = 'OPEN';

-- +goose Down
DROP TABLE warehouse_purchases;
