package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/eaeu/customs-exchange/internal/store"
)

const dateLayout = "2006-01-02"

// rateColumns reads the rate as text on both engines: NUMERIC::text keeps
// the stored scale on PostgreSQL, and SQLite stores the text as written.
const rateColumns = `currency, effective_date, CAST(rate AS TEXT), create_time`

// dateArg is the stored form of a date: its UTC calendar day as
// 'YYYY-MM-DD' (TEXT on SQLite, parsed into DATE by PostgreSQL), which
// orders correctly as text and as a date.
func dateArg(t time.Time) (string, error) {
	u := t.UTC()
	if y := u.Year(); y < 1 || y > 9999 {
		return "", fmt.Errorf("store: date %s is out of range", t.Format(time.RFC3339))
	}
	return u.Format(dateLayout), nil
}

// dateValue scans a date column: DATE arrives as time.Time from pgx, TEXT
// as a string from SQLite. It yields UTC midnight of that day.
type dateValue struct{ t time.Time }

func (d *dateValue) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		y, m, day := v.Date()
		d.t = time.Date(y, m, day, 0, 0, 0, 0, time.UTC)
		return nil
	case string:
		return d.parse(v)
	case []byte:
		return d.parse(string(v))
	default:
		return fmt.Errorf("store: cannot read a date from %T", src)
	}
}

func (d *dateValue) parse(s string) error {
	if len(s) > len(dateLayout) { // tolerate a time part
		s = s[:len(dateLayout)]
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return fmt.Errorf("store: bad stored date %q: %w", s, err)
	}
	d.t = t
	return nil
}

func scanRate(sc interface{ Scan(...any) error }) (store.ExchangeRate, error) {
	var (
		r       store.ExchangeRate
		date    dateValue
		rate    string
		created int64
	)
	if err := sc.Scan(&r.Currency, &date, &rate, &created); err != nil {
		return store.ExchangeRate{}, err
	}
	if _, _, err := r.Rate.SetString(strings.TrimSpace(rate)); err != nil {
		return store.ExchangeRate{}, fmt.Errorf("store: bad stored rate %q: %w", rate, err)
	}
	r.EffectiveDate = date.t
	r.CreateTime = fromNanos(created)
	return r, nil
}

func (t *tx) CreateExchangeRate(ctx context.Context, r store.ExchangeRate) error {
	u := r.EffectiveDate.UTC()
	if u.Hour() != 0 || u.Minute() != 0 || u.Second() != 0 || u.Nanosecond() != 0 {
		return fmt.Errorf("store: effective date %s of %s is not a UTC midnight", r.EffectiveDate.Format(time.RFC3339Nano), r.Currency)
	}
	date, err := dateArg(u)
	if err != nil {
		return err
	}
	if r.Rate.Form != apd.Finite {
		return fmt.Errorf("store: rate of %s on %s is not a finite number", r.Currency, date)
	}
	created, err := toNanos(r.CreateTime, "create time")
	if err != nil {
		return err
	}
	return t.insertOrExists(ctx, fmt.Sprintf("exchange rate %s on %s", r.Currency, date),
		`INSERT INTO exchange_rates (currency, effective_date, rate, create_time) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		r.Currency, date, r.Rate.Text('f'), created)
}

func (t *tx) GetExchangeRate(ctx context.Context, currency string, effective time.Time) (store.ExchangeRate, error) {
	date, err := dateArg(effective)
	if err != nil {
		return store.ExchangeRate{}, err
	}
	r, err := scanRate(t.queryRow(ctx,
		`SELECT `+rateColumns+` FROM exchange_rates WHERE currency = ? AND effective_date = ?`, currency, date))
	if err != nil {
		return store.ExchangeRate{}, notFound(err, fmt.Sprintf("exchange rate %s on %s", currency, date))
	}
	return r, nil
}

func (t *tx) ResolveExchangeRate(ctx context.Context, currency string, date time.Time) (store.ExchangeRate, error) {
	day, err := dateArg(date)
	if err != nil {
		return store.ExchangeRate{}, err
	}
	r, err := scanRate(t.queryRow(ctx,
		`SELECT `+rateColumns+` FROM exchange_rates WHERE currency = ? AND effective_date <= ?
		 ORDER BY effective_date DESC LIMIT 1`, currency, day))
	if err != nil {
		return store.ExchangeRate{}, notFound(err, fmt.Sprintf("exchange rate %s in force on %s", currency, day))
	}
	return r, nil
}

func (t *tx) ListExchangeRates(ctx context.Context, currency string, after *store.RateCursor, limit int) ([]store.ExchangeRate, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	var (
		b    strings.Builder
		args []any
		conj = " WHERE "
	)
	b.WriteString(`SELECT ` + rateColumns + ` FROM exchange_rates`)
	if currency != "" {
		b.WriteString(conj + `currency = ?`)
		args = append(args, currency)
		conj = " AND "
	}
	if after != nil {
		date, err := dateArg(after.EffectiveDate)
		if err != nil {
			return nil, err
		}
		b.WriteString(conj + `(effective_date < ? OR (effective_date = ? AND currency > ?))`)
		args = append(args, date, date, after.Currency)
	}
	b.WriteString(` ORDER BY effective_date DESC, currency ASC LIMIT ?`)
	args = append(args, limit)

	rows, err := t.query(ctx, b.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list exchange rates: %w", err)
	}
	defer rows.Close()
	var out []store.ExchangeRate
	for rows.Next() {
		r, err := scanRate(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list exchange rates: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list exchange rates: %w", err)
	}
	return out, nil
}
