package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/eaeu/customs-exchange/internal/store"
	"github.com/eaeu/customs-exchange/internal/store/postgres"
	"github.com/eaeu/customs-exchange/internal/store/sqlstore"
	"github.com/eaeu/customs-exchange/internal/store/storetest"
)

func testDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv(postgres.TestDSNEnv)
	if dsn == "" {
		t.Skip("EAEU_TEST_POSTGRES_DSN not set: PostgreSQL conformance skipped")
	}
	return dsn
}

func TestConformance(t *testing.T) {
	dsn := testDSN(t)
	storetest.Run(t, func(t *testing.T) store.Store { return postgres.OpenTestSchema(t, dsn) })
}

func currentSchema(t *testing.T, s *sqlstore.Store) string {
	t.Helper()
	var schema string
	if err := s.DB().QueryRowContext(t.Context(), `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	return schema
}

func TestOpenTestSchemaIsolates(t *testing.T) {
	dsn := testDSN(t)
	a, b := postgres.OpenTestSchema(t, dsn), postgres.OpenTestSchema(t, dsn)
	sa, sb := currentSchema(t, a), currentSchema(t, b)
	if sa == sb || !strings.HasPrefix(sa, "test_") {
		t.Fatalf("schemas %q and %q", sa, sb)
	}
	if a.Backend() != "postgres" {
		t.Fatalf("Backend() = %q", a.Backend())
	}
	d := store.Document{Kind: "calendar", Name: "calendars/RU", SortKey: "RU"}
	if err := a.Update(t.Context(), func(tx store.Tx) error { return tx.CreateDocument(t.Context(), d) }); err != nil {
		t.Fatal(err)
	}
	err := b.View(t.Context(), func(tx store.Tx) error {
		_, err := tx.GetDocument(t.Context(), d.Kind, d.Name)
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the other schema sees the document: %v", err)
	}
}

func TestSchemaDroppedAtCleanup(t *testing.T) {
	dsn := testDSN(t)
	var schema string
	t.Run("inner", func(t *testing.T) {
		schema = currentSchema(t, postgres.OpenTestSchema(t, dsn))
	})
	admin := postgres.OpenTestSchema(t, dsn)
	var n int
	if err := admin.DB().QueryRowContext(t.Context(),
		`SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1`, schema).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("schema %s still exists after cleanup", schema)
	}
}

// TestConcurrentOpen starts several instances on one schema at once: the
// advisory lock lets one apply the migrations and the others find them
// applied.
func TestConcurrentOpen(t *testing.T) {
	dsn := testDSN(t)
	admin := postgres.OpenTestSchema(t, dsn) // only for its connection
	schema := "test_open_" + strings.ReplaceAll(t.Name(), "/", "_")
	schema = strings.ToLower(schema)
	if _, err := admin.DB().ExecContext(t.Context(), `DROP SCHEMA IF EXISTS `+schema+` CASCADE; CREATE SCHEMA `+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.DB().ExecContext(context.Background(), `DROP SCHEMA IF EXISTS `+schema+` CASCADE`)
	})
	sdsn := withSearchPath(t, dsn, schema)

	const n = 4
	stores := make([]*sqlstore.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = postgres.Open(t.Context(), sdsn)
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Open %d: %v", i, errs[i])
		}
		defer stores[i].Close()
	}
	var versions int
	if err := stores[0].DB().QueryRowContext(t.Context(),
		`SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if versions != postgres.MigrationCount() {
		t.Fatalf("%d migrations recorded, want %d (one per embedded file)", versions, postgres.MigrationCount())
	}
	// All instances append to one chain.
	var wg2 sync.WaitGroup
	for i := range n {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			errs[i] = stores[i].Update(t.Context(), func(tx store.Tx) error {
				seq, _, err := tx.AuditHead(t.Context())
				if err != nil {
					return err
				}
				return tx.InsertAudit(t.Context(), store.AuditRecord{Sequence: seq + 1, Time: t0, Hash: []byte{byte(i)}})
			})
		}()
	}
	wg2.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("append %d: %v", i, errs[i])
		}
	}
	err := stores[0].View(t.Context(), func(tx store.Tx) error {
		seq, _, err := tx.AuditHead(t.Context())
		if err == nil && seq != n {
			t.Errorf("head %d, want %d", seq, n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func withSearchPath(t *testing.T, dsn, schema string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}

func TestNumericAndDateColumns(t *testing.T) {
	s := postgres.OpenTestSchema(t, testDSN(t))
	rows, err := s.DB().QueryContext(t.Context(), `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'exchange_rates'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	types := map[string]string{}
	for rows.Next() {
		var c, ty string
		if err := rows.Scan(&c, &ty); err != nil {
			t.Fatal(err)
		}
		types[c] = ty
	}
	if types["rate"] != "numeric" || types["effective_date"] != "date" || types["create_time"] != "bigint" {
		t.Fatalf("exchange_rates columns %v", types)
	}
}

func TestErrorClassification(t *testing.T) {
	s := postgres.OpenTestSchema(t, testDSN(t))
	insert := `INSERT INTO idempotency (key, request_hash, response, create_time) VALUES ('k', ''::bytea, ''::bytea, 0)`
	if _, err := s.DB().ExecContext(t.Context(), insert); err != nil {
		t.Fatal(err)
	}
	_, err := s.DB().ExecContext(t.Context(), insert)
	d := postgres.Dialect()
	if !d.IsUniqueViolation(err) || d.IsTransient(err) {
		t.Fatalf("duplicate key error %v: unique %v transient %v", err, d.IsUniqueViolation(err), d.IsTransient(err))
	}
	for _, code := range []string{"40001", "40P01"} {
		err := wrap(&pgconn.PgError{Code: code})
		if !d.IsTransient(err) || d.IsUniqueViolation(err) {
			t.Fatalf("SQLSTATE %s not transient", code)
		}
	}
	if d.IsTransient(errors.New("40001")) || d.IsUniqueViolation(sql.ErrNoRows) {
		t.Fatal("plain errors classified")
	}
}

func wrap(err error) error { return errors.Join(errors.New("context"), err) }

var t0 = mustTime("2024-01-02T03:04:05.000000006Z")

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}
