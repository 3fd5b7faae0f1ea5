package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/eaeu/customs-exchange/internal/store/sqlstore"
)

// Backend is the name Store.Backend returns.
const Backend = "postgres"

// Pool limits. PostgreSQL serializes audit appenders on one row, so a
// modest pool is enough; idle connections are let go after a while.
const (
	maxOpenConns    = 16
	maxIdleConns    = 4
	connMaxIdleTime = 5 * time.Minute
	connMaxLifetime = time.Hour
)

// PostgreSQL error codes (SQLSTATE).
const (
	codeUniqueViolation      = "23505"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

// Dialect describes PostgreSQL to sqlstore.
func Dialect() sqlstore.Dialect {
	return sqlstore.Dialect{
		Name:              Backend,
		Rebind:            sqlstore.RebindDollar,
		LockHead:          true,
		IsUniqueViolation: isUniqueViolation,
		IsTransient:       isTransient,
		// Writers: READ COMMITTED (the default); the head row lock orders them.
		UpdateTxOptions: nil,
		// Readers: one consistent snapshot for the whole View.
		ViewTxOptions: &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead},
	}
}

// Open connects to the database at dsn (a postgres:// URL or key=value
// string, as pgx parses it), applies the pending migrations in the
// connection's current schema (the first of search_path) and returns the
// store.
func Open(ctx context.Context, dsn string) (*sqlstore.Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the DSN, password included: leave it out.
		return nil, errors.New("postgres: cannot parse the DSN")
	}
	return openConfig(ctx, cfg)
}

func openConfig(ctx context.Context, cfg *pgx.ConnConfig) (*sqlstore.Store, error) {
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(maxOpenConns)
	db.SetMaxIdleConns(maxIdleConns)
	db.SetConnMaxIdleTime(connMaxIdleTime)
	db.SetConnMaxLifetime(connMaxLifetime)

	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := migrate(ctx, db); err != nil {
		_ = db.Close()
		return nil, err
	}
	s, err := sqlstore.New(Dialect(), db, nil)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// migrate applies the embedded migrations under a session advisory lock.
// The lock id is derived from the current schema, so that stores in
// different schemas of one database (tests, tenants) do not wait for each
// other while instances sharing a schema still take turns.
func migrate(ctx context.Context, db *sql.DB) error {
	var schema sql.NullString
	if err := db.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return fmt.Errorf("postgres: read current schema: %w", err)
	}
	if !schema.Valid {
		return errors.New("postgres: no current schema: the search_path names no existing schema")
	}
	locker, err := lock.NewPostgresSessionLocker(
		lock.WithLockID(migrationLockID(schema.String)),
		lock.WithLockTimeout(1, 300),  // poll every second, up to 5 minutes
		lock.WithUnlockTimeout(1, 60), // poll every second, up to 1 minute
	)
	if err != nil {
		return fmt.Errorf("postgres: migration lock: %w", err)
	}
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys,
		goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true),
	)
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("postgres: migrate schema %q: %w", schema.String, err)
	}
	return nil
}

func migrationLockID(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("customs-exchange goose migrations\x00"))
	h.Write([]byte(schema))
	return int64(h.Sum64())
}

func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func isUniqueViolation(err error) bool { return pgCode(err) == codeUniqueViolation }

func isTransient(err error) bool {
	switch pgCode(err) {
	case codeSerializationFailure, codeDeadlockDetected:
		return true
	}
	return false
}
