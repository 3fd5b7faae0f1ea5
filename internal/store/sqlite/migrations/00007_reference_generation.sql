-- The generation of the data that checks and prices a declaration: the
-- customs bodies, duty schedules, calendars and exchange rates, and the
-- register of e-commerce operators. Every change to them moves the counter
-- 'generation/reference', so that a filing checked outside the writer can
-- tell at commit whether what it read is still current.

-- +goose Up
INSERT INTO counters (name, value) VALUES ('generation/reference', 1)
    ON CONFLICT (name) DO NOTHING;

-- +goose StatementBegin
CREATE TRIGGER documents_reference_insert AFTER INSERT ON documents
WHEN NEW.kind IN ('customs_body', 'duty_schedule', 'calendar', 'operator')
BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'generation/reference';
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER documents_reference_update AFTER UPDATE ON documents
WHEN NEW.kind IN ('customs_body', 'duty_schedule', 'calendar', 'operator')
  OR OLD.kind IN ('customs_body', 'duty_schedule', 'calendar', 'operator')
BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'generation/reference';
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER documents_reference_delete AFTER DELETE ON documents
WHEN OLD.kind IN ('customs_body', 'duty_schedule', 'calendar', 'operator')
BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'generation/reference';
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER exchange_rates_insert AFTER INSERT ON exchange_rates
BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'generation/reference';
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER exchange_rates_update AFTER UPDATE ON exchange_rates
BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'generation/reference';
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER exchange_rates_delete AFTER DELETE ON exchange_rates
BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'generation/reference';
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER exchange_rates_delete;
DROP TRIGGER exchange_rates_update;
DROP TRIGGER exchange_rates_insert;
DROP TRIGGER documents_reference_delete;
DROP TRIGGER documents_reference_update;
DROP TRIGGER documents_reference_insert;
DELETE FROM counters WHERE name = 'generation/reference';
