// Package postgres is the PostgreSQL engine of the store: the pgx driver
// through database/sql (github.com/jackc/pgx/v5/stdlib), its pool settings
// and its migrations. The SQL itself lives in package sqlstore.
//
// Writers run in READ COMMITTED transactions; appenders to the audit chain
// serialize on the head row (AuditHead is SELECT ... FOR UPDATE). Reads
// run in READ ONLY REPEATABLE READ transactions, one snapshot per View.
// Migrations are applied at Open under a session-level advisory lock, so
// several instances starting together apply them once.
//
// testing.go holds OpenTestSchema, which gives any package's tests a store
// in a fresh schema of a test database.
package postgres
