package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/eaeu/customs-exchange/internal/store"
)

// Run runs the conformance suite. open must return a new, empty, migrated
// store for each call and arrange for its cleanup (t.Cleanup); the suite
// does not close it.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Store", func(t *testing.T) { runStore(t, open) })
	t.Run("Documents", func(t *testing.T) { runDocuments(t, open) })
	t.Run("ExchangeRates", func(t *testing.T) { runRates(t, open) })
	t.Run("Idempotency", func(t *testing.T) { runIdempotency(t, open) })
	t.Run("Audit", func(t *testing.T) { runAudit(t, open) })
	t.Run("Transactions", func(t *testing.T) { runTransactions(t, open) })
	t.Run("Declarations", func(t *testing.T) { runDeclarations(t, open) })
	t.Run("ReferenceGeneration", func(t *testing.T) { runReferenceGeneration(t, open) })
	t.Run("WarehousePurchases", func(t *testing.T) { runWarehouse(t, open) })
	t.Run("Exchange", func(t *testing.T) { runExchange(t, open) })
	t.Run("Accounting", func(t *testing.T) { runAccounting(t, open) })
}

type opener = func(t *testing.T) store.Store

func runStore(t *testing.T, open opener) {
	t.Run("BackendAndPing", func(t *testing.T) {
		s := open(t)
		switch b := s.Backend(); b {
		case "sqlite", "postgres":
		default:
			t.Fatalf("Backend() = %q, want sqlite or postgres", b)
		}
		if err := s.Ping(ctx(t)); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})
}

// ctx is the test's context with a deadline, so that a hung store fails
// the test instead of the whole run.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func update(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Update(ctx(t), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.View(ctx(t), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// wantErr fails unless err matches target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: error %v, want %v", what, err, target)
	}
}

// noErr fails on err.
func noErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// ts is a time with nanoseconds in a non-UTC zone: stores must give it
// back as the same instant, in UTC.
func ts(sec int64, nsec int64) time.Time {
	return time.Unix(sec, nsec).In(time.FixedZone("MSK", 3*3600))
}

func sameInstant(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Fatalf("%s = %s, want %s", what, got.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
	}
	if !want.IsZero() && got.Location() != time.UTC {
		t.Fatalf("%s is in %v, want UTC", what, got.Location())
	}
}
