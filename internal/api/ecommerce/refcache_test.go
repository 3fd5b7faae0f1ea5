package ecommerce

import (
	"testing"
	"time"

	operatorsv1 "github.com/eaeu/customs-exchange/gen/eaeu/operators/v1"
	"github.com/eaeu/customs-exchange/internal/api/reference"
	"github.com/eaeu/customs-exchange/internal/register"
	"github.com/eaeu/customs-exchange/internal/store"
	"github.com/eaeu/customs-exchange/internal/store/storetest"
)

func TestRefCacheGenerations(t *testing.T) {
	c := refCache[string, int]{max: 2}
	builds := 0
	get := func(gen int64, k string, v int) int {
		t.Helper()
		got, err := c.get(gen, k, func() (int, error) { builds++; return v, nil })
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if get(5, "a", 1) != 1 || get(5, "a", 99) != 1 || builds != 1 {
		t.Fatalf("same generation: built %d times", builds)
	}
	if get(6, "a", 2) != 2 || builds != 2 {
		t.Fatal("a newer generation must rebuild")
	}
	// A reader of an older generation gets its own value and leaves the
	// newer entry alone.
	if get(5, "a", 1) != 1 || get(6, "a", 99) != 2 {
		t.Fatal("an older generation's value replaced the newer one")
	}
	get(6, "b", 3)
	get(6, "c", 4) // full: emptied first
	if len(c.m) != 1 {
		t.Fatalf("the cache holds %d entries, more than its bound", len(c.m))
	}
}

// TestActiveOperatorFollowsExclusion: an operator excluded from the
// register may no longer declare, whatever was cached before (art. 429.1).
func TestActiveOperatorFollowsExclusion(t *testing.T) {
	for engine, open := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			st := open(t)
			ctx := t.Context()
			now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
			s := New(Deps{Deps: reference.Deps{Store: st, NodeState: "KZ", NationalCurrency: "KZT", Now: func() time.Time { return now }}, MinorUnits: 2})
			put := func(status operatorsv1.OperatorStatus) {
				t.Helper()
				body, err := register.Encode(&operatorsv1.Operator{Name: "operators/KZ-EO-0000001", RegisterNumber: "KZ-EO-0000001", Status: status})
				if err != nil {
					t.Fatal(err)
				}
				d := store.Document{Kind: register.KindOperator, Name: "operators/KZ-EO-0000001", Scope: "KZ-OP-0001", SortKey: "KZ-EO-0000001",
					Body: body, CreateTime: now, UpdateTime: now}
				if err := st.Update(ctx, func(tx store.Tx) error {
					if cur, err := tx.GetDocument(ctx, d.Kind, d.Name); err == nil {
						return tx.UpdateDocument(ctx, d, cur.Revision)
					}
					return tx.CreateDocument(ctx, d)
				}); err != nil {
					t.Fatal(err)
				}
			}
			standing := func() activeOperator {
				t.Helper()
				var op activeOperator
				if err := st.View(ctx, func(tx store.Tx) error {
					refs, err := s.refsOf(ctx, tx)
					if err != nil {
						return err
					}
					op, err = refs.activeOperator(ctx, "KZ-OP-0001")
					return err
				}); err != nil {
					t.Fatal(err)
				}
				return op
			}
			put(operatorsv1.OperatorStatus_OPERATOR_STATUS_ACTIVE)
			if op := standing(); !op.active || op.number != "KZ-EO-0000001" {
				t.Fatalf("included: %+v", op)
			}
			standing() // cached
			put(operatorsv1.OperatorStatus_OPERATOR_STATUS_EXCLUDED)
			if op := standing(); op.active {
				t.Fatalf("excluded, still seen active: %+v", op)
			}
		})
	}
}
