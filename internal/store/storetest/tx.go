package storetest

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/eaeu/customs-exchange/internal/store"
)

func runTransactions(t *testing.T, open opener) {
	t.Run("ErrorRollsBack", func(t *testing.T) {
		s := open(t)
		boom := errors.New("boom")
		err := s.Update(ctx(t), func(tx store.Tx) error {
			noErr(t, "CreateDocument", tx.CreateDocument(ctx(t), doc("calendar", "calendars/RU", "RU", "RU")))
			noErr(t, "CreateExchangeRate", tx.CreateExchangeRate(ctx(t), rate("USD", "2024-01-01", "90")))
			noErr(t, "PutIdempotency", tx.PutIdempotency(ctx(t), store.IdempotencyRecord{Key: "k", RequestHash: []byte("h"), Response: []byte("r"), CreateTime: ts(1, 0)}))
			_, err := appendAudit(tx, t, "a", "m", "r", "OK")
			noErr(t, "InsertAudit", err)
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Update returned %v, want fn's error", err)
		}
		assertEmpty(t, s)
	})

	t.Run("PanicRollsBack", func(t *testing.T) {
		s := open(t)
		func() {
			defer func() {
				if recover() == nil {
					t.Fatalf("the panic did not come through Update")
				}
			}()
			_ = s.Update(ctx(t), func(tx store.Tx) error {
				noErr(t, "CreateDocument", tx.CreateDocument(ctx(t), doc("calendar", "calendars/RU", "RU", "RU")))
				panic("fn panics")
			})
		}()
		assertEmpty(t, s)
		// The writer was released: the next Update works.
		update(t, s, func(tx store.Tx) error {
			return tx.CreateDocument(ctx(t), doc("calendar", "calendars/RU", "RU", "RU"))
		})
	})

	t.Run("CanceledContext", func(t *testing.T) {
		s := open(t)
		c, cancel := context.WithCancel(ctx(t))
		cancel()
		err := s.Update(c, func(tx store.Tx) error {
			return tx.CreateDocument(c, doc("calendar", "calendars/RU", "RU", "RU"))
		})
		if err == nil {
			t.Fatalf("Update with a canceled context succeeded")
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Update with a canceled context: %v, want context.Canceled", err)
		}
		if err := s.View(c, func(store.Tx) error { return nil }); err == nil {
			t.Fatalf("View with a canceled context succeeded")
		}
		assertEmpty(t, s)

		// Canceled while fn runs: nothing is committed.
		c, cancel = context.WithCancel(ctx(t))
		err = s.Update(c, func(tx store.Tx) error {
			noErr(t, "CreateDocument", tx.CreateDocument(c, doc("calendar", "calendars/RU", "RU", "RU")))
			cancel()
			return nil
		})
		if err == nil {
			t.Fatalf("Update canceled before commit succeeded")
		}
		assertEmpty(t, s)
	})

	t.Run("ViewIsReadOnly", func(t *testing.T) {
		s := open(t)
		err := s.View(ctx(t), func(tx store.Tx) error {
			return tx.CreateDocument(ctx(t), doc("calendar", "calendars/RU", "RU", "RU"))
		})
		if err == nil {
			t.Fatalf("CreateDocument in a View succeeded")
		}
		assertEmpty(t, s)
	})

	t.Run("ConcurrentAppends", func(t *testing.T) {
		s := open(t)
		const (
			workers = 8
			each    = 5
		)
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			errs []error
		)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each {
					err := s.Update(ctx(t), func(tx store.Tx) error {
						seq, prev, err := tx.AuditHead(ctx(t))
						if err != nil {
							return err
						}
						r := chainRecord(seq+1, prev, "worker", "/m/Append", "r", "OK")
						r.Detail = string(rune('A' + w))
						return tx.InsertAudit(ctx(t), r)
					})
					if err != nil {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("%d appends failed, first: %v", len(errs), errs[0])
		}
		got := listAudit(t, s, store.AuditFilter{Limit: 1000})
		if want := seqRange(1, workers*each); !slices.Equal(sequences(got), want) {
			t.Fatalf("sequences %v, want 1..%d", sequences(got), workers*each)
		}
		perWorker := map[string]int{}
		for i, r := range got {
			perWorker[r.Detail]++
			if i > 0 && !bytes.Equal(r.PrevHash, got[i-1].Hash) {
				t.Fatalf("record %d does not link to %d", r.Sequence, got[i-1].Sequence)
			}
		}
		for w, n := range perWorker {
			if n != each {
				t.Fatalf("worker %s appended %d records, want %d", w, n, each)
			}
		}
		view(t, s, func(tx store.Tx) error {
			seq, hash, err := tx.AuditHead(ctx(t))
			noErr(t, "AuditHead", err)
			if seq != workers*each || !bytes.Equal(hash, got[len(got)-1].Hash) {
				t.Fatalf("head %d, want %d", seq, workers*each)
			}
			return nil
		})
	})
}

// assertEmpty checks that nothing of the transaction tests was committed.
func assertEmpty(t *testing.T, s store.Store) {
	t.Helper()
	view(t, s, func(tx store.Tx) error {
		_, err := tx.GetDocument(ctx(t), "calendar", "calendars/RU")
		wantErr(t, "GetDocument after rollback", err, store.ErrNotFound)
		_, err = tx.GetExchangeRate(ctx(t), "USD", day("2024-01-01"))
		wantErr(t, "GetExchangeRate after rollback", err, store.ErrNotFound)
		_, err = tx.GetIdempotency(ctx(t), "k")
		wantErr(t, "GetIdempotency after rollback", err, store.ErrNotFound)
		seq, _, err := tx.AuditHead(ctx(t))
		noErr(t, "AuditHead", err)
		if seq != 0 {
			t.Fatalf("audit head %d after rollback, want 0", seq)
		}
		page, err := tx.ListAudit(ctx(t), store.AuditFilter{Limit: 10})
		noErr(t, "ListAudit", err)
		if len(page) != 0 {
			t.Fatalf("%d audit records after rollback", len(page))
		}
		return nil
	})
}
