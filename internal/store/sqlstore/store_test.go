package sqlstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/eaeu/customs-exchange/internal/store"
	"github.com/eaeu/customs-exchange/internal/store/sqlite"
	"github.com/eaeu/customs-exchange/internal/store/sqlstore"
)

var errTransient = errors.New("transient conflict")

// retryStore is a SQLite store whose dialect calls errTransient transient.
func retryStore(t *testing.T) *sqlstore.Store {
	t.Helper()
	base, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { base.Close() })
	d := sqlite.Dialect()
	d.IsTransient = func(err error) bool { return errors.Is(err, errTransient) }
	s, err := sqlstore.New(d, base.DB(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestUpdateRetriesTransient(t *testing.T) {
	s := retryStore(t)
	calls := 0
	err := s.Update(t.Context(), func(tx store.Tx) error {
		calls++
		// Each run starts from scratch: earlier runs were rolled back.
		if err := tx.CreateDocument(t.Context(), store.Document{Kind: "k", Name: "n", SortKey: "s"}); err != nil {
			return err
		}
		if calls < 3 {
			return errTransient
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("Update: %v after %d calls, want success after 3", err, calls)
	}
}

func TestUpdateRetriesAreBounded(t *testing.T) {
	s := retryStore(t)
	calls := 0
	err := s.Update(t.Context(), func(store.Tx) error {
		calls++
		return errTransient
	})
	if !errors.Is(err, errTransient) || calls != sqlstore.MaxAttempts {
		t.Fatalf("Update: %v after %d calls, want the transient error after %d", err, calls, sqlstore.MaxAttempts)
	}
}

func TestUpdateDoesNotRetryOtherErrors(t *testing.T) {
	s := retryStore(t)
	for _, e := range []error{errors.New("boom"), store.ErrConflict, store.ErrAlreadyExists} {
		calls := 0
		err := s.Update(t.Context(), func(store.Tx) error {
			calls++
			return e
		})
		if !errors.Is(err, e) || calls != 1 {
			t.Fatalf("Update: %v after %d calls, want %v after 1", err, calls, e)
		}
	}
}

func TestUpdateStopsRetryingWhenCanceled(t *testing.T) {
	s := retryStore(t)
	ctx, cancel := context.WithCancel(t.Context())
	calls := 0
	err := s.Update(ctx, func(store.Tx) error {
		calls++
		cancel()
		return errTransient
	})
	if err == nil || calls != 1 {
		t.Fatalf("Update: %v after %d calls, want an error after 1", err, calls)
	}
}

func TestNewRejectsIncompleteDialect(t *testing.T) {
	if _, err := sqlstore.New(sqlstore.Dialect{Name: "x"}, nil, nil); err == nil {
		t.Fatal("New accepted a nil pool and an incomplete dialect")
	}
}
