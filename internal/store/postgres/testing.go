package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/eaeu/customs-exchange/internal/store/sqlstore"
)

// TestDSNEnv names the environment variable that holds the DSN of the
// PostgreSQL database tests may use, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const TestDSNEnv = "EAEU_TEST_POSTGRES_DSN"

// OpenTestSchema opens a store in a new schema with a random name in the
// database at dsn, migrated and first on the search_path of every pooled
// connection. At cleanup it closes the store and drops the schema. When
// dsn is empty the test is skipped; any failure is fatal to the test.
//
// Callers usually pass os.Getenv(TestDSNEnv).
func OpenTestSchema(t testing.TB, dsn string) *sqlstore.Store {
	t.Helper()
	if dsn == "" {
		t.Skip(TestDSNEnv + " not set: PostgreSQL test skipped")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatalf("postgres: cannot parse the test DSN")
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	schema := "test_" + hex.EncodeToString(rnd[:])
	quoted := pgx.Identifier{schema}.Sanitize()

	admin := stdlib.OpenDB(*cfg.Copy())
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+quoted); err != nil {
		_ = admin.Close()
		t.Fatalf("postgres: create test schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP SCHEMA IF EXISTS `+quoted+` CASCADE`); err != nil {
			t.Errorf("postgres: drop test schema %s: %v", schema, err)
		}
		_ = admin.Close()
	})

	scfg := cfg.Copy()
	if scfg.RuntimeParams == nil {
		scfg.RuntimeParams = map[string]string{}
	}
	scfg.RuntimeParams["search_path"] = quoted
	s, err := openConfig(ctx, scfg)
	if err != nil {
		t.Fatalf("postgres: open test store: %v", err)
	}
	// Registered after the schema's cleanup, so it runs first.
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("postgres: close test store: %v", err)
		}
	})
	return s
}
