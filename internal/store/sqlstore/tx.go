package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/eaeu/customs-exchange/internal/store"
)

// tx implements store.Tx over one *sql.Tx.
type tx struct {
	s        *Store
	tx       *sql.Tx
	readOnly bool
	cache    *stmtCache // prepared statements of the pool; nil: none
	detached bool       // statements ignore ctx's end (see groupCommit)
}

var _ store.Tx = (*tx)(nil)

func (t *tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx, q, st := t.statement(ctx, query)
	if st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, q, args...)
}

func (t *tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx, q, st := t.statement(ctx, query)
	if st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, q, args...)
}

func (t *tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	ctx, q, st := t.statement(ctx, query)
	if st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, q, args...)
}

// insertOrExists runs an INSERT ... ON CONFLICT DO NOTHING and reports
// ErrAlreadyExists when no row was inserted. Avoiding the unique violation
// keeps a PostgreSQL transaction usable after the refusal (a failed
// statement would abort it), so a caller can still record the outcome.
func (t *tx) insertOrExists(ctx context.Context, what string, query string, args ...any) error {
	res, err := t.exec(ctx, query, args...)
	if err != nil {
		if t.s.d.IsUniqueViolation(err) {
			return fmt.Errorf("%w: %s", store.ErrAlreadyExists, what)
		}
		return fmt.Errorf("store: insert %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: insert %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: %s", store.ErrAlreadyExists, what)
	}
	return nil
}

// notFound maps sql.ErrNoRows to store.ErrNotFound and wraps other errors.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %s", store.ErrNotFound, what)
	}
	return fmt.Errorf("store: read %s: %w", what, err)
}

func checkLimit(limit int) error {
	if limit <= 0 {
		return fmt.Errorf("store: limit must be positive, got %d", limit)
	}
	return nil
}

var (
	minNanosTime = time.Unix(0, math.MinInt64+1)
	maxNanosTime = time.Unix(0, math.MaxInt64)
)

// toNanos is the stored form of a time: Unix nanoseconds, so that it
// round-trips exactly. The zero time is stored as 0; times that Unix
// nanoseconds cannot hold (before 1678 or after 2262) are refused.
func toNanos(t time.Time, what string) (int64, error) {
	if t.IsZero() {
		return 0, nil
	}
	if t.Before(minNanosTime) || t.After(maxNanosTime) {
		return 0, fmt.Errorf("store: %s %s is out of the storable range", what, t.Format(time.RFC3339Nano))
	}
	return t.UnixNano(), nil
}

// clampNanos is t in Unix nanoseconds, clamped to what int64 holds: a
// filter bound far in the past or future still compares correctly.
func clampNanos(t time.Time) int64 {
	switch {
	case t.Before(minNanosTime):
		return math.MinInt64 + 1
	case t.After(maxNanosTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// fromNanos reverses toNanos; times come back in UTC.
func fromNanos(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

// blob is the stored form of a byte slice: never NULL, so that empty and
// absent both read back as empty.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// unblob normalizes an empty blob read back to nil.
func unblob(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
