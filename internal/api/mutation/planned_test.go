package mutation

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/store"
	"github.com/eaeu/customs-exchange/internal/store/storetest"
)

var testTime = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// setOperator stores the register entry the plans below read: its body is
// its status.
func setOperator(t *testing.T, st store.Store, status string) {
	t.Helper()
	err := st.Update(t.Context(), func(tx store.Tx) error {
		d := store.Document{Kind: "operator", Name: "operators/KZ-EO-0000001", Scope: "KZ-OP-0001", SortKey: "KZ-EO-0000001",
			Body: []byte(status), CreateTime: testTime, UpdateTime: testTime}
		cur, err := tx.GetDocument(t.Context(), d.Kind, d.Name)
		if errors.Is(err, store.ErrNotFound) {
			return tx.CreateDocument(t.Context(), d)
		}
		if err != nil {
			return err
		}
		return tx.UpdateDocument(t.Context(), d, cur.Revision)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// planner files a "declaration" (a document) only while the operator is
// active; between is run after the first plan, before the write.
type planner struct {
	st      store.Store
	mu      sync.Mutex
	plans   int
	between func()
}

func (p *planner) file(ctx context.Context, requestID string) (*ecommercev1.FileDeclarationResponse, error) {
	req := &ecommercev1.FileDeclarationRequest{RequestId: requestID, Declaration: &ecommercev1.Declaration{CustomsBodyCode: "55201000"}}
	return RunPlanned(ctx, p.st, req, func() *ecommercev1.FileDeclarationResponse { return &ecommercev1.FileDeclarationResponse{} },
		func(ctx context.Context, tx store.Tx, _ int64) (string, error) {
			p.mu.Lock()
			p.plans++
			n := p.plans
			p.mu.Unlock()
			op, err := tx.GetDocument(ctx, "operator", "operators/KZ-EO-0000001")
			if err != nil {
				return "", err
			}
			if n == 1 && p.between != nil {
				p.between()
			}
			if string(op.Body) != "active" {
				return "", errs.WrongState("the operator is %s", op.Body)
			}
			// Each plan names a new declaration, as filing does.
			return fmt.Sprintf("declarations/%s/%d", requestID, n), nil
		},
		func(ctx context.Context, tx store.Tx, name string) (*ecommercev1.FileDeclarationResponse, Result, error) {
			err := tx.CreateDocument(ctx, store.Document{Kind: "declaration_version", Name: name, Scope: requestID, SortKey: name,
				Body: []byte("filed"), CreateTime: testTime, UpdateTime: testTime})
			if err != nil {
				return nil, Result{}, err
			}
			return &ecommercev1.FileDeclarationResponse{Declaration: &ecommercev1.Declaration{Name: name}}, Result{Resource: name}, nil
		})
}

func filed(t *testing.T, st store.Store, name string) bool {
	t.Helper()
	var found bool
	err := st.View(t.Context(), func(tx store.Tx) error {
		_, err := tx.GetDocument(t.Context(), "declaration_version", name)
		found = err == nil
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func TestRunPlanned(t *testing.T) {
	for engine, open := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			t.Run("PlannedOnceWrittenOnceReplayed", func(t *testing.T) {
				st := open(t)
				setOperator(t, st, "active")
				p := &planner{st: st}
				resp, err := p.file(t.Context(), "r1")
				if err != nil || resp.GetDeclaration().GetName() != "declarations/r1/1" || !filed(t, st, "declarations/r1/1") {
					t.Fatalf("filing: %v %v", resp, err)
				}
				if p.plans != 1 {
					t.Fatalf("nothing changed meanwhile: planned %d times, want 1", p.plans)
				}
				// A retry is answered from its record, even after the
				// operator's exclusion, and plans nothing.
				setOperator(t, st, "excluded")
				again, err := p.file(t.Context(), "r1")
				if err != nil || again.GetDeclaration().GetName() != "declarations/r1/1" || p.plans != 1 {
					t.Fatalf("retry: %v %v, planned %d times", again, err, p.plans)
				}
			})
			t.Run("ChangeBeforeTheWriteIsSeen", func(t *testing.T) {
				// The exclusion commits after the plan read the operator as
				// active and before the write: the write must plan again and
				// refuse, storing nothing (art. 429.1: only an operator on
				// the register declares).
				st := open(t)
				setOperator(t, st, "active")
				p := &planner{st: st}
				p.between = func() { setOperator(t, st, "excluded") }
				_, err := p.file(t.Context(), "r2")
				if e, ok := errs.As(err); !ok || e.Kind != errs.KindWrongState {
					t.Fatalf("want the refusal of the second plan, got %v", err)
				}
				if p.plans != 2 {
					t.Fatalf("planned %d times, want 2 (once outside, once in the writer)", p.plans)
				}
				if filed(t, st, "declarations/r2/1") || filed(t, st, "declarations/r2/2") {
					t.Fatal("a refused filing was stored")
				}
			})
			t.Run("ConcurrentCopiesStoreOnce", func(t *testing.T) {
				// Copies of one request sent at once (a client retrying
				// while its first try is still running): one is stored, and
				// every copy gets its answer.
				st := open(t)
				setOperator(t, st, "active")
				p := &planner{st: st}
				const copies = 8
				names := make([]string, copies)
				var wg sync.WaitGroup
				for i := range copies {
					wg.Add(1)
					go func() {
						defer wg.Done()
						resp, err := p.file(t.Context(), "r4")
						if err != nil {
							t.Errorf("copy %d: %v", i, err)
						}
						names[i] = resp.GetDeclaration().GetName()
					}()
				}
				wg.Wait()
				for _, n := range names {
					if n != names[0] {
						t.Fatalf("copies got different answers: %v", names)
					}
				}
				var docs []store.Document
				if err := st.View(t.Context(), func(tx store.Tx) error {
					var err error
					docs, err = tx.ListDocuments(t.Context(), store.DocumentQuery{Kind: "declaration_version", Scope: "r4", Limit: 100})
					return err
				}); err != nil {
					t.Fatal(err)
				}
				if len(docs) != 1 || docs[0].Name != names[0] {
					t.Fatalf("stored %d declarations for one request id, want 1 named %s", len(docs), names[0])
				}
			})
			t.Run("RefusalWritesNothing", func(t *testing.T) {
				st := open(t)
				setOperator(t, st, "excluded")
				p := &planner{st: st}
				if _, err := p.file(t.Context(), "r3"); err == nil || filed(t, st, "declarations/r3/1") {
					t.Fatalf("an excluded operator filed: %v", err)
				}
				// The same request id may be used again once the refusal is
				// lifted: a refusal is not recorded as the call's answer.
				setOperator(t, st, "active")
				if _, err := p.file(t.Context(), "r3"); err != nil || !filed(t, st, "declarations/r3/2") {
					t.Fatalf("after inclusion: %v", err)
				}
			})
		})
	}
}
