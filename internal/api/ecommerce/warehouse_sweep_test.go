package ecommerce

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	typev1 "github.com/eaeu/customs-exchange/gen/eaeu/type/v1"
	"github.com/eaeu/customs-exchange/internal/api/reference"
	"github.com/eaeu/customs-exchange/internal/audit"
	"github.com/eaeu/customs-exchange/internal/store"
	"github.com/eaeu/customs-exchange/internal/store/storetest"
)

const (
	whOpen     = ecommercev1.WarehousePurchaseStatus_WAREHOUSE_PURCHASE_STATUS_OPEN
	whDeclared = ecommercev1.WarehousePurchaseStatus_WAREHOUSE_PURCHASE_STATUS_DECLARED
	whDue      = ecommercev1.WarehousePurchaseStatus_WAREHOUSE_PURCHASE_STATUS_DUE
)

func seedWarehousePurchase(t *testing.T, st store.Store, id, purchase, deadline string, status ecommercev1.WarehousePurchaseStatus) {
	t.Helper()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	p := &ecommercev1.WarehousePurchase{
		Name: purchasePrefix + id, OperatorRegisterNumber: "KZ-EO-0000001", ItemDescription: "headphones", HsCode: "8518300000",
		Value: &typev1.Money{CurrencyCode: "EUR", Amount: "80"}, PurchaseDate: purchase, PlacementDate: "2026-08-01",
		BuyerReference: "ORD-" + id, Status: status, DeclarationDeadline: deadline,
		CreateTime: timestamppb.New(now), UpdateTime: timestamppb.New(now),
	}
	row, err := purchaseRow(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Update(t.Context(), func(tx store.Tx) error { return tx.CreateWarehousePurchase(t.Context(), row) }); err != nil {
		t.Fatal(err)
	}
}

// TestDueSweepMarksEachOnceAcrossInstances runs four sweeps at once over
// one store, as four server instances would: every overdue purchase is
// marked exactly once, with exactly one audit record, and nothing else is
// touched.
func TestDueSweepMarksEachOnceAcrossInstances(t *testing.T) {
	for name, open := range storetest.Engines() {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			// 12:00 UTC on 23 November 2026 is 23 November in Almaty.
			now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
			deps := reference.Deps{Store: st, NodeState: "KZ", NationalCurrency: "KZT", Now: func() time.Time { return now }}
			const overdue = 30
			for i := 0; i < overdue; i++ {
				deadline := "2026-10-15" // art. 309.6(13): bought in September
				if i%3 == 0 {
					deadline = "2026-11-22" // after a refusal: the 5th working day was yesterday
				}
				seedWarehousePurchase(t, st, fmt.Sprintf("overdue-%02d", i), "2026-09-10", deadline, whOpen)
			}
			seedWarehousePurchase(t, st, "deadline-today", "2026-11-10", "2026-11-23", whOpen)
			seedWarehousePurchase(t, st, "deadline-ahead", "2026-11-10", "2026-12-15", whOpen)
			seedWarehousePurchase(t, st, "declared", "2026-09-10", "2026-10-15", whDeclared)

			const instances = 4
			var (
				wg      sync.WaitGroup
				start   = make(chan struct{})
				results = make([]SweepResult, instances)
				errs    = make([]error, instances)
			)
			for i := 0; i < instances; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					results[i], errs[i] = NewDueSweep(deps, nil).Run(t.Context())
				}()
			}
			close(start)
			wg.Wait()
			total := 0
			for i := range results {
				if errs[i] != nil {
					t.Fatalf("sweep %d: %v", i, errs[i])
				}
				if got := results[i].AsOf.Format(time.DateOnly); got != "2026-11-23" {
					t.Fatalf("sweep %d compared with %s, want 2026-11-23", i, got)
				}
				total += results[i].Marked
			}
			if total != overdue {
				t.Fatalf("the %d sweeps marked %d in all, want %d (each overdue purchase once)", instances, total, overdue)
			}

			err := st.View(t.Context(), func(tx store.Tx) error {
				for i := 0; i < overdue; i++ {
					row, err := tx.GetWarehousePurchase(t.Context(), fmt.Sprintf("overdue-%02d", i))
					if err != nil {
						return err
					}
					p, err := decodePurchase(row)
					if err != nil {
						return err
					}
					if row.Revision != 2 || row.Status != store.WarehouseDue || p.GetStatus() != whDue ||
						p.GetDueReason() != ecommercev1.WarehouseDueReason_WAREHOUSE_DUE_REASON_MISSED_DEADLINE ||
						p.GetDueDate() != p.GetDeclarationDeadline() {
						t.Errorf("art. 309.6(17)(2): %s: revision %d, %v %v due %s (deadline %s)", row.ID, row.Revision,
							p.GetStatus(), p.GetDueReason(), p.GetDueDate(), p.GetDeclarationDeadline())
					}
				}
				for _, id := range []string{"deadline-today", "deadline-ahead", "declared"} {
					row, err := tx.GetWarehousePurchase(t.Context(), id)
					if err != nil {
						return err
					}
					if row.Revision != 1 {
						t.Errorf("%s was changed (revision %d, %s)", id, row.Revision, row.Status)
					}
				}
				recs, err := tx.ListAudit(t.Context(), store.AuditFilter{Method: ecommercev1.WarehouseService_RunDueSweep_FullMethodName, Limit: 1000})
				if err != nil {
					return err
				}
				perPurchase := map[string]int{}
				for _, r := range recs {
					perPurchase[r.Resource]++
					if r.ActorSubject != "spiffe://eaeu/KZ/node/warehouse-due-sweep" || r.ActorRole != "ROLE_CUSTOMS" || r.Outcome != "OUTCOME_OK" {
						t.Errorf("audit record of a marking: %+v", r)
					}
				}
				if len(recs) != overdue || len(perPurchase) != overdue {
					t.Errorf("%d audit records for %d purchases, want one for each of %d", len(recs), len(perPurchase), overdue)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			v, err := audit.Verify(t.Context(), st)
			if err != nil || !v.Intact {
				t.Fatalf("audit chain after concurrent sweeps: %+v %v", v, err)
			}

			again, err := NewDueSweep(deps, nil).Run(t.Context())
			if err != nil || again.Marked != 0 {
				t.Fatalf("a second run marked %d (%v), want 0", again.Marked, err)
			}
		})
	}
}

func TestDueSweepLoopStopsWithItsContext(t *testing.T) {
	st := storetest.Engines()["sqlite"](t)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	seedWarehousePurchase(t, st, "overdue", "2026-09-10", "2026-10-15", whOpen)
	sweep := NewDueSweep(reference.Deps{Store: st, NodeState: "KZ", Now: func() time.Time { return now }}, nil)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); sweep.Loop(ctx, 10*time.Millisecond) }()
	deadline := time.After(10 * time.Second)
	for marked := false; !marked; {
		select {
		case <-deadline:
			t.Fatal("the loop did not mark the overdue purchase at its first run")
		case <-time.After(5 * time.Millisecond):
		}
		_ = st.View(t.Context(), func(tx store.Tx) error {
			row, err := tx.GetWarehousePurchase(t.Context(), "overdue")
			marked = err == nil && row.Status == store.WarehouseDue
			return err
		})
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the loop did not stop with its context")
	}
}

func TestDueSweepGoesPastAPurchaseItCannotRead(t *testing.T) {
	st := storetest.Engines()["sqlite"](t)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	broken := store.WarehousePurchase{ID: "broken", Operator: "KZ-EO-0000001", Status: store.WarehouseOpen, Deadline: "2026-10-01",
		PurchaseDate: "2026-09-01", CreateTime: now, UpdateTime: now, Body: []byte(`{}`)}
	if err := st.Update(t.Context(), func(tx store.Tx) error { return tx.CreateWarehousePurchase(t.Context(), broken) }); err != nil {
		t.Fatal(err)
	}
	seedWarehousePurchase(t, st, "overdue", "2026-09-10", "2026-10-15", whOpen)
	res, err := NewDueSweep(reference.Deps{Store: st, NodeState: "KZ", Now: func() time.Time { return now }}, nil).Run(t.Context())
	if err == nil || res.Marked != 1 {
		t.Fatalf("marked %d with error %v; want the readable one marked and the broken one reported", res.Marked, err)
	}
}
