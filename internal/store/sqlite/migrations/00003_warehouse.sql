-- E-commerce goods for sale to individuals in an operator's customs
-- warehouse (EAEU Customs Code art. 309.6): one row per purchased item.

-- +goose Up
CREATE TABLE warehouse_purchases (
    id            TEXT    NOT NULL PRIMARY KEY,
    operator      TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    deadline      TEXT    NOT NULL,
    purchase_date TEXT    NOT NULL,
    create_time   INTEGER NOT NULL,
    update_time   INTEGER NOT NULL,
    revision      INTEGER NOT NULL CHECK (revision >= 1),
    body          BLOB    NOT NULL
) STRICT;

CREATE INDEX warehouse_purchases_recent ON warehouse_purchases (create_time DESC, id DESC);
CREATE INDEX warehouse_purchases_operator ON warehouse_purchases (operator, create_time DESC, id DESC);
CREATE INDEX warehouse_purchases_status ON warehouse_purchases (status, create_time DESC, id DESC);
CREATE INDEX warehouse_purchases_open_deadline ON warehouse_purchases (deadline, id) WHERE status = 'OPEN';

-- +goose Down
DROP TABLE warehouse_purchases;
