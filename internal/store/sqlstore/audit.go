package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/eaeu/customs-exchange/internal/store"
)

// scanPageSize is how many audit records ScanAudit reads per query.
const scanPageSize = 1000

const auditColumns = `sequence, time_ns, actor_subject, actor_role, actor_member_state, method,
	resource, request_id, outcome, status_code, detail, prev_hash, hash`

func scanAudit(sc interface{ Scan(...any) error }) (store.AuditRecord, error) {
	var (
		r  store.AuditRecord
		ns int64
	)
	if err := sc.Scan(&r.Sequence, &ns, &r.ActorSubject, &r.ActorRole, &r.ActorMemberState, &r.Method,
		&r.Resource, &r.RequestID, &r.Outcome, &r.StatusCode, &r.Detail, &r.PrevHash, &r.Hash); err != nil {
		return store.AuditRecord{}, err
	}
	r.Time = time.Unix(0, ns).UTC() // exact: no zero-time mapping here
	r.PrevHash = unblob(r.PrevHash)
	r.Hash = unblob(r.Hash)
	return r, nil
}

// AuditHead reads the chain head. In a read-write transaction on
// PostgreSQL it locks the head row until the transaction ends, so
// appenders queue behind each other; on SQLite the writer transaction
// (BEGIN IMMEDIATE on the single writer connection) already excludes
// other writers.
func (t *tx) AuditHead(ctx context.Context) (int64, []byte, error) {
	q := `SELECT sequence, hash FROM audit_head WHERE id = 1`
	if t.s.d.LockHead && !t.readOnly {
		q += ` FOR UPDATE`
	}
	var (
		seq  int64
		hash []byte
	)
	if err := t.queryRow(ctx, q).Scan(&seq, &hash); err != nil {
		// The migration seeds the row: its absence is a broken schema.
		return 0, nil, fmt.Errorf("store: read audit head: %w", err)
	}
	return seq, unblob(hash), nil
}

// InsertAudit moves the head from r.Sequence-1 to r.Sequence, refusing
// with ErrConflict when the head is elsewhere, then stores r. The head is
// checked first so that a refused record writes nothing.
func (t *tx) InsertAudit(ctx context.Context, r store.AuditRecord) error {
	if r.Sequence < 1 {
		return fmt.Errorf("store: audit sequence %d is not positive", r.Sequence)
	}
	if r.Time.IsZero() {
		return fmt.Errorf("store: audit record %d has no time", r.Sequence)
	}
	ns, err := toNanos(r.Time, "audit time")
	if err != nil {
		return err
	}
	res, err := t.exec(ctx, `UPDATE audit_head SET sequence = ?, hash = ? WHERE id = 1 AND sequence = ?`,
		r.Sequence, blob(r.Hash), r.Sequence-1)
	if err != nil {
		return fmt.Errorf("store: move audit head to %d: %w", r.Sequence, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: move audit head to %d: %w", r.Sequence, err)
	}
	if n != 1 {
		head, _, herr := t.AuditHead(ctx)
		if herr != nil {
			return herr
		}
		return fmt.Errorf("%w: audit record %d does not follow the head %d", store.ErrConflict, r.Sequence, head)
	}
	_, err = t.exec(ctx, `INSERT INTO audit_records (`+auditColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Sequence, ns, r.ActorSubject, r.ActorRole, r.ActorMemberState, r.Method,
		r.Resource, r.RequestID, r.Outcome, r.StatusCode, r.Detail, blob(r.PrevHash), blob(r.Hash))
	if err != nil {
		if t.s.d.IsUniqueViolation(err) {
			return fmt.Errorf("%w: audit record %d", store.ErrAlreadyExists, r.Sequence)
		}
		return fmt.Errorf("store: insert audit record %d: %w", r.Sequence, err)
	}
	return nil
}

// insertAudit is the INSERT of appendAudit.
var insertAudit = newRowInsert("audit records", "audit_records", auditColumns)

// appendAudit stores linked audit records and moves the head from the
// first one's predecessor to the last one, as InsertAudit does one at a
// time.
func (t *tx) appendAudit(ctx context.Context, recs []store.AuditRecord) error {
	if len(recs) == 0 {
		return nil
	}
	for i, r := range recs {
		if r.Sequence < 1 || (i > 0 && r.Sequence != recs[i-1].Sequence+1) {
			return fmt.Errorf("store: audit sequence %d does not follow %d", r.Sequence, recs[max(i-1, 0)].Sequence)
		}
		if r.Time.IsZero() {
			return fmt.Errorf("store: audit record %d has no time", r.Sequence)
		}
		if _, err := toNanos(r.Time, "audit time"); err != nil {
			return err
		}
	}
	first, last := recs[0], recs[len(recs)-1]
	res, err := t.exec(ctx, `UPDATE audit_head SET sequence = ?, hash = ? WHERE id = 1 AND sequence = ?`,
		last.Sequence, blob(last.Hash), first.Sequence-1)
	if err != nil {
		return fmt.Errorf("store: move audit head to %d: %w", last.Sequence, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("%w: audit record %d does not follow the head", store.ErrConflict, first.Sequence)
	}
	return t.insertRows(ctx, insertAudit, len(recs), func(args []any, i int) ([]any, error) {
		r := &recs[i]
		ns, err := toNanos(r.Time, "audit time")
		return append(args, r.Sequence, ns, r.ActorSubject, r.ActorRole, r.ActorMemberState, r.Method,
			r.Resource, r.RequestID, r.Outcome, r.StatusCode, r.Detail, blob(r.PrevHash), blob(r.Hash)), err
	})
}

func (t *tx) ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditRecord, error) {
	if err := checkLimit(f.Limit); err != nil {
		return nil, err
	}
	var (
		b    strings.Builder
		args = []any{f.AfterSequence}
	)
	b.WriteString(`SELECT ` + auditColumns + ` FROM audit_records WHERE sequence > ?`)
	for _, c := range []struct{ col, val string }{
		{"actor_subject", f.ActorSubject},
		{"method", f.Method},
		{"resource", f.Resource},
		{"outcome", f.Outcome},
	} {
		if c.val != "" {
			b.WriteString(` AND ` + c.col + ` = ?`)
			args = append(args, c.val)
		}
	}
	if !f.Start.IsZero() {
		b.WriteString(` AND time_ns >= ?`)
		args = append(args, clampNanos(f.Start))
	}
	if !f.End.IsZero() {
		b.WriteString(` AND time_ns < ?`)
		args = append(args, clampNanos(f.End))
	}
	b.WriteString(` ORDER BY sequence ASC LIMIT ?`)
	args = append(args, f.Limit)
	return t.auditRows(ctx, b.String(), args...)
}

// ScanAudit reads in keyset pages of scanPageSize and calls fn between
// pages with no cursor open, so fn may itself use the transaction.
func (t *tx) ScanAudit(ctx context.Context, from int64, fn func(store.AuditRecord) error) error {
	next := from
	for {
		page, err := t.auditRows(ctx, `SELECT `+auditColumns+` FROM audit_records
			WHERE sequence >= ? ORDER BY sequence ASC LIMIT ?`, next, scanPageSize)
		if err != nil {
			return err
		}
		for _, r := range page {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(page) < scanPageSize {
			return nil
		}
		next = page[len(page)-1].Sequence + 1
	}
}

func (t *tx) auditRows(ctx context.Context, query string, args ...any) ([]store.AuditRecord, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: read audit records: %w", err)
	}
	defer rows.Close()
	var out []store.AuditRecord
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("store: read audit records: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read audit records: %w", err)
	}
	return out, nil
}
