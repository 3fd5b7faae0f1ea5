package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/eaeu/customs-exchange/internal/store"
)

const accountingItemColumns = `operator, item_id, state, hs_code, quantity, currency, amount, deadline, flags,
	last_occurred_on, create_time, update_time, revision, body`

const accountingEventColumns = `operator, event_id, item_id, kind, occurred_on, record_time, from_state, to_state,
	hs_code, quantity, currency, amount, flags, body`

const accountingReportColumns = `id, operator, period_start, period_end, status, create_time, update_time, revision, body`

func scanAccountingItem(sc interface{ Scan(...any) error }) (store.AccountingItem, error) {
	var (
		it               store.AccountingItem
		created, updated int64
	)
	if err := sc.Scan(&it.Operator, &it.ItemID, &it.State, &it.HSCode, &it.Quantity, &it.Currency, &it.Amount,
		&it.Deadline, &it.Flags, &it.LastOccurredOn, &created, &updated, &it.Revision, &it.Body); err != nil {
		return store.AccountingItem{}, err
	}
	it.CreateTime, it.UpdateTime, it.Body = fromNanos(created), fromNanos(updated), unblob(it.Body)
	return it, nil
}

func scanAccountingEvent(sc interface{ Scan(...any) error }) (store.AccountingEvent, error) {
	var (
		e        store.AccountingEvent
		recorded int64
	)
	if err := sc.Scan(&e.Seq, &e.Operator, &e.EventID, &e.ItemID, &e.Kind, &e.OccurredOn, &recorded, &e.FromState, &e.ToState,
		&e.HSCode, &e.Quantity, &e.Currency, &e.Amount, &e.Flags, &e.Body); err != nil {
		return store.AccountingEvent{}, err
	}
	e.RecordTime, e.Body = fromNanos(recorded), unblob(e.Body)
	return e, nil
}

func scanAccountingReport(sc interface{ Scan(...any) error }) (store.AccountingReport, error) {
	var (
		r                store.AccountingReport
		created, updated int64
	)
	if err := sc.Scan(&r.ID, &r.Operator, &r.PeriodStart, &r.PeriodEnd, &r.Status, &created, &updated, &r.Revision, &r.Body); err != nil {
		return store.AccountingReport{}, err
	}
	r.CreateTime, r.UpdateTime, r.Body = fromNanos(created), fromNanos(updated), unblob(r.Body)
	return r, nil
}

func (t *tx) GetAccountingItems(ctx context.Context, operator string, itemIDs []string) (map[string]store.AccountingItem, error) {
	out := make(map[string]store.AccountingItem, len(itemIDs))
	err := t.queryKeys(ctx, `SELECT `+accountingItemColumns+` FROM accounting_items WHERE operator = ? AND item_id`,
		[]any{operator}, itemIDs, func(rows *sql.Rows) error {
			it, err := scanAccountingItem(rows)
			if err == nil {
				out[it.ItemID] = it
			}
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("store: read accounting items: %w", err)
	}
	return out, nil
}

func (t *tx) ListAccountingItems(ctx context.Context, q store.AccountingItemQuery) ([]store.AccountingItem, error) {
	if err := checkLimit(q.Limit); err != nil {
		return nil, err
	}
	var (
		b    strings.Builder
		args []any
	)
	b.WriteString(`SELECT ` + accountingItemColumns + ` FROM accounting_items WHERE 1 = 1`)
	if q.Operator != "" {
		b.WriteString(` AND operator = ?`)
		args = append(args, q.Operator)
		if q.AfterItem != "" {
			b.WriteString(` AND item_id > ?`)
			args = append(args, q.AfterItem)
		}
	} else if q.AfterOperator != "" || q.AfterItem != "" {
		b.WriteString(` AND (operator > ? OR (operator = ? AND item_id > ?))`)
		args = append(args, q.AfterOperator, q.AfterOperator, q.AfterItem)
	}
	if q.State != "" {
		b.WriteString(` AND state = ?`)
		args = append(args, q.State)
	}
	if q.OfInterest {
		// The same predicate as the partial index, so that it is used.
		b.WriteString(` AND (flags <> 0 OR deadline <> '')`)
	}
	b.WriteString(` ORDER BY operator, item_id LIMIT ?`)
	args = append(args, q.Limit)
	rows, err := t.query(ctx, b.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list accounting items: %w", err)
	}
	defer rows.Close()
	var out []store.AccountingItem
	for rows.Next() {
		it, err := scanAccountingItem(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list accounting items: %w", err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list accounting items: %w", err)
	}
	return out, nil
}

func (t *tx) GetAccountingEvents(ctx context.Context, operator string, eventIDs []string) (map[string]store.AccountingEvent, error) {
	out := make(map[string]store.AccountingEvent, len(eventIDs))
	err := t.queryKeys(ctx, `SELECT seq, `+accountingEventColumns+` FROM accounting_events WHERE operator = ? AND event_id`,
		[]any{operator}, eventIDs, func(rows *sql.Rows) error {
			e, err := scanAccountingEvent(rows)
			if err == nil {
				out[e.EventID] = e
			}
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("store: read accounting events: %w", err)
	}
	return out, nil
}

func (t *tx) ListAccountingEvents(ctx context.Context, q store.AccountingEventQuery) ([]store.AccountingEvent, error) {
	if err := checkLimit(q.Limit); err != nil {
		return nil, err
	}
	if q.Operator == "" {
		return nil, fmt.Errorf("store: list accounting events: no operator")
	}
	var (
		b    strings.Builder
		args = []any{q.Operator}
	)
	b.WriteString(`SELECT seq, ` + accountingEventColumns + ` FROM accounting_events WHERE operator = ?`)
	for _, f := range []struct{ cond, val string }{
		{` AND occurred_on >= ?`, q.FromDate}, {` AND occurred_on <= ?`, q.ToDate},
	} {
		if f.val != "" {
			b.WriteString(f.cond)
			args = append(args, f.val)
		}
	}
	if q.AfterDate != "" {
		b.WriteString(` AND (occurred_on > ? OR (occurred_on = ? AND seq > ?))`)
		args = append(args, q.AfterDate, q.AfterDate, q.AfterSeq)
	}
	b.WriteString(` ORDER BY occurred_on, seq LIMIT ?`)
	args = append(args, q.Limit)
	rows, err := t.query(ctx, b.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list accounting events: %w", err)
	}
	defer rows.Close()
	var out []store.AccountingEvent
	for rows.Next() {
		e, err := scanAccountingEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list accounting events: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list accounting events: %w", err)
	}
	return out, nil
}

// The INSERTs of a write's rows.
var (
	insertEvents = newRowInsert("accounting events", "accounting_events", accountingEventColumns+`, audit_sequence`)
	insertItems  = newRowInsert("accounting items", "accounting_items", accountingItemColumns)
)

func (t *tx) WriteAccounting(ctx context.Context, w store.AccountingWrite) error {
	if err := t.appendAudit(ctx, w.Audit); err != nil {
		return err
	}
	err := t.insertRows(ctx, insertEvents, len(w.Events), func(args []any, i int) ([]any, error) {
		e := w.Events[i]
		recorded, err := toNanos(e.RecordTime, "record time")
		return append(args, e.Operator, e.EventID, e.ItemID, e.Kind, e.OccurredOn, recorded, e.FromState, e.ToState,
			e.HSCode, e.Quantity, e.Currency, e.Amount, e.Flags, blob(e.Body), e.AuditSequence), err
	})
	if err != nil {
		return err
	}
	err = t.insertRows(ctx, insertItems, len(w.NewItems), func(args []any, i int) ([]any, error) {
		it := w.NewItems[i]
		created, err := toNanos(it.CreateTime, "create time")
		if err != nil {
			return nil, err
		}
		updated, err := toNanos(it.UpdateTime, "update time")
		return append(args, it.Operator, it.ItemID, it.State, it.HSCode, it.Quantity, it.Currency, it.Amount, it.Deadline, it.Flags,
			it.LastOccurredOn, created, updated, int64(1), blob(it.Body)), err
	})
	if err != nil {
		return err
	}
	for _, u := range w.Updates {
		it := u.Item
		updated, err := toNanos(it.UpdateTime, "update time")
		if err != nil {
			return err
		}
		res, err := t.exec(ctx, `UPDATE accounting_items SET state = ?, hs_code = ?, quantity = ?,
			currency = ?, amount = ?, deadline = ?, flags = ?, last_occurred_on = ?, update_time = ?, body = ?,
			revision = revision + 1 WHERE operator = ? AND item_id = ? AND revision = ?`,
			it.State, it.HSCode, it.Quantity, it.Currency, it.Amount, it.Deadline, it.Flags,
			it.LastOccurredOn, updated, blob(it.Body), it.Operator, it.ItemID, u.ExpectRevision)
		if err != nil {
			return fmt.Errorf("store: update accounting item %q: %w", it.ItemID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			var rev int64
			err := t.queryRow(ctx, `SELECT revision FROM accounting_items WHERE operator = ? AND item_id = ?`, it.Operator, it.ItemID).Scan(&rev)
			if err != nil {
				return notFound(err, fmt.Sprintf("accounting item %q of %s", it.ItemID, it.Operator))
			}
			return fmt.Errorf("%w: accounting item %q is at revision %d, not %d", store.ErrConflict, it.ItemID, rev, u.ExpectRevision)
		}
	}
	return nil
}

func (t *tx) ScanAuditedAccountingEvents(ctx context.Context, auditSequence int64, fn func(*store.AccountingEvent) error) error {
	rows, err := t.query(ctx, `SELECT seq, `+accountingEventColumns+` FROM accounting_events
		WHERE audit_sequence = ? ORDER BY seq`, auditSequence)
	if err != nil {
		return fmt.Errorf("store: scan audited accounting events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAccountingEvent(rows)
		if err != nil {
			return fmt.Errorf("store: scan audited accounting events: %w", err)
		}
		e.AuditSequence = auditSequence
		if err := fn(&e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: scan audited accounting events: %w", err)
	}
	return nil
}

func (t *tx) ScanAccountingMovements(ctx context.Context, operator, through string, fn func(*store.AccountingMovement) error) error {
	rows, err := t.query(ctx, `SELECT kind, occurred_on, from_state, to_state, hs_code, quantity, currency, amount, flags
		FROM accounting_events WHERE operator = ? AND occurred_on <= ?`, operator, through)
	if err != nil {
		return fmt.Errorf("store: scan accounting events: %w", err)
	}
	defer rows.Close()
	// RawBytes: the driver's buffers are reused row after row, nothing is
	// kept, so memory stays flat however many events there are.
	var (
		m                                        store.AccountingMovement
		kind, on, from, to, hs, currency, amount sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&kind, &on, &from, &to, &hs, &m.Quantity, &currency, &amount, &m.Flags); err != nil {
			return fmt.Errorf("store: scan accounting events: %w", err)
		}
		m.Kind, m.OccurredOn, m.FromState, m.ToState, m.HSCode, m.Currency, m.Amount = kind, on, from, to, hs, currency, amount
		if err := fn(&m); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: scan accounting events: %w", err)
	}
	return nil
}

func (t *tx) CreateAccountingReport(ctx context.Context, r store.AccountingReport) error {
	created, err := toNanos(r.CreateTime, "create time")
	if err != nil {
		return err
	}
	updated, err := toNanos(r.UpdateTime, "update time")
	if err != nil {
		return err
	}
	return t.insertOrExists(ctx, fmt.Sprintf("accounting report %q", r.ID),
		`INSERT INTO accounting_reports (`+accountingReportColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT DO NOTHING`,
		r.ID, r.Operator, r.PeriodStart, r.PeriodEnd, r.Status, created, updated, blob(r.Body))
}

func (t *tx) GetAccountingReport(ctx context.Context, operator, id string) (store.AccountingReport, error) {
	r, err := scanAccountingReport(t.queryRow(ctx, `SELECT `+accountingReportColumns+` FROM accounting_reports
		WHERE id = ? AND operator = ?`, id, operator))
	if err != nil {
		return r, notFound(err, fmt.Sprintf("accounting report %q of %s", id, operator))
	}
	return r, nil
}

func (t *tx) UpdateAccountingReport(ctx context.Context, r store.AccountingReport, expectRevision int64) error {
	what := fmt.Sprintf("accounting report %q of %s", r.ID, r.Operator)
	updated, err := toNanos(r.UpdateTime, "update time")
	if err != nil {
		return err
	}
	res, err := t.exec(ctx, `UPDATE accounting_reports SET status = ?, update_time = ?, body = ?, revision = revision + 1
		WHERE id = ? AND operator = ? AND revision = ?`, r.Status, updated, blob(r.Body), r.ID, r.Operator, expectRevision)
	if err != nil {
		return fmt.Errorf("store: update %s: %w", what, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		var rev int64
		if err := t.queryRow(ctx, `SELECT revision FROM accounting_reports WHERE id = ? AND operator = ?`, r.ID, r.Operator).Scan(&rev); err != nil {
			return notFound(err, what)
		}
		return fmt.Errorf("%w: %s is at revision %d, not %d", store.ErrConflict, what, rev, expectRevision)
	}
	return nil
}

func (t *tx) ListAccountingReports(ctx context.Context, q store.AccountingReportQuery) ([]store.AccountingReport, error) {
	if err := checkLimit(q.Limit); err != nil {
		return nil, err
	}
	lq := selectFrom(accountingReportColumns, "accounting_reports").eq("operator", q.Operator).eq("status", q.Status).
		eq("period_start", q.PeriodStart).eq("period_end", q.PeriodEnd)
	if !q.BeforeTime.IsZero() || q.BeforeID != "" {
		if err := lq.before("create_time", q.BeforeTime, q.BeforeID); err != nil {
			return nil, err
		}
	}
	query, args := lq.newestFirst("create_time", q.Limit)
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list accounting reports: %w", err)
	}
	defer rows.Close()
	var out []store.AccountingReport
	for rows.Next() {
		r, err := scanAccountingReport(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list accounting reports: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list accounting reports: %w", err)
	}
	return out, nil
}
