package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/eaeu/customs-exchange/internal/store"
)

func purchase(id, operator, status, deadline string, created int64) store.WarehousePurchase {
	return store.WarehousePurchase{
		ID: id, Operator: operator, Status: status, Deadline: deadline, PurchaseDate: "2026-11-10",
		CreateTime: ts(created, 7), UpdateTime: ts(created, 7), Body: []byte(`{"id":"` + id + `"}`),
	}
}

func runWarehouse(t *testing.T, open opener) {
	t.Run("CreateGetUpdate", func(t *testing.T) {
		s := open(t)
		p := purchase("w1", "KZ-OP-1", store.WarehouseOpen, "2026-12-15", 1_800_000_000)
		update(t, s, func(tx store.Tx) error { return tx.CreateWarehousePurchase(ctx(t), p) })
		err := s.Update(ctx(t), func(tx store.Tx) error { return tx.CreateWarehousePurchase(ctx(t), p) })
		wantErr(t, "CreateWarehousePurchase of a taken id", err, store.ErrAlreadyExists)
		view(t, s, func(tx store.Tx) error {
			got, err := tx.GetWarehousePurchase(ctx(t), "w1")
			noErr(t, "GetWarehousePurchase", err)
			if got.Revision != 1 || got.Operator != "KZ-OP-1" || got.Status != store.WarehouseOpen || got.Deadline != "2026-12-15" ||
				got.PurchaseDate != "2026-11-10" || string(got.Body) != string(p.Body) {
				t.Fatalf("got %+v", got)
			}
			sameInstant(t, "CreateTime", got.CreateTime, p.CreateTime)
			_, err = tx.GetWarehousePurchase(ctx(t), "nope")
			wantErr(t, "GetWarehousePurchase of a missing id", err, store.ErrNotFound)
			return nil
		})

		p.Status, p.Body, p.UpdateTime = store.WarehouseDue, []byte(`{"v":2}`), ts(1_800_000_100, 9)
		update(t, s, func(tx store.Tx) error { return tx.UpdateWarehousePurchase(ctx(t), p, 1) })
		err = s.Update(ctx(t), func(tx store.Tx) error { return tx.UpdateWarehousePurchase(ctx(t), p, 1) })
		wantErr(t, "UpdateWarehousePurchase at a stale revision", err, store.ErrConflict)
		view(t, s, func(tx store.Tx) error {
			got, err := tx.GetWarehousePurchase(ctx(t), "w1")
			noErr(t, "GetWarehousePurchase", err)
			if got.Revision != 2 || got.Status != store.WarehouseDue || string(got.Body) != `{"v":2}` {
				t.Fatalf("got %+v", got)
			}
			sameInstant(t, "CreateTime after update", got.CreateTime, ts(1_800_000_000, 7))
			sameInstant(t, "UpdateTime", got.UpdateTime, p.UpdateTime)
			return nil
		})
		missing := purchase("w9", "KZ-OP-1", store.WarehouseOpen, "2026-12-15", 1)
		err = s.Update(ctx(t), func(tx store.Tx) error { return tx.UpdateWarehousePurchase(ctx(t), missing, 1) })
		wantErr(t, "UpdateWarehousePurchase of a missing id", err, store.ErrNotFound)
	})

	t.Run("ListFiltersAndPages", func(t *testing.T) {
		s := open(t)
		update(t, s, func(tx store.Tx) error {
			for i := 0; i < 7; i++ {
				p := purchase(fmt.Sprintf("w%d", i), "KZ-OP-1", store.WarehouseOpen, "2026-12-15", 1_800_000_000+int64(i/2)) // pairs share a time
				if i%2 == 1 {
					p.Operator, p.Status = "KZ-OP-2", store.WarehouseDeclared
				}
				if err := tx.CreateWarehousePurchase(ctx(t), p); err != nil {
					return err
				}
			}
			return nil
		})
		list := func(q store.WarehousePurchaseQuery) string {
			var ids []string
			view(t, s, func(tx store.Tx) error {
				ps, err := tx.ListWarehousePurchases(ctx(t), q)
				noErr(t, "ListWarehousePurchases", err)
				for _, p := range ps {
					ids = append(ids, p.ID)
				}
				return nil
			})
			return strings.Join(ids, ",")
		}
		cases := []struct {
			name string
			q    store.WarehousePurchaseQuery
			want string
		}{
			{"newest first, ties by id", store.WarehousePurchaseQuery{Limit: 10}, "w6,w5,w4,w3,w2,w1,w0"},
			{"operator", store.WarehousePurchaseQuery{Operator: "KZ-OP-2", Limit: 10}, "w5,w3,w1"},
			{"status", store.WarehousePurchaseQuery{Status: store.WarehouseOpen, Limit: 2}, "w6,w4"},
			{"operator and status", store.WarehousePurchaseQuery{Operator: "KZ-OP-2", Status: store.WarehouseOpen, Limit: 10}, ""},
			{"page after a tie", store.WarehousePurchaseQuery{Before: &store.WarehousePurchaseCursor{CreateTime: ts(1_800_000_002, 7), ID: "w5"}, Limit: 3}, "w4,w3,w2"},
		}
		for _, c := range cases {
			if got := list(c.q); got != c.want {
				t.Errorf("%s: got %q, want %q", c.name, got, c.want)
			}
		}
		err := s.View(ctx(t), func(tx store.Tx) error {
			_, err := tx.ListWarehousePurchases(ctx(t), store.WarehousePurchaseQuery{})
			return err
		})
		if err == nil {
			t.Fatal("ListWarehousePurchases without a limit must fail")
		}
	})

	t.Run("ListOverdue", func(t *testing.T) {
		s := open(t)
		update(t, s, func(tx store.Tx) error {
			for _, p := range []store.WarehousePurchase{
				purchase("a", "KZ-OP-1", store.WarehouseOpen, "2026-12-15", 1),
				purchase("b", "KZ-OP-2", store.WarehouseOpen, "2026-11-15", 2),
				purchase("c", "KZ-OP-1", store.WarehouseOpen, "2026-12-16", 3), // the day itself: not before it
				purchase("d", "KZ-OP-1", store.WarehouseDeclared, "2026-10-15", 4),
				purchase("e", "KZ-OP-1", store.WarehouseDue, "2026-10-15", 5),
				purchase("f", "KZ-OP-1", store.WarehouseOpen, "2026-11-15", 6),
				purchase("g", "KZ-OP-1", store.WarehouseOpen, "2027-01-15", 7),
			} {
				if err := tx.CreateWarehousePurchase(ctx(t), p); err != nil {
					return err
				}
			}
			return nil
		})
		overdue := func(before string, after *store.OverdueCursor, limit int) string {
			var ids []string
			view(t, s, func(tx store.Tx) error {
				ps, err := tx.ListOverdueWarehousePurchases(ctx(t), before, after, limit)
				noErr(t, "ListOverdueWarehousePurchases", err)
				for _, p := range ps {
					ids = append(ids, p.ID)
				}
				return nil
			})
			return strings.Join(ids, ",")
		}
		if got := overdue("2026-12-16", nil, 10); got != "b,f,a" {
			t.Errorf("open with a deadline before 2026-12-16, by deadline then id: got %q", got)
		}
		if got := overdue("2026-12-16", &store.OverdueCursor{Deadline: "2026-11-15", ID: "b"}, 10); got != "f,a" {
			t.Errorf("after a cursor: got %q", got)
		}
		if got := overdue("2026-12-16", nil, 1); got != "b" {
			t.Errorf("limit: got %q", got)
		}
		if got := overdue("2026-11-15", nil, 10); got != "" {
			t.Errorf("nothing before the earliest deadline: got %q", got)
		}
	})

	t.Run("CompareAndSetUnderConcurrency", func(t *testing.T) {
		s := open(t)
		p := purchase("cas", "KZ-OP-1", store.WarehouseOpen, "2026-11-15", 1_800_000_000)
		update(t, s, func(tx store.Tx) error { return tx.CreateWarehousePurchase(ctx(t), p) })
		// Eight writers read revision 1 and race to move it to 2: exactly
		// one wins, the others see ErrConflict.
		const writers = 8
		var (
			wg       sync.WaitGroup
			start    = make(chan struct{})
			results  = make([]error, writers)
			c        = ctx(t)
			statuses = []string{store.WarehouseDue, store.WarehouseDeclared}
		)
		for i := 0; i < writers; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				q := p
				q.Status = statuses[i%2]
				q.Body = []byte(fmt.Sprintf(`{"writer":%d}`, i))
				results[i] = s.Update(c, func(tx store.Tx) error { return tx.UpdateWarehousePurchase(c, q, 1) })
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for i, err := range results {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("writer %d: %v, want nil or ErrConflict", i, err)
			}
		}
		if won != 1 {
			t.Fatalf("%d writers won the compare-and-set, want exactly 1", won)
		}
		view(t, s, func(tx store.Tx) error {
			got, err := tx.GetWarehousePurchase(ctx(t), "cas")
			noErr(t, "GetWarehousePurchase", err)
			if got.Revision != 2 {
				t.Fatalf("revision %d after one successful update, want 2", got.Revision)
			}
			return nil
		})
	})
}
