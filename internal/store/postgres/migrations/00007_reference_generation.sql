-- The generation of the data that checks and prices a declaration: the
-- customs bodies, duty schedules, calendars and exchange rates, and the
-- register of e-commerce operators. Every change to them moves the counter
-- 'generation/reference', so that a filing checked outside the writer can
-- tell at commit whether what it read is still current.

-- +goose Up
INSERT INTO counters (name, value) VALUES ('generation/reference', 1)
    ON CONFLICT (name) DO NOTHING;

-- +goose StatementBegin
CREATE FUNCTION bump_reference_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'generation/reference';
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER documents_reference_insert AFTER INSERT ON documents
    FOR EACH ROW WHEN (NEW.kind IN ('customs_body', 'duty_schedule', 'calendar', 'operator'))
    EXECUTE FUNCTION bump_reference_generation();
CREATE TRIGGER documents_reference_update AFTER UPDATE ON documents
    FOR EACH ROW WHEN (NEW.kind IN ('customs_body', 'duty_schedule', 'calendar', 'operator')
                    OR OLD.kind IN ('customs_body', 'duty_schedule', 'calendar', 'operator'))
    EXECUTE FUNCTION bump_reference_generation();
CREATE TRIGGER documents_reference_delete AFTER DELETE ON documents
    FOR EACH ROW WHEN (OLD.kind IN ('customs_body', 'duty_schedule', 'calendar', 'operator'))
    EXECUTE FUNCTION bump_reference_generation();
CREATE TRIGGER exchange_rates_change AFTER INSERT OR UPDATE OR DELETE ON exchange_rates
    FOR EACH ROW EXECUTE FUNCTION bump_reference_generation();

-- +goose Down
DROP TRIGGER exchange_rates_change ON exchange_rates;
DROP TRIGGER documents_reference_delete ON documents;
DROP TRIGGER documents_reference_update ON documents;
DROP TRIGGER documents_reference_insert ON documents;
DROP FUNCTION bump_reference_generation();
DELETE FROM counters WHERE name = 'generation/reference';
