package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/eaeu/customs-exchange/internal/store"
)

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// collect scans every row with scan.
func collect[T any](rows *sql.Rows, what string, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list %s: %w", what, err)
	}
	return out, nil
}

// nextExchangeCounter increments a counter row and returns its new value.
// The row stays locked until the transaction ends (PostgreSQL), so values
// become visible in the order they were taken: a reader that sees n also
// sees every value below n.
func (t *tx) nextExchangeCounter(ctx context.Context, name string) (int64, error) {
	var v int64
	err := t.queryRow(ctx,
		`INSERT INTO exchange_counters (name, value) VALUES (?, 1)
		 ON CONFLICT (name) DO UPDATE SET value = exchange_counters.value + 1
		 RETURNING value`, name).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("store: counter %q: %w", name, err)
	}
	return v, nil
}

// nanosOf converts several times at once.
func nanosOf(what string, ts ...time.Time) ([]int64, error) {
	out := make([]int64, len(ts))
	for i, t := range ts {
		n, err := toNanos(t, what)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

// affectedOne maps an UPDATE that changed no row to ErrNotFound.
func affectedOne(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("store: update %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: update %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: %s", store.ErrNotFound, what)
	}
	return nil
}

// casUpdate runs a revision-checked UPDATE ... WHERE <key> = ? AND
// revision = ? and tells a missing row (ErrNotFound) from another
// revision (ErrConflict).
func (t *tx) casUpdate(ctx context.Context, what, table, keyCol, key string, expect int64, query string, args ...any) error {
	res, err := t.exec(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("store: update %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: update %s: %w", what, err)
	}
	if n == 1 {
		return nil
	}
	var rev int64
	if err := t.queryRow(ctx, `SELECT revision FROM `+table+` WHERE `+keyCol+` = ?`, key).Scan(&rev); err != nil {
		return notFound(err, what)
	}
	return fmt.Errorf("%w: %s is at revision %d, not %d", store.ErrConflict, what, rev, expect)
}

// --- requests -------------------------------------------------------------

const exchangeRequestColumns = `id, direction, peer_code, status, deadline, refusal_from, create_time, update_time, revision, body`

func scanExchangeRequest(sc scanner) (store.ExchangeRequest, error) {
	var (
		r               store.ExchangeRequest
		created, update int64
	)
	if err := sc.Scan(&r.ID, &r.Direction, &r.PeerCode, &r.Status, &r.Deadline, &r.RefusalFrom, &created, &update, &r.Revision, &r.Body); err != nil {
		return r, err
	}
	r.CreateTime, r.UpdateTime, r.Body = fromNanos(created), fromNanos(update), unblob(r.Body)
	return r, nil
}

func (t *tx) CreateExchangeRequest(ctx context.Context, r store.ExchangeRequest) error {
	ns, err := nanosOf("request time", r.CreateTime, r.UpdateTime)
	if err != nil {
		return err
	}
	return t.insertOrExists(ctx, fmt.Sprintf("exchange request %q", r.ID),
		`INSERT INTO exchange_requests (`+exchangeRequestColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT DO NOTHING`,
		r.ID, r.Direction, r.PeerCode, r.Status, r.Deadline, r.RefusalFrom, ns[0], ns[1], blob(r.Body))
}

func (t *tx) GetExchangeRequest(ctx context.Context, id string) (store.ExchangeRequest, error) {
	r, err := scanExchangeRequest(t.queryRow(ctx, `SELECT `+exchangeRequestColumns+` FROM exchange_requests WHERE id = ?`, id))
	if err != nil {
		return r, notFound(err, fmt.Sprintf("exchange request %q", id))
	}
	return r, nil
}

func (t *tx) UpdateExchangeRequest(ctx context.Context, r store.ExchangeRequest, expect int64) error {
	updated, err := toNanos(r.UpdateTime, "update time")
	if err != nil {
		return err
	}
	return t.casUpdate(ctx, fmt.Sprintf("exchange request %q", r.ID), "exchange_requests", "id", r.ID, expect,
		`UPDATE exchange_requests SET status = ?, deadline = ?, refusal_from = ?, update_time = ?, body = ?, revision = revision + 1
		 WHERE id = ? AND revision = ?`,
		r.Status, r.Deadline, r.RefusalFrom, updated, blob(r.Body), r.ID, expect)
}

func (t *tx) ListExchangeRequests(ctx context.Context, q store.ExchangeRequestQuery) ([]store.ExchangeRequest, error) {
	if err := checkLimit(q.Limit); err != nil {
		return nil, err
	}
	lq := selectFrom(exchangeRequestColumns, "exchange_requests").eq("direction", q.Direction).eq("status", q.Status).
		where("deadline <> '' AND deadline < ?", q.DeadlineBefore).
		where("refusal_from <> '' AND refusal_from <= ?", q.RefusalFromOnOrBefore)
	if q.Before != nil {
		if err := lq.before("create_time", q.Before.CreateTime, q.Before.ID); err != nil {
			return nil, err
		}
	}
	query, args := lq.newestFirst("create_time", q.Limit)
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list exchange requests: %w", err)
	}
	return collect(rows, "exchange requests", scanExchangeRequest)
}

// --- request events -------------------------------------------------------

func (t *tx) AppendExchangeRequestEvent(ctx context.Context, e store.ExchangeRequestEvent) (int64, error) {
	at, err := toNanos(e.Time, "event time")
	if err != nil {
		return 0, err
	}
	var seq int64
	if err := t.queryRow(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM exchange_request_events WHERE request_id = ?`, e.RequestID).Scan(&seq); err != nil {
		return 0, fmt.Errorf("store: append event: %w", err)
	}
	if err := t.insertOrExists(ctx, fmt.Sprintf("exchange request event %q", e.ID),
		`INSERT INTO exchange_request_events (request_id, seq, id, kind, time_ns, body) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		e.RequestID, seq, e.ID, e.Kind, at, blob(e.Body)); err != nil {
		return 0, err
	}
	return seq, nil
}

func (t *tx) ListExchangeRequestEvents(ctx context.Context, requestID string) ([]store.ExchangeRequestEvent, error) {
	rows, err := t.query(ctx, `SELECT request_id, seq, id, kind, time_ns, body FROM exchange_request_events WHERE request_id = ? ORDER BY seq`, requestID)
	if err != nil {
		return nil, fmt.Errorf("store: list exchange request events: %w", err)
	}
	return collect(rows, "exchange request events", func(sc scanner) (store.ExchangeRequestEvent, error) {
		var (
			e  store.ExchangeRequestEvent
			at int64
		)
		err := sc.Scan(&e.RequestID, &e.Seq, &e.ID, &e.Kind, &at, &e.Body)
		e.Time, e.Body = fromNanos(at), unblob(e.Body)
		return e, err
	})
}

// --- attachments ----------------------------------------------------------

const exchangeAttachmentColumns = `id, request_id, file_name, media_type, size_bytes, sha256, complete, chunks, create_time, update_time`

func scanExchangeAttachment(sc scanner) (store.ExchangeAttachment, error) {
	var (
		a               store.ExchangeAttachment
		complete        int64
		created, update int64
	)
	err := sc.Scan(&a.ID, &a.RequestID, &a.FileName, &a.MediaType, &a.Size, &a.SHA256, &complete, &a.Chunks, &created, &update)
	a.Complete, a.CreateTime, a.UpdateTime = complete == 1, fromNanos(created), fromNanos(update)
	return a, err
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func (t *tx) CreateExchangeAttachment(ctx context.Context, a store.ExchangeAttachment) error {
	ns, err := nanosOf("attachment time", a.CreateTime, a.UpdateTime)
	if err != nil {
		return err
	}
	return t.insertOrExists(ctx, fmt.Sprintf("exchange attachment %q", a.ID),
		`INSERT INTO exchange_attachments (`+exchangeAttachmentColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		a.ID, a.RequestID, a.FileName, a.MediaType, a.Size, a.SHA256, boolInt(a.Complete), a.Chunks, ns[0], ns[1])
}

func (t *tx) GetExchangeAttachment(ctx context.Context, id string) (store.ExchangeAttachment, error) {
	a, err := scanExchangeAttachment(t.queryRow(ctx, `SELECT `+exchangeAttachmentColumns+` FROM exchange_attachments WHERE id = ?`, id))
	if err != nil {
		return a, notFound(err, fmt.Sprintf("exchange attachment %q", id))
	}
	return a, nil
}

func (t *tx) ListExchangeAttachments(ctx context.Context, requestID string) ([]store.ExchangeAttachment, error) {
	rows, err := t.query(ctx, `SELECT `+exchangeAttachmentColumns+` FROM exchange_attachments WHERE request_id = ? ORDER BY create_time, id`, requestID)
	if err != nil {
		return nil, fmt.Errorf("store: list exchange attachments: %w", err)
	}
	return collect(rows, "exchange attachments", scanExchangeAttachment)
}

func (t *tx) PutExchangeAttachmentChunk(ctx context.Context, id string, idx int, data []byte) error {
	what := fmt.Sprintf("exchange attachment %q", id)
	var complete int64
	if err := t.queryRow(ctx, `SELECT complete FROM exchange_attachments WHERE id = ?`, id).Scan(&complete); err != nil {
		return notFound(err, what)
	}
	if complete == 1 {
		return fmt.Errorf("%w: %s is complete", store.ErrConflict, what)
	}
	if _, err := t.exec(ctx,
		`INSERT INTO exchange_attachment_chunks (attachment_id, idx, data) VALUES (?, ?, ?)
		 ON CONFLICT (attachment_id, idx) DO UPDATE SET data = excluded.data`, id, idx, blob(data)); err != nil {
		return fmt.Errorf("store: put chunk %d of %s: %w", idx, what, err)
	}
	return nil
}

func (t *tx) GetExchangeAttachmentChunk(ctx context.Context, id string, idx int) ([]byte, error) {
	var data []byte
	if err := t.queryRow(ctx, `SELECT data FROM exchange_attachment_chunks WHERE attachment_id = ? AND idx = ?`, id, idx).Scan(&data); err != nil {
		return nil, notFound(err, fmt.Sprintf("chunk %d of exchange attachment %q", idx, id))
	}
	return data, nil
}

func (t *tx) CompleteExchangeAttachment(ctx context.Context, a store.ExchangeAttachment) error {
	updated, err := toNanos(a.UpdateTime, "update time")
	if err != nil {
		return err
	}
	res, err := t.exec(ctx, `UPDATE exchange_attachments SET size_bytes = ?, sha256 = ?, chunks = ?, complete = 1, update_time = ? WHERE id = ?`,
		a.Size, a.SHA256, a.Chunks, updated, a.ID)
	return affectedOne(res, err, fmt.Sprintf("exchange attachment %q", a.ID))
}

func (t *tx) ResetExchangeAttachment(ctx context.Context, id string) error {
	what := fmt.Sprintf("exchange attachment %q", id)
	var complete int64
	if err := t.queryRow(ctx, `SELECT complete FROM exchange_attachments WHERE id = ?`, id).Scan(&complete); err != nil {
		return notFound(err, what)
	}
	if complete == 1 {
		return fmt.Errorf("%w: %s is complete", store.ErrConflict, what)
	}
	if _, err := t.exec(ctx, `DELETE FROM exchange_attachment_chunks WHERE attachment_id = ?`, id); err != nil {
		return fmt.Errorf("store: reset %s: %w", what, err)
	}
	return nil
}

// --- records --------------------------------------------------------------

const exchangeRecordColumns = `seq, record_id, version, kind, content_type, data, amendment_reason, publish_time`

func scanExchangeRecord(sc scanner) (store.ExchangeRecord, error) {
	var (
		r  store.ExchangeRecord
		at int64
	)
	err := sc.Scan(&r.Seq, &r.RecordID, &r.Version, &r.Kind, &r.ContentType, &r.Data, &r.AmendmentReason, &at)
	r.PublishTime, r.Data = fromNanos(at), unblob(r.Data)
	return r, err
}

func (t *tx) AppendExchangeRecord(ctx context.Context, r store.ExchangeRecord) (int64, error) {
	at, err := toNanos(r.PublishTime, "publish time")
	if err != nil {
		return 0, err
	}
	what := fmt.Sprintf("exchange record %q version %d", r.RecordID, r.Version)
	var n int64
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM exchange_records WHERE record_id = ? AND version = ?`, r.RecordID, r.Version).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: append %s: %w", what, err)
	}
	if n > 0 {
		return 0, fmt.Errorf("%w: %s", store.ErrAlreadyExists, what)
	}
	seq, err := t.nextExchangeCounter(ctx, "records")
	if err != nil {
		return 0, err
	}
	if err := t.insertOrExists(ctx, what,
		`INSERT INTO exchange_records (`+exchangeRecordColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		seq, r.RecordID, r.Version, r.Kind, r.ContentType, blob(r.Data), r.AmendmentReason, at); err != nil {
		return 0, err
	}
	return seq, nil
}

func (t *tx) LatestExchangeRecord(ctx context.Context, recordID string) (store.ExchangeRecord, error) {
	r, err := scanExchangeRecord(t.queryRow(ctx,
		`SELECT `+exchangeRecordColumns+` FROM exchange_records WHERE record_id = ? ORDER BY version DESC LIMIT 1`, recordID))
	if err != nil {
		return r, notFound(err, fmt.Sprintf("exchange record %q", recordID))
	}
	return r, nil
}

func (t *tx) ListExchangeRecords(ctx context.Context, q store.ExchangeRecordQuery) ([]store.ExchangeRecord, error) {
	if err := checkLimit(q.Limit); err != nil {
		return nil, err
	}
	var b strings.Builder
	args := []any{q.AfterSeq}
	b.WriteString(`SELECT ` + exchangeRecordColumns + ` FROM exchange_records WHERE seq > ?`)
	if len(q.Kinds) > 0 {
		b.WriteString(` AND kind IN (?` + strings.Repeat(", ?", len(q.Kinds)-1) + `)`)
		for _, k := range q.Kinds {
			args = append(args, k)
		}
	}
	if q.RecordID != "" {
		b.WriteString(` AND record_id = ?`)
		args = append(args, q.RecordID)
	}
	b.WriteString(` ORDER BY seq LIMIT ?`)
	args = append(args, q.Limit)
	rows, err := t.query(ctx, b.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list exchange records: %w", err)
	}
	defer rows.Close()
	var (
		out   []store.ExchangeRecord
		bytes int
	)
	for rows.Next() {
		r, err := scanExchangeRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list exchange records: %w", err)
		}
		out = append(out, r)
		if bytes += len(r.Data); q.MaxBytes > 0 && bytes >= q.MaxBytes {
			break
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list exchange records: %w", err)
	}
	return out, nil
}

func (t *tx) PutReceivedExchangeRecord(ctx context.Context, r store.ReceivedExchangeRecord) (bool, error) {
	ns, err := nanosOf("record time", r.Record.PublishTime, r.ReceiveTime)
	if err != nil {
		return false, err
	}
	res, err := t.exec(ctx,
		`INSERT INTO exchange_received_records (peer_code, record_id, version, peer_seq, kind, content_type, data, amendment_reason, publish_time, receive_time)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		r.PeerCode, r.Record.RecordID, r.Record.Version, r.Record.Seq, r.Record.Kind, r.Record.ContentType, blob(r.Record.Data),
		r.Record.AmendmentReason, ns[0], ns[1])
	if err != nil {
		return false, fmt.Errorf("store: put received record: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: put received record: %w", err)
	}
	return n == 1, nil
}

func (t *tx) ListReceivedExchangeRecords(ctx context.Context, peerCode, recordID string, afterSeq int64, limit int) ([]store.ReceivedExchangeRecord, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	query := `SELECT peer_code, peer_seq, record_id, version, kind, content_type, data, amendment_reason, publish_time, receive_time
		FROM exchange_received_records WHERE peer_code = ? AND peer_seq > ?`
	args := []any{peerCode, afterSeq}
	if recordID != "" {
		query += ` AND record_id = ?`
		args = append(args, recordID)
	}
	query += ` ORDER BY peer_seq, record_id, version LIMIT ?`
	args = append(args, limit)
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list received records: %w", err)
	}
	return collect(rows, "received records", func(sc scanner) (store.ReceivedExchangeRecord, error) {
		var (
			r            store.ReceivedExchangeRecord
			pub, receive int64
		)
		err := sc.Scan(&r.PeerCode, &r.Record.Seq, &r.Record.RecordID, &r.Record.Version, &r.Record.Kind, &r.Record.ContentType,
			&r.Record.Data, &r.Record.AmendmentReason, &pub, &receive)
		r.Record.PublishTime, r.ReceiveTime, r.Record.Data = fromNanos(pub), fromNanos(receive), unblob(r.Record.Data)
		return r, err
	})
}

// --- subscriptions and cursors --------------------------------------------

const exchangeSubscriptionColumns = `peer_code, position, records_received, duplicates_skipped, last_error, last_receive_time, create_time, update_time`

func scanExchangeSubscription(sc scanner) (store.ExchangeSubscription, error) {
	var (
		s                      store.ExchangeSubscription
		last, created, updated int64
	)
	err := sc.Scan(&s.PeerCode, &s.Position, &s.RecordsReceived, &s.DuplicatesSkipped, &s.LastError, &last, &created, &updated)
	s.LastReceiveTime, s.CreateTime, s.UpdateTime = fromNanos(last), fromNanos(created), fromNanos(updated)
	return s, err
}

func (t *tx) CreateExchangeSubscription(ctx context.Context, s store.ExchangeSubscription) error {
	ns, err := nanosOf("subscription time", s.LastReceiveTime, s.CreateTime, s.UpdateTime)
	if err != nil {
		return err
	}
	return t.insertOrExists(ctx, fmt.Sprintf("subscription to %q", s.PeerCode),
		`INSERT INTO exchange_subscriptions (`+exchangeSubscriptionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		s.PeerCode, s.Position, s.RecordsReceived, s.DuplicatesSkipped, s.LastError, ns[0], ns[1], ns[2])
}

func (t *tx) GetExchangeSubscription(ctx context.Context, peerCode string) (store.ExchangeSubscription, error) {
	s, err := scanExchangeSubscription(t.queryRow(ctx, `SELECT `+exchangeSubscriptionColumns+` FROM exchange_subscriptions WHERE peer_code = ?`, peerCode))
	if err != nil {
		return s, notFound(err, fmt.Sprintf("subscription to %q", peerCode))
	}
	return s, nil
}

func (t *tx) UpdateExchangeSubscription(ctx context.Context, s store.ExchangeSubscription) error {
	ns, err := nanosOf("subscription time", s.LastReceiveTime, s.UpdateTime)
	if err != nil {
		return err
	}
	res, err := t.exec(ctx,
		`UPDATE exchange_subscriptions SET position = ?, records_received = ?, duplicates_skipped = ?, last_error = ?, last_receive_time = ?, update_time = ?
		 WHERE peer_code = ?`,
		s.Position, s.RecordsReceived, s.DuplicatesSkipped, s.LastError, ns[0], ns[1], s.PeerCode)
	return affectedOne(res, err, fmt.Sprintf("subscription to %q", s.PeerCode))
}

func (t *tx) ListExchangeSubscriptions(ctx context.Context, after string, limit int) ([]store.ExchangeSubscription, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, `SELECT `+exchangeSubscriptionColumns+` FROM exchange_subscriptions WHERE peer_code > ? ORDER BY peer_code LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list subscriptions: %w", err)
	}
	return collect(rows, "subscriptions", scanExchangeSubscription)
}

func (t *tx) SetExchangePeerPosition(ctx context.Context, peerCode string, position int64, at time.Time) error {
	ns, err := toNanos(at, "cursor time")
	if err != nil {
		return err
	}
	if _, err := t.exec(ctx,
		`INSERT INTO exchange_peer_cursors (peer_code, position, update_time) VALUES (?, ?, ?)
		 ON CONFLICT (peer_code) DO UPDATE SET position = excluded.position, update_time = excluded.update_time`,
		peerCode, position, ns); err != nil {
		return fmt.Errorf("store: peer cursor %q: %w", peerCode, err)
	}
	return nil
}

func (t *tx) GetExchangePeerPosition(ctx context.Context, peerCode string) (int64, error) {
	var pos int64
	err := t.queryRow(ctx, `SELECT position FROM exchange_peer_cursors WHERE peer_code = ?`, peerCode).Scan(&pos)
	if isNoRows(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: peer cursor %q: %w", peerCode, err)
	}
	return pos, nil
}

// --- agreements -----------------------------------------------------------

func scanExchangeAgreement(sc scanner) (store.ExchangeAgreement, error) {
	var (
		a                store.ExchangeAgreement
		created, updated int64
	)
	err := sc.Scan(&a.PeerCode, &a.Revision, &created, &updated, &a.Body)
	a.CreateTime, a.UpdateTime, a.Body = fromNanos(created), fromNanos(updated), unblob(a.Body)
	return a, err
}

func (t *tx) CreateExchangeAgreement(ctx context.Context, a store.ExchangeAgreement) error {
	ns, err := nanosOf("agreement time", a.CreateTime, a.UpdateTime)
	if err != nil {
		return err
	}
	return t.insertOrExists(ctx, fmt.Sprintf("agreement with %q", a.PeerCode),
		`INSERT INTO exchange_agreements (peer_code, revision, create_time, update_time, body) VALUES (?, 1, ?, ?, ?) ON CONFLICT DO NOTHING`,
		a.PeerCode, ns[0], ns[1], blob(a.Body))
}

func (t *tx) GetExchangeAgreement(ctx context.Context, peerCode string) (store.ExchangeAgreement, error) {
	a, err := scanExchangeAgreement(t.queryRow(ctx, `SELECT peer_code, revision, create_time, update_time, body FROM exchange_agreements WHERE peer_code = ?`, peerCode))
	if err != nil {
		return a, notFound(err, fmt.Sprintf("agreement with %q", peerCode))
	}
	return a, nil
}

func (t *tx) UpdateExchangeAgreement(ctx context.Context, a store.ExchangeAgreement, expect int64) error {
	updated, err := toNanos(a.UpdateTime, "update time")
	if err != nil {
		return err
	}
	return t.casUpdate(ctx, fmt.Sprintf("agreement with %q", a.PeerCode), "exchange_agreements", "peer_code", a.PeerCode, expect,
		`UPDATE exchange_agreements SET update_time = ?, body = ?, revision = revision + 1 WHERE peer_code = ? AND revision = ?`,
		updated, blob(a.Body), a.PeerCode, expect)
}

func (t *tx) ListExchangeAgreements(ctx context.Context, after string, limit int) ([]store.ExchangeAgreement, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, `SELECT peer_code, revision, create_time, update_time, body FROM exchange_agreements WHERE peer_code > ? ORDER BY peer_code LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list agreements: %w", err)
	}
	return collect(rows, "agreements", scanExchangeAgreement)
}

// --- notices --------------------------------------------------------------

const exchangeNoticeColumns = `id, direction, peer_code, status, create_time, update_time, revision, body`

func scanExchangeNotice(sc scanner) (store.ExchangeNotice, error) {
	var (
		n                store.ExchangeNotice
		created, updated int64
	)
	err := sc.Scan(&n.ID, &n.Direction, &n.PeerCode, &n.Status, &created, &updated, &n.Revision, &n.Body)
	n.CreateTime, n.UpdateTime, n.Body = fromNanos(created), fromNanos(updated), unblob(n.Body)
	return n, err
}

func (t *tx) CreateExchangeNotice(ctx context.Context, n store.ExchangeNotice) error {
	ns, err := nanosOf("notice time", n.CreateTime, n.UpdateTime)
	if err != nil {
		return err
	}
	return t.insertOrExists(ctx, fmt.Sprintf("notice %q", n.ID),
		`INSERT INTO exchange_notices (`+exchangeNoticeColumns+`) VALUES (?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT DO NOTHING`,
		n.ID, n.Direction, n.PeerCode, n.Status, ns[0], ns[1], blob(n.Body))
}

func (t *tx) GetExchangeNotice(ctx context.Context, id string) (store.ExchangeNotice, error) {
	n, err := scanExchangeNotice(t.queryRow(ctx, `SELECT `+exchangeNoticeColumns+` FROM exchange_notices WHERE id = ?`, id))
	if err != nil {
		return n, notFound(err, fmt.Sprintf("notice %q", id))
	}
	return n, nil
}

func (t *tx) UpdateExchangeNotice(ctx context.Context, n store.ExchangeNotice, expect int64) error {
	updated, err := toNanos(n.UpdateTime, "update time")
	if err != nil {
		return err
	}
	return t.casUpdate(ctx, fmt.Sprintf("notice %q", n.ID), "exchange_notices", "id", n.ID, expect,
		`UPDATE exchange_notices SET status = ?, update_time = ?, body = ?, revision = revision + 1 WHERE id = ? AND revision = ?`,
		n.Status, updated, blob(n.Body), n.ID, expect)
}

func (t *tx) ListExchangeNotices(ctx context.Context, q store.ExchangeNoticeQuery) ([]store.ExchangeNotice, error) {
	if err := checkLimit(q.Limit); err != nil {
		return nil, err
	}
	lq := selectFrom(exchangeNoticeColumns, "exchange_notices").eq("direction", q.Direction).eq("status", q.Status)
	if q.Before != nil {
		if err := lq.before("create_time", q.Before.CreateTime, q.Before.ID); err != nil {
			return nil, err
		}
	}
	query, args := lq.newestFirst("create_time", q.Limit)
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list notices: %w", err)
	}
	return collect(rows, "notices", scanExchangeNotice)
}

// --- outbox ---------------------------------------------------------------

const outboxColumns = `seq, id, peer_code, kind, subject, payload, attachment_id, state, attempts, next_attempt, lease_until, last_error,
	create_time, update_time, delivered_time`

func scanOutbox(sc scanner) (store.OutboxMessage, error) {
	var (
		m                                     store.OutboxMessage
		next, lease, created, updated, delivd int64
	)
	err := sc.Scan(&m.Seq, &m.ID, &m.PeerCode, &m.Kind, &m.Subject, &m.Payload, &m.AttachmentID, &m.State, &m.Attempts,
		&next, &lease, &m.LastError, &created, &updated, &delivd)
	m.NextAttempt, m.LeaseUntil = fromNanos(next), fromNanos(lease)
	m.CreateTime, m.UpdateTime, m.DeliveredTime = fromNanos(created), fromNanos(updated), fromNanos(delivd)
	m.Payload = unblob(m.Payload)
	return m, err
}

func (t *tx) EnqueueOutbox(ctx context.Context, m store.OutboxMessage) (int64, error) {
	ns, err := nanosOf("outbox time", m.NextAttempt, m.CreateTime, m.UpdateTime)
	if err != nil {
		return 0, err
	}
	what := fmt.Sprintf("outbox message %q", m.ID)
	var n int64
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM exchange_outbox WHERE id = ?`, m.ID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: enqueue %s: %w", what, err)
	}
	if n > 0 {
		return 0, fmt.Errorf("%w: %s", store.ErrAlreadyExists, what)
	}
	seq, err := t.nextExchangeCounter(ctx, "outbox")
	if err != nil {
		return 0, err
	}
	if err := t.insertOrExists(ctx, what,
		`INSERT INTO exchange_outbox (`+outboxColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 0, '', ?, ?, 0) ON CONFLICT DO NOTHING`,
		seq, m.ID, m.PeerCode, m.Kind, m.Subject, blob(m.Payload), m.AttachmentID, store.OutboxPending, ns[0], ns[1], ns[2]); err != nil {
		return 0, err
	}
	return seq, nil
}

func (t *tx) DueOutbox(ctx context.Context, now time.Time, limit int) ([]store.OutboxMessage, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	at := clampNanos(now)
	rows, err := t.query(ctx,
		`SELECT `+outboxColumns+` FROM exchange_outbox o
		 WHERE o.state = ? AND o.seq = (SELECT MIN(i.seq) FROM exchange_outbox i WHERE i.state = ? AND i.peer_code = o.peer_code)
		   AND o.next_attempt <= ? AND o.lease_until <= ?
		 ORDER BY o.seq LIMIT ?`,
		store.OutboxPending, store.OutboxPending, at, at, limit)
	if err != nil {
		return nil, fmt.Errorf("store: due outbox: %w", err)
	}
	return collect(rows, "outbox", scanOutbox)
}

func (t *tx) ClaimOutbox(ctx context.Context, id string, now, leaseUntil time.Time) (bool, error) {
	until, err := toNanos(leaseUntil, "lease")
	if err != nil {
		return false, err
	}
	res, err := t.exec(ctx, `UPDATE exchange_outbox SET lease_until = ? WHERE id = ? AND state = ? AND lease_until <= ?`,
		until, id, store.OutboxPending, clampNanos(now))
	if err != nil {
		return false, fmt.Errorf("store: claim outbox %q: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: claim outbox %q: %w", id, err)
	}
	return n == 1, nil
}

func (t *tx) GetOutbox(ctx context.Context, id string) (store.OutboxMessage, error) {
	m, err := scanOutbox(t.queryRow(ctx, `SELECT `+outboxColumns+` FROM exchange_outbox WHERE id = ?`, id))
	if err != nil {
		return m, notFound(err, fmt.Sprintf("outbox message %q", id))
	}
	return m, nil
}

func (t *tx) UpdateOutbox(ctx context.Context, m store.OutboxMessage) error {
	ns, err := nanosOf("outbox time", m.NextAttempt, m.LeaseUntil, m.UpdateTime, m.DeliveredTime)
	if err != nil {
		return err
	}
	res, err := t.exec(ctx,
		`UPDATE exchange_outbox SET state = ?, attempts = ?, next_attempt = ?, lease_until = ?, last_error = ?, update_time = ?, delivered_time = ?
		 WHERE id = ?`,
		m.State, m.Attempts, ns[0], ns[1], m.LastError, ns[2], ns[3], m.ID)
	return affectedOne(res, err, fmt.Sprintf("outbox message %q", m.ID))
}

func (t *tx) ListOutbox(ctx context.Context, state string, afterSeq int64, limit int) ([]store.OutboxMessage, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, `SELECT `+outboxColumns+` FROM exchange_outbox WHERE state = ? AND seq > ? ORDER BY seq LIMIT ?`, state, afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list outbox: %w", err)
	}
	return collect(rows, "outbox", scanOutbox)
}

// --- figures --------------------------------------------------------------

func (t *tx) ExchangeCounts(ctx context.Context) ([]store.ExchangeCount, error) {
	var out []store.ExchangeCount
	for _, q := range []struct{ prefix, query string }{
		{"copy_requests/", `SELECT direction || '/' || status, COUNT(*) FROM exchange_requests GROUP BY direction, status`},
		{"notices/", `SELECT direction || '/' || status, COUNT(*) FROM exchange_notices GROUP BY direction, status`},
		{"outbox/", `SELECT state, COUNT(*) FROM exchange_outbox GROUP BY state`},
		{"published_records/", `SELECT kind, COUNT(*) FROM exchange_records GROUP BY kind`},
		{"received_records/", `SELECT peer_code, COUNT(*) FROM exchange_received_records GROUP BY peer_code`},
	} {
		rows, err := t.query(ctx, q.query)
		if err != nil {
			return nil, fmt.Errorf("store: exchange counts: %w", err)
		}
		got, err := collect(rows, "exchange counts", func(sc scanner) (store.ExchangeCount, error) {
			var c store.ExchangeCount
			err := sc.Scan(&c.Key, &c.Value)
			c.Key = q.prefix + c.Key
			return c, err
		})
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}
