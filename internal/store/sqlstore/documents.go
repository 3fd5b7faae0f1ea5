package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/eaeu/customs-exchange/internal/store"
)

const documentColumns = `kind, name, scope, sort_key, body, revision, create_time, update_time`

func scanDocument(sc interface{ Scan(...any) error }) (store.Document, error) {
	var (
		d              store.Document
		created, updat int64
	)
	if err := sc.Scan(&d.Kind, &d.Name, &d.Scope, &d.SortKey, &d.Body, &d.Revision, &created, &updat); err != nil {
		return store.Document{}, err
	}
	d.Body = unblob(d.Body)
	d.CreateTime = fromNanos(created)
	d.UpdateTime = fromNanos(updat)
	return d, nil
}

func (t *tx) GetDocument(ctx context.Context, kind, name string) (store.Document, error) {
	d, err := scanDocument(t.queryRow(ctx,
		`SELECT `+documentColumns+` FROM documents WHERE kind = ? AND name = ?`, kind, name))
	if err != nil {
		return store.Document{}, notFound(err, fmt.Sprintf("document %s %q", kind, name))
	}
	return d, nil
}

func (t *tx) CreateDocument(ctx context.Context, d store.Document) error {
	what := fmt.Sprintf("document %s %q", d.Kind, d.Name)
	created, err := toNanos(d.CreateTime, "create time")
	if err != nil {
		return err
	}
	updated, err := toNanos(d.UpdateTime, "update time")
	if err != nil {
		return err
	}
	return t.insertOrExists(ctx, what,
		`INSERT INTO documents (`+documentColumns+`) VALUES (?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT DO NOTHING`,
		d.Kind, d.Name, d.Scope, d.SortKey, blob(d.Body), created, updated)
}

func (t *tx) UpdateDocument(ctx context.Context, d store.Document, expectRevision int64) error {
	what := fmt.Sprintf("document %s %q", d.Kind, d.Name)
	updated, err := toNanos(d.UpdateTime, "update time")
	if err != nil {
		return err
	}
	var rev int64
	if err := t.queryRow(ctx, `SELECT revision FROM documents WHERE kind = ? AND name = ?`, d.Kind, d.Name).Scan(&rev); err != nil {
		return notFound(err, what)
	}
	if rev != expectRevision {
		return fmt.Errorf("%w: %s is at revision %d, not %d", store.ErrConflict, what, rev, expectRevision)
	}
	// Refuse a sort key taken by another document before writing: a unique
	// violation would abort a PostgreSQL transaction.
	var other string
	err = t.queryRow(ctx,
		`SELECT name FROM documents WHERE kind = ? AND sort_key = ? AND name <> ?`,
		d.Kind, d.SortKey, d.Name).Scan(&other)
	switch {
	case err == nil:
		return fmt.Errorf("%w: %s: sort key %q is taken by %q", store.ErrAlreadyExists, what, d.SortKey, other)
	case !isNoRows(err):
		return fmt.Errorf("store: update %s: %w", what, err)
	}
	// The revision guard makes the write safe against a concurrent update
	// between the read above and here.
	res, err := t.exec(ctx,
		`UPDATE documents SET scope = ?, sort_key = ?, body = ?, update_time = ?, revision = revision + 1
		 WHERE kind = ? AND name = ? AND revision = ?`,
		d.Scope, d.SortKey, blob(d.Body), updated, d.Kind, d.Name, expectRevision)
	if err != nil {
		if t.s.d.IsUniqueViolation(err) {
			return fmt.Errorf("%w: %s: sort key %q is taken", store.ErrAlreadyExists, what, d.SortKey)
		}
		return fmt.Errorf("store: update %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: update %s: %w", what, err)
	}
	if n != 1 {
		return fmt.Errorf("%w: %s changed concurrently from revision %d", store.ErrConflict, what, expectRevision)
	}
	return nil
}

func (t *tx) ListDocuments(ctx context.Context, q store.DocumentQuery) ([]store.Document, error) {
	if err := checkLimit(q.Limit); err != nil {
		return nil, err
	}
	var (
		b    strings.Builder
		args = []any{q.Kind}
	)
	b.WriteString(`SELECT ` + documentColumns + ` FROM documents WHERE kind = ?`)
	if q.Scope != "" {
		b.WriteString(` AND scope = ?`)
		args = append(args, q.Scope)
	}
	if q.AfterSort != "" {
		if q.Descending {
			b.WriteString(` AND sort_key < ?`)
		} else {
			b.WriteString(` AND sort_key > ?`)
		}
		args = append(args, q.AfterSort)
	}
	if q.Descending {
		b.WriteString(` ORDER BY sort_key DESC`)
	} else {
		b.WriteString(` ORDER BY sort_key ASC`)
	}
	b.WriteString(` LIMIT ?`)
	args = append(args, q.Limit)

	rows, err := t.query(ctx, b.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list documents %s: %w", q.Kind, err)
	}
	defer rows.Close()
	var out []store.Document
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list documents %s: %w", q.Kind, err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list documents %s: %w", q.Kind, err)
	}
	return out, nil
}
