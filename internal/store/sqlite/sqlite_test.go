package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/eaeu/customs-exchange/internal/store"
	"github.com/eaeu/customs-exchange/internal/store/sqlite"
	"github.com/eaeu/customs-exchange/internal/store/storetest"
)

func open(t *testing.T) store.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "store.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, open)
}

func TestPragmas(t *testing.T) {
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for pragma, want := range map[string]string{
		"journal_mode": "wal",
		"synchronous":  "2", // FULL
		"foreign_keys": "1",
		"busy_timeout": "5000",
	} {
		var got string
		if err := s.DB().QueryRowContext(t.Context(), "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", pragma, err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
		}
	}
	if s.Backend() != "sqlite" {
		t.Errorf("Backend() = %q", s.Backend())
	}
}

func TestReopenKeepsDataAndCreatesDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "dir", "store.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	d := store.Document{Kind: "calendar", Name: "calendars/RU", SortKey: "RU", Body: []byte("{}")}
	if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateDocument(t.Context(), d) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
	// Opening again applies no migration twice and sees the data.
	s, err = sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.View(t.Context(), func(tx store.Tx) error {
		got, err := tx.GetDocument(t.Context(), "calendar", "calendars/RU")
		if err == nil && got.Revision != 1 {
			t.Errorf("revision %d", got.Revision)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var versions int
	if err := s.DB().QueryRowContext(t.Context(), `SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if versions != sqlite.MigrationCount() {
		t.Errorf("%d migrations recorded, want %d (one per embedded file)", versions, sqlite.MigrationCount())
	}
}

func TestOpenRejectsBadPath(t *testing.T) {
	for _, p := range []string{"", "a.db?mode=ro", "file:a.db"} {
		if s, err := sqlite.Open(t.Context(), p); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", p)
		}
	}
}

// TestErrorClassification feeds the dialect real driver errors.
func TestErrorClassification(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	_, err = s.DB().ExecContext(t.Context(), `INSERT INTO idempotency (key, request_hash, response, create_time) VALUES ('k', X'', X'', 0)`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.DB().ExecContext(t.Context(), `INSERT INTO idempotency (key, request_hash, response, create_time) VALUES ('k', X'', X'', 0)`)
	if !sqlite.Dialect().IsUniqueViolation(err) || sqlite.Dialect().IsTransient(err) {
		t.Fatalf("duplicate key error %v: unique %v transient %v", err, sqlite.Dialect().IsUniqueViolation(err), sqlite.Dialect().IsTransient(err))
	}

	// Another connection that will not wait gets SQLITE_BUSY while the
	// store's writer holds the write lock.
	other, err := sql.Open("sqlite", path+"?_txlock=immediate&_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	locked := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Update(t.Context(), func(store.Tx) error {
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked
	tx, err := other.BeginTx(t.Context(), nil)
	close(release)
	if err == nil {
		tx.Rollback()
		t.Fatalf("BEGIN IMMEDIATE beside the writer succeeded")
	}
	if !sqlite.Dialect().IsTransient(err) || sqlite.Dialect().IsUniqueViolation(err) {
		t.Fatalf("busy error %v: transient %v", err, sqlite.Dialect().IsTransient(err))
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if sqlite.Dialect().IsTransient(errors.New("x")) || sqlite.Dialect().IsUniqueViolation(nil) {
		t.Fatal("plain errors classified")
	}
}
