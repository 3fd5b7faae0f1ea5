package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"github.com/eaeu/customs-exchange/internal/store"
)

// Multi-row statements: INSERTs of many rows and reads of many keys at
// once. Their SQL has one of a few fixed shapes (row or key counts), so
// that each shape is parsed once per connection and then reused: SQLite
// parses a long VALUES or IN list at about 3 µs a row, as much as writing
// the row costs. On SQLite the shapes are kept in the pool's statement
// cache (getShaped); pgx caches statements by their text itself.

// insertShapes are the row counts of one multi-row INSERT, largest first:
// n rows go as n/256 statements of 256 rows, then the rest in statements
// of 64, 16, 4 and 1. Long statements pay beyond the parsing: SQLite
// journals the pages each statement of a multi-row INSERT changes (so
// that it can fail alone), a cost per statement rather than per row.
// 256 rows of 14 columns stay far below SQLite's 32 766 and PostgreSQL's
// 65 535 parameters.
var insertShapes = [...]int{256, 64, 16, 4, 1}

// keyShapes are the key counts of one read by a list of keys, smallest
// first: a list is padded up to the first shape it fits (repeating its
// last key, which changes nothing for IN); a longer one is read in parts
// of the largest.
var keyShapes = [...]int{4, 16, 64, 256}

// shapeTexts caches the SQL text of each shape (a 256-row VALUES list is
// 11 kB of text).
var shapeTexts sync.Map // shapeKey -> string

type shapeKey struct {
	head string
	cols int // values per row; 0: an IN list
	n    int // rows or keys
}

// inList is "?, ?, ..." n times.
func inList(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// placeholders is "(?, ?, ...)" repeated rows times, comma-separated.
func placeholders(cols, rows int) string {
	one := "(" + inList(cols) + ")"
	return strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
}

func shapeText(k shapeKey) string {
	if v, ok := shapeTexts.Load(k); ok {
		return v.(string)
	}
	var q string
	if k.cols == 0 {
		q = k.head + ` IN (` + inList(k.n) + `)`
	} else {
		q = k.head + ` VALUES ` + placeholders(k.cols, k.n) + ` ON CONFLICT DO NOTHING`
	}
	shapeTexts.Store(k, q)
	return q
}

// rowInsert is the multi-row INSERT of one table.
type rowInsert struct {
	what string
	head string // INSERT INTO table (columns)
	cols int
}

func newRowInsert(what, table, columns string) rowInsert {
	return rowInsert{what: what, head: `INSERT INTO ` + table + ` (` + columns + `)`, cols: strings.Count(columns, ",") + 1}
}

// insertRows runs a multi-row INSERT ... ON CONFLICT DO NOTHING of rows
// rows in statements of insertShapes rows, and reports ErrAlreadyExists
// when a row was not inserted. row appends the values of row i to args
// (in.cols of them, in its column order).
func (t *tx) insertRows(ctx context.Context, in rowInsert, rows int, row func(args []any, i int) ([]any, error)) error {
	var args []any // one statement's values
	for start := 0; start < rows; {
		n := 1
		for _, s := range insertShapes {
			if s <= rows-start {
				n = s
				break
			}
		}
		args = args[:0]
		for i := start; i < start+n; i++ {
			var err error
			if args, err = row(args, i); err != nil {
				return err
			}
		}
		res, err := t.execShaped(ctx, shapeText(shapeKey{in.head, in.cols, n}), args)
		if err != nil {
			if t.s.d.IsUniqueViolation(err) {
				return fmt.Errorf("%w: %s", store.ErrAlreadyExists, in.what)
			}
			return fmt.Errorf("store: insert %s: %w", in.what, err)
		}
		got, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("store: insert %s: %w", in.what, err)
		}
		if got != int64(n) {
			return fmt.Errorf("%w: %d of %d %s", store.ErrAlreadyExists, int64(n)-got, n, in.what)
		}
		start += n
	}
	return nil
}

// queryKeys runs head + " IN (...)" over keys, the IN list's values after
// lead's, in parts of keyShapes, and calls scan for each row.
func (t *tx) queryKeys(ctx context.Context, head string, lead []any, keys []string, scan func(*sql.Rows) error) error {
	for start := 0; start < len(keys); {
		part := keys[start:]
		n := keyShapes[len(keyShapes)-1]
		for _, s := range keyShapes {
			if len(part) <= s {
				n = s
				break
			}
		}
		part = part[:min(n, len(part))]
		args := make([]any, 0, len(lead)+n)
		args = append(args, lead...)
		for i := range n {
			args = append(args, part[min(i, len(part)-1)])
		}
		if err := t.queryShaped(ctx, shapeText(shapeKey{head, 0, n}), args, scan); err != nil {
			return err
		}
		start += len(part)
	}
	return nil
}

// execShaped runs query, one of the fixed shapes, as the pool's prepared
// statement once it is prepared (see stmtCache).
func (t *tx) execShaped(ctx context.Context, query string, args []any) (sql.Result, error) {
	if t.detached {
		ctx = context.WithoutCancel(ctx) // see groupCommit: a member's statements ignore its end
	}
	query = t.s.q(query)
	if st := t.cache.getShaped(query); st != nil {
		return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t *tx) queryShaped(ctx context.Context, query string, args []any, scan func(*sql.Rows) error) error {
	if t.detached {
		ctx = context.WithoutCancel(ctx)
	}
	query = t.s.q(query)
	var (
		rows *sql.Rows
		err  error
	)
	if st := t.cache.getShaped(query); st != nil {
		rows, err = t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	} else {
		rows, err = t.tx.QueryContext(ctx, query, args...)
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
