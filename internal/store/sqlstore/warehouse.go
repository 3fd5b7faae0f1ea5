package sqlstore

import (
	"context"
	"fmt"

	"github.com/eaeu/customs-exchange/internal/store"
)

const warehouseColumns = `id, operator, status, deadline, purchase_date, create_time, update_time, revision, body`

func scanWarehousePurchase(sc interface{ Scan(...any) error }) (store.WarehousePurchase, error) {
	var (
		p                store.WarehousePurchase
		created, updated int64
	)
	if err := sc.Scan(&p.ID, &p.Operator, &p.Status, &p.Deadline, &p.PurchaseDate, &created, &updated, &p.Revision, &p.Body); err != nil {
		return store.WarehousePurchase{}, err
	}
	p.CreateTime = fromNanos(created)
	p.UpdateTime = fromNanos(updated)
	p.Body = unblob(p.Body)
	return p, nil
}

func (t *tx) CreateWarehousePurchase(ctx context.Context, p store.WarehousePurchase) error {
	what := fmt.Sprintf("warehouse purchase %q", p.ID)
	created, err := toNanos(p.CreateTime, "create time")
	if err != nil {
		return err
	}
	updated, err := toNanos(p.UpdateTime, "update time")
	if err != nil {
		return err
	}
	return t.insertOrExists(ctx, what,
		`INSERT INTO warehouse_purchases (`+warehouseColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT DO NOTHING`,
		p.ID, p.Operator, p.Status, p.Deadline, p.PurchaseDate, created, updated, blob(p.Body))
}

func (t *tx) GetWarehousePurchase(ctx context.Context, id string) (store.WarehousePurchase, error) {
	p, err := scanWarehousePurchase(t.queryRow(ctx, `SELECT `+warehouseColumns+` FROM warehouse_purchases WHERE id = ?`, id))
	if err != nil {
		return p, notFound(err, fmt.Sprintf("warehouse purchase %q", id))
	}
	return p, nil
}

func (t *tx) UpdateWarehousePurchase(ctx context.Context, p store.WarehousePurchase, expectRevision int64) error {
	what := fmt.Sprintf("warehouse purchase %q", p.ID)
	updated, err := toNanos(p.UpdateTime, "update time")
	if err != nil {
		return err
	}
	// The revision guard in the WHERE clause is the compare-and-set: on
	// PostgreSQL a concurrent writer of the row blocks this UPDATE until it
	// commits, and the guard then no longer matches.
	res, err := t.exec(ctx,
		`UPDATE warehouse_purchases SET status = ?, deadline = ?, update_time = ?, body = ?, revision = revision + 1
		 WHERE id = ? AND revision = ?`,
		p.Status, p.Deadline, updated, blob(p.Body), p.ID, expectRevision)
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
	if err := t.queryRow(ctx, `SELECT revision FROM warehouse_purchases WHERE id = ?`, p.ID).Scan(&rev); err != nil {
		return notFound(err, what)
	}
	return fmt.Errorf("%w: %s is at revision %d, not %d", store.ErrConflict, what, rev, expectRevision)
}

func (t *tx) ListWarehousePurchases(ctx context.Context, q store.WarehousePurchaseQuery) ([]store.WarehousePurchase, error) {
	if err := checkLimit(q.Limit); err != nil {
		return nil, err
	}
	lq := selectFrom(warehouseColumns, "warehouse_purchases").eq("operator", q.Operator).eq("status", q.Status)
	if q.Before != nil {
		if err := lq.before("create_time", q.Before.CreateTime, q.Before.ID); err != nil {
			return nil, err
		}
	}
	query, args := lq.newestFirst("create_time", q.Limit)
	return t.warehouseRows(ctx, "list warehouse purchases", query, args...)
}

func (t *tx) ListOverdueWarehousePurchases(ctx context.Context, before string, after *store.OverdueCursor, limit int) ([]store.WarehousePurchase, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	// The status is written as a literal so that PostgreSQL can use the
	// partial index on open purchases with any plan.
	query := `SELECT ` + warehouseColumns + ` FROM warehouse_purchases
		WHERE status = '` + store.WarehouseOpen + `' AND deadline < ?`
	args := []any{before}
	if after != nil {
		query += ` AND (deadline > ? OR (deadline = ? AND id > ?))`
		args = append(args, after.Deadline, after.Deadline, after.ID)
	}
	query += ` ORDER BY deadline, id LIMIT ?`
	args = append(args, limit)
	return t.warehouseRows(ctx, "list overdue warehouse purchases", query, args...)
}

func (t *tx) warehouseRows(ctx context.Context, what, query string, args ...any) ([]store.WarehousePurchase, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	var out []store.WarehousePurchase
	for rows.Next() {
		p, err := scanWarehousePurchase(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return out, nil
}
