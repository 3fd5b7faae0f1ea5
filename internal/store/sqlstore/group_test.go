package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/eaeu/customs-exchange/internal/store"
	"github.com/eaeu/customs-exchange/internal/store/sqlite"
	"github.com/eaeu/customs-exchange/internal/store/sqlstore"
)

func groupStore(t *testing.T) *sqlstore.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func writerStats(t *testing.T, s *sqlstore.Store) sqlstore.WriterStats {
	t.Helper()
	st, ok := s.WriterStats()
	if !ok {
		t.Fatal("an SQLite store reports no writer stats")
	}
	return st
}

func groupDoc(name string) store.Document {
	return store.Document{Kind: "k", Name: name, SortKey: name, Body: []byte("{}")}
}

// holdWriter runs an Update that creates doc "first" and keeps the
// writer's turn until n other calls wait for it; it returns once that fn
// runs, with the channel of the Update's result.
func holdWriter(t *testing.T, s *sqlstore.Store, n int) <-chan error {
	t.Helper()
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Update(t.Context(), func(tx store.Tx) error {
			close(started)
			if err := tx.CreateDocument(t.Context(), groupDoc("first")); err != nil {
				return err
			}
			for deadline := time.Now().Add(10 * time.Second); sqlstore.GroupWaiting(s) < n; time.Sleep(time.Millisecond) {
				if time.Now().After(deadline) {
					return fmt.Errorf("only %d callers queued, want %d", sqlstore.GroupWaiting(s), n)
				}
			}
			return nil
		})
	}()
	<-started
	return done
}

func docNames(t *testing.T, s *sqlstore.Store) map[string]bool {
	t.Helper()
	got := map[string]bool{}
	if err := s.View(t.Context(), func(tx store.Tx) error {
		ds, err := tx.ListDocuments(t.Context(), store.DocumentQuery{Kind: "k", Limit: 1000})
		for _, d := range ds {
			got[d.Name] = true
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// Calls queued behind a running one share its transaction: one commit for
// all, and a failing or panicking call leaves nothing while the others
// keep what they wrote.
func TestGroupCommitSharesOneTransaction(t *testing.T) {
	s := groupStore(t)
	sqlstore.SetGroupDelay(s, time.Minute) // a slow machine must not split the group
	before := writerStats(t, s)
	const n = 6
	boom := errors.New("boom")
	first := holdWriter(t, s, n)
	var wg sync.WaitGroup
	results := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					results[i] = fmt.Errorf("panicked: %v", p)
				}
			}()
			results[i] = s.Update(t.Context(), func(tx store.Tx) error {
				if err := tx.CreateDocument(t.Context(), groupDoc(fmt.Sprint("m", i))); err != nil {
					return err
				}
				switch i {
				case 2:
					return boom
				case 4:
					panic("fn panics")
				}
				return nil
			})
		}()
		// Queue them in order (the holder lets go once the last one queued).
		for deadline := time.Now().Add(5 * time.Second); i < n-1 && sqlstore.GroupWaiting(s) < i+1 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, err := range results {
		switch i {
		case 2:
			if !errors.Is(err, boom) {
				t.Errorf("call %d: %v, want its own error", i, err)
			}
		case 4:
			if err == nil || err.Error() != "panicked: fn panics" {
				t.Errorf("call %d: %v, want its panic", i, err)
			}
		default:
			if err != nil {
				t.Errorf("call %d: %v", i, err)
			}
		}
	}
	got := docNames(t, s)
	want := map[string]bool{"first": true, "m0": true, "m1": true, "m3": true, "m5": true}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("stored %v, want %v", got, want)
	}
	after := writerStats(t, s)
	if c := after.Commits - before.Commits; c != 1 {
		t.Fatalf("%d commits for %d calls queued behind one, want 1", c, n+1)
	}
	// Every call counts in the writer's stats, the failing and the
	// panicking ones too, and so does the time it ran and committed.
	if c := after.Calls - before.Calls; c != n+1 {
		t.Errorf("writer stats count %d calls, want %d", c, n+1)
	}
	if after.Running <= before.Running || after.Committing <= before.Committing {
		t.Errorf("writer busy time did not grow: %+v then %+v", before, after)
	}
	// The writer is free again.
	if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateDocument(t.Context(), groupDoc("after")) }); err != nil {
		t.Fatal(err)
	}
}

// When the shared transaction cannot commit, every call of it fails, and
// nothing of any of them is stored.
func TestGroupCommitFailureFailsEveryCall(t *testing.T) {
	s := groupStore(t)
	first := holdWriter(t, s, 1)
	second := s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.CreateDocument(t.Context(), groupDoc("second")); err != nil {
			return err
		}
		// Ends the shared transaction behind the store's back.
		return sqlstore.ExecRaw(tx, "ROLLBACK")
	})
	if second == nil {
		t.Fatal("the call that broke the transaction succeeded")
	}
	if err := <-first; err == nil {
		t.Fatal("a call of a transaction that did not commit succeeded")
	}
	if got := docNames(t, s); len(got) != 0 {
		t.Fatalf("stored %v, want nothing", got)
	}
	if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateDocument(t.Context(), groupDoc("after")) }); err != nil {
		t.Fatal(err)
	}
	if got := docNames(t, s); !got["after"] || len(got) != 1 {
		t.Fatalf("stored %v, want only after", got)
	}
}

// A call whose context ends while it waits for the writer gives up at
// once, and leaves the others to commit.
func TestGroupCommitCanceledWhileWaiting(t *testing.T) {
	s := groupStore(t)
	release := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.Update(t.Context(), func(tx store.Tx) error {
			if err := tx.CreateDocument(t.Context(), groupDoc("first")); err != nil {
				return err
			}
			<-release
			return nil
		})
	}()
	time.Sleep(50 * time.Millisecond) // let it take the writer
	ctx, cancel := context.WithCancel(t.Context())
	waiter := make(chan error, 1)
	go func() {
		waiter <- s.Update(ctx, func(tx store.Tx) error { return tx.CreateDocument(ctx, groupDoc("canceled")) })
	}()
	for deadline := time.Now().Add(5 * time.Second); sqlstore.GroupWaiting(s) < 1 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case err := <-waiter:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("canceled waiter: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a canceled waiter kept waiting for the writer")
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if got := docNames(t, s); !got["first"] || len(got) != 1 {
		t.Fatalf("stored %v, want only first", got)
	}
}

// Once the group's first call has waited its maximum, the transaction is
// committed even with callers queued: they start the next one.
func TestGroupCommitDelayBoundsTheGroup(t *testing.T) {
	s := groupStore(t)
	sqlstore.SetGroupDelay(s, 0)
	before := writerStats(t, s).Commits
	const n = 3
	first := holdWriter(t, s, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Update(t.Context(), func(tx store.Tx) error {
				return tx.CreateDocument(t.Context(), groupDoc(fmt.Sprint("m", i)))
			}); err != nil {
				t.Error(err)
			}
		}()
	}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if c := writerStats(t, s).Commits - before; c != n+1 {
		t.Fatalf("%d commits, want one per call (%d)", c, n+1)
	}
	if got := docNames(t, s); len(got) != n+1 {
		t.Fatalf("stored %v", got)
	}
}
