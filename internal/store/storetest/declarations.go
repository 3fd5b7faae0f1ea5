package storetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/eaeu/customs-exchange/internal/store"
)

func decl(id string, filed int64) store.Declaration {
	return store.Declaration{
		ID: id, Status: "DECLARATION_STATUS_FILED", CustomsBody: "55201000", Operator: "KZ-OP-1",
		RecipientKey: "rk-" + id, FilingDate: "2026-11-23", FilingTime: ts(filed, 5), UpdateTime: ts(filed, 5),
		Body: []byte(`{"id":"` + id + `"}`),
	}
}

func runDeclarations(t *testing.T, open opener) {
	t.Run("CreateGetUpdate", func(t *testing.T) {
		s := open(t)
		d := decl("d1", 1_800_000_000)
		update(t, s, func(tx store.Tx) error { return tx.CreateDeclaration(ctx(t), d) })
		err := s.Update(ctx(t), func(tx store.Tx) error { return tx.CreateDeclaration(ctx(t), d) })
		wantErr(t, "CreateDeclaration of a taken id", err, store.ErrAlreadyExists)
		view(t, s, func(tx store.Tx) error {
			got, err := tx.GetDeclaration(ctx(t), "d1")
			noErr(t, "GetDeclaration", err)
			if got.Revision != 1 || got.Number != "" || string(got.Body) != string(d.Body) || got.RecipientKey != "rk-d1" {
				t.Fatalf("got %+v", got)
			}
			sameInstant(t, "FilingTime", got.FilingTime, d.FilingTime)
			_, err = tx.GetDeclaration(ctx(t), "nope")
			wantErr(t, "GetDeclaration of a missing id", err, store.ErrNotFound)
			_, err = tx.GetDeclarationByNumber(ctx(t), "55201000/231126/0000001")
			wantErr(t, "GetDeclarationByNumber before registration", err, store.ErrNotFound)
			return nil
		})
		d.Number, d.Status, d.RegistrationDate, d.Body = "55201000/231126/0000001", "DECLARATION_STATUS_REGISTERED", "2026-11-23", []byte(`{"v":2}`)
		update(t, s, func(tx store.Tx) error { return tx.UpdateDeclaration(ctx(t), d, 1) })
		err = s.Update(ctx(t), func(tx store.Tx) error { return tx.UpdateDeclaration(ctx(t), d, 1) })
		wantErr(t, "UpdateDeclaration at a stale revision", err, store.ErrConflict)
		view(t, s, func(tx store.Tx) error {
			got, err := tx.GetDeclarationByNumber(ctx(t), "55201000/231126/0000001")
			noErr(t, "GetDeclarationByNumber", err)
			if got.ID != "d1" || got.Revision != 2 || got.Status != "DECLARATION_STATUS_REGISTERED" || string(got.Body) != `{"v":2}` {
				t.Fatalf("got %+v", got)
			}
			return nil
		})
		other := decl("d2", 1_800_000_001)
		update(t, s, func(tx store.Tx) error { return tx.CreateDeclaration(ctx(t), other) })
		other.Number = d.Number
		err = s.Update(ctx(t), func(tx store.Tx) error { return tx.UpdateDeclaration(ctx(t), other, 1) })
		wantErr(t, "UpdateDeclaration to a taken number", err, store.ErrAlreadyExists)
		missing := decl("d9", 1)
		err = s.Update(ctx(t), func(tx store.Tx) error { return tx.UpdateDeclaration(ctx(t), missing, 1) })
		wantErr(t, "UpdateDeclaration of a missing id", err, store.ErrNotFound)
	})

	t.Run("ListFiltersAndPages", func(t *testing.T) {
		s := open(t)
		update(t, s, func(tx store.Tx) error {
			for i := 0; i < 7; i++ {
				d := decl(fmt.Sprintf("d%d", i), 1_800_000_000+int64(i/2)) // pairs share a filing time
				if i%2 == 1 {
					d.Operator, d.Status = "", "DECLARATION_STATUS_REGISTERED"
				}
				if i >= 5 {
					d.FilingDate = "2026-11-24"
				}
				if err := tx.CreateDeclaration(ctx(t), d); err != nil {
					return err
				}
			}
			return nil
		})
		list := func(q store.DeclarationQuery) string {
			var ids []string
			view(t, s, func(tx store.Tx) error {
				ds, err := tx.ListDeclarations(ctx(t), q)
				noErr(t, "ListDeclarations", err)
				for _, d := range ds {
					ids = append(ids, d.ID)
				}
				return nil
			})
			return strings.Join(ids, ",")
		}
		cases := []struct {
			name string
			q    store.DeclarationQuery
			want string
		}{
			{"newest first, ties by id", store.DeclarationQuery{Limit: 10}, "d6,d5,d4,d3,d2,d1,d0"},
			{"status", store.DeclarationQuery{Status: "DECLARATION_STATUS_REGISTERED", Limit: 10}, "d5,d3,d1"},
			{"operator", store.DeclarationQuery{Operator: "KZ-OP-1", Limit: 10}, "d6,d4,d2,d0"},
			{"recipient", store.DeclarationQuery{RecipientKey: "rk-d3", Limit: 10}, "d3"},
			{"filed from", store.DeclarationQuery{FiledFrom: "2026-11-24", Limit: 10}, "d6,d5"},
			{"filed to", store.DeclarationQuery{FiledTo: "2026-11-23", Limit: 2}, "d4,d3"},
			{"page after a tie", store.DeclarationQuery{Before: &store.DeclarationCursor{FilingTime: ts(1_800_000_002, 5), ID: "d5"}, Limit: 3}, "d4,d3,d2"},
		}
		for _, c := range cases {
			if got := list(c.q); got != c.want {
				t.Errorf("%s: got %s, want %s", c.name, got, c.want)
			}
		}
	})

	t.Run("NextSerialIsGapFreeUnderConcurrency", func(t *testing.T) {
		s := open(t)
		var mu sync.Mutex
		seen := map[int64]bool{}
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 10; i++ {
					var v int64
					update(t, s, func(tx store.Tx) error {
						var err error
						v, err = tx.NextSerial(ctx(t), "55201000/231126")
						return err
					})
					mu.Lock()
					seen[v] = true
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		for v := int64(1); v <= 80; v++ {
			if !seen[v] {
				t.Fatalf("serial %d never handed out (got %d distinct)", v, len(seen))
			}
		}
		update(t, s, func(tx store.Tx) error {
			v, err := tx.NextSerial(ctx(t), "another counter")
			if v != 1 {
				t.Fatalf("a new counter starts at 1, got %d", v)
			}
			return err
		})
	})
}

// runReferenceGeneration checks the counter a filing checked outside the
// writer relies on: every change to reference data or to the register
// moves it, in the same transaction; other documents leave it alone.
func runReferenceGeneration(t *testing.T, open opener) {
	t.Run("ReferenceGenerationMovesWithReferenceData", func(t *testing.T) {
		s := open(t)
		gen := func() int64 {
			var g int64
			view(t, s, func(tx store.Tx) error {
				var err error
				g, err = tx.Counter(ctx(t), store.ReferenceGeneration)
				return err
			})
			return g
		}
		g0 := gen()
		if g0 < 1 {
			t.Fatalf("the generation starts at 1 or more, got %d", g0)
		}
		update(t, s, func(tx store.Tx) error {
			return tx.CreateDocument(ctx(t), doc("declaration_version", "declarations/x/versions/1", "x", "x/1"))
		})
		if g := gen(); g != g0 {
			t.Fatalf("a declaration version moved the generation %d -> %d", g0, g)
		}
		steps := []struct {
			what string
			fn   func(tx store.Tx) error
		}{
			{"customs body created", func(tx store.Tx) error {
				return tx.CreateDocument(ctx(t), doc("customs_body", "customsBodies/55201000", "KZ", "55201000"))
			}},
			{"operator created", func(tx store.Tx) error {
				return tx.CreateDocument(ctx(t), doc("operator", "operators/KZ-EO-0000001", "KZ-OP-0001", "KZ-EO-0000001"))
			}},
			{"operator changed", func(tx store.Tx) error {
				d := doc("operator", "operators/KZ-EO-0000001", "KZ-OP-0001", "KZ-EO-0000001")
				d.Body = []byte(`{"status":"excluded"}`)
				return tx.UpdateDocument(ctx(t), d, 1)
			}},
			{"exchange rate created", func(tx store.Tx) error {
				return tx.CreateExchangeRate(ctx(t), rate("EUR", "2026-01-01", "512.5"))
			}},
		}
		for _, st := range steps {
			before := gen()
			update(t, s, st.fn)
			if g := gen(); g <= before {
				t.Fatalf("%s: the generation stayed at %d", st.what, g)
			}
		}
		// A change rolled back leaves it where it was.
		before := gen()
		_ = s.Update(ctx(t), func(tx store.Tx) error {
			if err := tx.CreateDocument(ctx(t), doc("duty_schedule", "dutySchedules/EEC-2026", "EEC", "2026-01-01/EEC-2026")); err != nil {
				return err
			}
			return store.ErrConflict
		})
		if g := gen(); g != before {
			t.Fatalf("a rolled-back change moved the generation %d -> %d", before, g)
		}
	})
}
