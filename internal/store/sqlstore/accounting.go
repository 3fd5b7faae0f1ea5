package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/eaeu/customs-exchange/internal/store"
)

// rowsPerInsert bounds the ids of one IN list, far below SQLite's 32 766
// and PostgreSQL's 65 535 parameters.
const rowsPerInsert = 400

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

// placeholders is "(?, ?, ...)" repeated rows times, comma-separated.
func placeholders(cols, rows int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
}

// inList is "?, ?, ..." n times.
func inList(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func (t *tx) GetAccountingItems(ctx context.Context, operator string, itemIDs []string) (map[string]store.AccountingItem, error) {
	out := make(map[string]store.AccountingItem, len(itemIDs))
	for start := 0; start < len(itemIDs); start += rowsPerInsert {
		ids := itemIDs[start:min(start+rowsPerInsert, len(itemIDs))]
		args := make([]any, 0, len(ids)+1)
		args = append(args, operator)
		for _, id := range ids {
			args = append(args, id)
		}
		rows, err := t.query(ctx, `SELECT `+accountingItemColumns+` FROM accounting_items
			WHERE operator = ? AND item_id IN (`+inList(len(ids))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: read accounting items: %w", err)
		}
		for rows.Next() {
			it, err := scanAccountingItem(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: read accounting items: %w", err)
			}
			out[it.ItemID] = it
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("store: read accounting items: %w", err)
		}
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
	for start := 0; start < len(eventIDs); start += rowsPerInsert {
		ids := eventIDs[start:min(start+rowsPerInsert, len(eventIDs))]
		args := make([]any, 0, len(ids)+1)
		args = append(args, operator)
		for _, id := range ids {
			args = append(args, id)
		}
		rows, err := t.query(ctx, `SELECT seq, `+accountingEventColumns+` FROM accounting_events
			WHERE operator = ? AND event_id IN (`+inList(len(ids))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: read accounting events: %w", err)
		}
		for rows.Next() {
			e, err := scanAccountingEvent(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: read accounting events: %w", err)
			}
			out[e.EventID] = e
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("store: read accounting events: %w", err)
		}
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

// insertChunk is how many rows one execution of a prepared multi-row
// INSERT carries: the statement is parsed once per call of insertRows
// (SQLite parses on every unprepared execution, and a long VALUES list
// costs as much to parse as it saves), then executed once per chunk.
const insertChunk = 50

// insertRows runs a multi-row INSERT ... ON CONFLICT DO NOTHING of the
// rows in args (cols values each, one row after the other) as prepared
// statements of insertChunk rows (and one for the remainder), and reports
// ErrAlreadyExists when a row was not inserted.
func (t *tx) insertRows(ctx context.Context, what, table, columns string, cols int, args []any) error {
	if t.detached {
		ctx = context.WithoutCancel(ctx) // see groupCommit: a member's statements ignore its end
	}
	prepare := func(n int) (*sql.Stmt, error) {
		return t.tx.PrepareContext(ctx, t.s.q(`INSERT INTO `+table+` (`+columns+`) VALUES `+placeholders(cols, n)+` ON CONFLICT DO NOTHING`))
	}
	exec := func(stmt *sql.Stmt, chunk []any) error {
		rows := int64(len(chunk) / cols)
		res, err := stmt.ExecContext(ctx, chunk...)
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
		if n != rows {
			return fmt.Errorf("%w: %d of %d %s", store.ErrAlreadyExists, rows-n, rows, what)
		}
		return nil
	}
	total := len(args) / cols
	full := total / insertChunk * insertChunk
	if full > 0 {
		stmt, err := prepare(insertChunk)
		if err != nil {
			return fmt.Errorf("store: insert %s: %w", what, err)
		}
		defer stmt.Close()
		for start := 0; start < full; start += insertChunk {
			if err := exec(stmt, args[start*cols:(start+insertChunk)*cols]); err != nil {
				return err
			}
		}
	}
	if rest := total - full; rest > 0 {
		stmt, err := prepare(rest)
		if err != nil {
			return fmt.Errorf("store: insert %s: %w", what, err)
		}
		defer stmt.Close()
		return exec(stmt, args[full*cols:])
	}
	return nil
}

func appendItemRow(args []any, it store.AccountingItem, revision int64) ([]any, error) {
	created, err := toNanos(it.CreateTime, "create time")
	if err != nil {
		return nil, err
	}
	updated, err := toNanos(it.UpdateTime, "update time")
	if err != nil {
		return nil, err
	}
	return append(args, it.Operator, it.ItemID, it.State, it.HSCode, it.Quantity, it.Currency, it.Amount, it.Deadline, it.Flags,
		it.LastOccurredOn, created, updated, revision, blob(it.Body)), nil
}

func (t *tx) WriteAccounting(ctx context.Context, w store.AccountingWrite) error {
	if err := t.appendAudit(ctx, w.Audit); err != nil {
		return err
	}
	if len(w.Events) > 0 {
		args := make([]any, 0, len(w.Events)*14)
		for _, e := range w.Events {
			recorded, err := toNanos(e.RecordTime, "record time")
			if err != nil {
				return err
			}
			args = append(args, e.Operator, e.EventID, e.ItemID, e.Kind, e.OccurredOn, recorded, e.FromState, e.ToState,
				e.HSCode, e.Quantity, e.Currency, e.Amount, e.Flags, blob(e.Body))
		}
		if err := t.insertRows(ctx, "accounting events", "accounting_events", accountingEventColumns, 14, args); err != nil {
			return err
		}
	}
	if len(w.NewItems) > 0 {
		args := make([]any, 0, len(w.NewItems)*14)
		for _, it := range w.NewItems {
			var err error
			if args, err = appendItemRow(args, it, 1); err != nil {
				return err
			}
		}
		if err := t.insertRows(ctx, "accounting items", "accounting_items", accountingItemColumns, 14, args); err != nil {
			return err
		}
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

// appendAudit stores linked audit records and moves the head from the
// first one's predecessor to the last one, as InsertAudit does one at a
// time.
func (t *tx) appendAudit(ctx context.Context, recs []store.AuditRecord) error {
	if len(recs) == 0 {
		return nil
	}
	rows := make([]any, 0, len(recs)*13)
	for i, r := range recs {
		if r.Sequence < 1 || (i > 0 && r.Sequence != recs[i-1].Sequence+1) {
			return fmt.Errorf("store: audit sequence %d does not follow %d", r.Sequence, recs[max(i-1, 0)].Sequence)
		}
		if r.Time.IsZero() {
			return fmt.Errorf("store: audit record %d has no time", r.Sequence)
		}
		ns, err := toNanos(r.Time, "audit time")
		if err != nil {
			return err
		}
		rows = append(rows, r.Sequence, ns, r.ActorSubject, r.ActorRole, r.ActorMemberState, r.Method,
			r.Resource, r.RequestID, r.Outcome, r.StatusCode, r.Detail, blob(r.PrevHash), blob(r.Hash))
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
	return t.insertRows(ctx, "audit records", "audit_records", auditColumns, 13, rows)
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
