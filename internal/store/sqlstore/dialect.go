package sqlstore

import (
	"database/sql"
	"strconv"
	"strings"
)

// Dialect describes what differs between the SQL engines.
type Dialect struct {
	// Name is what Store.Backend returns: "sqlite" or "postgres".
	Name string
	// Rebind rewrites a query written with '?' placeholders into the
	// engine's form; nil keeps '?'.
	Rebind func(query string) string
	// LockHead makes AuditHead read the chain head with SELECT ... FOR
	// UPDATE in read-write transactions (PostgreSQL). SQLite needs no row
	// lock: its writer transactions are BEGIN IMMEDIATE on one connection.
	LockHead bool
	// IsUniqueViolation reports whether err is a unique or primary key
	// violation.
	IsUniqueViolation func(error) bool
	// IsTransient reports whether err is a conflict that goes away when
	// the transaction is run again (SQLITE_BUSY/LOCKED, PostgreSQL 40001
	// serialization failure, 40P01 deadlock).
	IsTransient func(error) bool
	// UpdateTxOptions and ViewTxOptions are passed to BeginTx; nil means
	// the driver's defaults.
	UpdateTxOptions *sql.TxOptions
	ViewTxOptions   *sql.TxOptions
}

// RebindDollar rewrites '?' placeholders into PostgreSQL's $1..$n. The
// queries of this package hold no '?' inside string literals or
// identifiers, so a plain scan is enough.
func RebindDollar(query string) string {
	n := strings.Count(query, "?")
	if n == 0 {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 2*n)
	i := 0
	for _, r := range query {
		if r == '?' {
			i++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(i))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
