package sqlstore

import (
	"strings"
	"time"
)

// listQuery builds the listing every aggregate uses: optional filters, an
// optional keyset cursor on (time, id), newest first.
type listQuery struct {
	b    strings.Builder
	args []any
}

func selectFrom(columns, table string) *listQuery {
	q := &listQuery{}
	q.b.WriteString(`SELECT ` + columns + ` FROM ` + table + ` WHERE 1 = 1`)
	return q
}

// eq filters col = val unless val is empty.
func (q *listQuery) eq(col, val string) *listQuery { return q.where(col+` = ?`, val) }

// where adds " AND cond" with its one argument unless val is empty.
func (q *listQuery) where(cond, val string) *listQuery {
	if val != "" {
		q.b.WriteString(` AND ` + cond)
		q.args = append(q.args, val)
	}
	return q
}

// before keeps rows strictly older than (at, id) in the listing order.
func (q *listQuery) before(timeCol string, at time.Time, id string) error {
	ns, err := toNanos(at, "cursor")
	if err != nil {
		return err
	}
	q.b.WriteString(` AND (` + timeCol + ` < ? OR (` + timeCol + ` = ? AND id < ?))`)
	q.args = append(q.args, ns, ns, id)
	return nil
}

// newestFirst ends the query: ordered by timeCol then id, descending.
func (q *listQuery) newestFirst(timeCol string, limit int) (string, []any) {
	q.b.WriteString(` ORDER BY ` + timeCol + ` DESC, id DESC LIMIT ?`)
	return q.b.String(), append(q.args, limit)
}
