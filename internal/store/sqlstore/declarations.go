package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/eaeu/customs-exchange/internal/store"
)

const declarationColumns = `id, number, status, customs_body, operator, recipient_key, filing_date,
	registration_date, filing_time, update_time, revision, body`

func scanDeclaration(sc interface{ Scan(...any) error }) (store.Declaration, error) {
	var (
		d             store.Declaration
		number        sql.NullString
		filed, update int64
	)
	if err := sc.Scan(&d.ID, &number, &d.Status, &d.CustomsBody, &d.Operator, &d.RecipientKey, &d.FilingDate,
		&d.RegistrationDate, &filed, &update, &d.Revision, &d.Body); err != nil {
		return store.Declaration{}, err
	}
	d.Number = number.String
	d.FilingTime = fromNanos(filed)
	d.UpdateTime = fromNanos(update)
	d.Body = unblob(d.Body)
	return d, nil
}

// nullNumber stores an unassigned number as NULL, so that the unique index
// ignores it.
func nullNumber(n string) sql.NullString { return sql.NullString{String: n, Valid: n != ""} }

func (t *tx) CreateDeclaration(ctx context.Context, d store.Declaration) error {
	what := fmt.Sprintf("declaration %q", d.ID)
	filed, err := toNanos(d.FilingTime, "filing time")
	if err != nil {
		return err
	}
	updated, err := toNanos(d.UpdateTime, "update time")
	if err != nil {
		return err
	}
	return t.insertOrExists(ctx, what,
		`INSERT INTO declarations (`+declarationColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT DO NOTHING`,
		d.ID, nullNumber(d.Number), d.Status, d.CustomsBody, d.Operator, d.RecipientKey, d.FilingDate,
		d.RegistrationDate, filed, updated, blob(d.Body))
}

func (t *tx) GetDeclaration(ctx context.Context, id string) (store.Declaration, error) {
	d, err := scanDeclaration(t.queryRow(ctx, `SELECT `+declarationColumns+` FROM declarations WHERE id = ?`, id))
	if err != nil {
		return d, notFound(err, fmt.Sprintf("declaration %q", id))
	}
	return d, nil
}

func (t *tx) GetDeclarationByNumber(ctx context.Context, number string) (store.Declaration, error) {
	d, err := scanDeclaration(t.queryRow(ctx, `SELECT `+declarationColumns+` FROM declarations WHERE number = ?`, number))
	if err != nil {
		return d, notFound(err, fmt.Sprintf("declaration number %q", number))
	}
	return d, nil
}

func (t *tx) UpdateDeclaration(ctx context.Context, d store.Declaration, expectRevision int64) error {
	what := fmt.Sprintf("declaration %q", d.ID)
	updated, err := toNanos(d.UpdateTime, "update time")
	if err != nil {
		return err
	}
	var rev int64
	if err := t.queryRow(ctx, `SELECT revision FROM declarations WHERE id = ?`, d.ID).Scan(&rev); err != nil {
		return notFound(err, what)
	}
	if rev != expectRevision {
		return fmt.Errorf("%w: %s is at revision %d, not %d", store.ErrConflict, what, rev, expectRevision)
	}
	if d.Number != "" {
		// Refuse a taken number before writing: a unique violation would
		// abort a PostgreSQL transaction.
		var other string
		err := t.queryRow(ctx, `SELECT id FROM declarations WHERE number = ? AND id <> ?`, d.Number, d.ID).Scan(&other)
		switch {
		case err == nil:
			return fmt.Errorf("%w: %s: number %q is taken by %q", store.ErrAlreadyExists, what, d.Number, other)
		case !isNoRows(err):
			return fmt.Errorf("store: update %s: %w", what, err)
		}
	}
	res, err := t.exec(ctx,
		`UPDATE declarations SET number = ?, status = ?, customs_body = ?, operator = ?, recipient_key = ?,
		 filing_date = ?, registration_date = ?, update_time = ?, body = ?, revision = revision + 1
		 WHERE id = ? AND revision = ?`,
		nullNumber(d.Number), d.Status, d.CustomsBody, d.Operator, d.RecipientKey, d.FilingDate,
		d.RegistrationDate, updated, blob(d.Body), d.ID, expectRevision)
	if err != nil {
		if t.s.d.IsUniqueViolation(err) {
			return fmt.Errorf("%w: %s: number %q is taken", store.ErrAlreadyExists, what, d.Number)
		}
		return fmt.Errorf("store: update %s: %w", what, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("%w: %s changed concurrently from revision %d", store.ErrConflict, what, expectRevision)
	}
	return nil
}

func (t *tx) ListDeclarations(ctx context.Context, q store.DeclarationQuery) ([]store.Declaration, error) {
	if err := checkLimit(q.Limit); err != nil {
		return nil, err
	}
	lq := selectFrom(declarationColumns, "declarations").eq("status", q.Status).eq("operator", q.Operator).
		eq("recipient_key", q.RecipientKey).where("filing_date >= ?", q.FiledFrom).where("filing_date <= ?", q.FiledTo)
	if q.Before != nil {
		if err := lq.before("filing_time", q.Before.FilingTime, q.Before.ID); err != nil {
			return nil, err
		}
	}
	query, args := lq.newestFirst("filing_time", q.Limit)
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list declarations: %w", err)
	}
	defer rows.Close()
	var out []store.Declaration
	for rows.Next() {
		d, err := scanDeclaration(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list declarations: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list declarations: %w", err)
	}
	return out, nil
}

func (t *tx) Counter(ctx context.Context, counter string) (int64, error) {
	var v int64
	err := t.queryRow(ctx, `SELECT value FROM counters WHERE name = ?`, counter).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: counter %q: %w", counter, err)
	}
	return v, nil
}

func (t *tx) NextSerial(ctx context.Context, counter string) (int64, error) {
	var v int64
	err := t.queryRow(ctx,
		`INSERT INTO counters (name, value) VALUES (?, 1)
		 ON CONFLICT (name) DO UPDATE SET value = counters.value + 1
		 RETURNING value`, counter).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("store: counter %q: %w", counter, err)
	}
	return v, nil
}
