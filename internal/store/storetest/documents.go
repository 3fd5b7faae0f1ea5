package storetest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/eaeu/customs-exchange/internal/store"
)

func doc(kind, name, scope, sortKey string) store.Document {
	return store.Document{
		Kind:       kind,
		Name:       name,
		Scope:      scope,
		SortKey:    sortKey,
		Body:       []byte(`{"name":"` + name + `","rate":"0.10"}`),
		CreateTime: ts(1_700_000_000, 123_456_789),
		UpdateTime: ts(1_700_000_000, 123_456_789),
	}
}

func sameDocument(t *testing.T, got, want store.Document) {
	t.Helper()
	if got.Kind != want.Kind || got.Name != want.Name || got.Scope != want.Scope ||
		got.SortKey != want.SortKey || got.Revision != want.Revision || !bytes.Equal(got.Body, want.Body) {
		t.Fatalf("document = %+v\nwant %+v", got, want)
	}
	sameInstant(t, "CreateTime", got.CreateTime, want.CreateTime)
	sameInstant(t, "UpdateTime", got.UpdateTime, want.UpdateTime)
}

func names(ds []store.Document) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Name
	}
	return out
}

func runDocuments(t *testing.T, open opener) {
	t.Run("CreateGet", func(t *testing.T) {
		s := open(t)
		d := doc("customs_body", "customsBodies/10000000", "RU", "10000000")
		update(t, s, func(tx store.Tx) error { return tx.CreateDocument(ctx(t), d) })
		want := d
		want.Revision = 1
		view(t, s, func(tx store.Tx) error {
			got, err := tx.GetDocument(ctx(t), d.Kind, d.Name)
			noErr(t, "GetDocument", err)
			sameDocument(t, got, want)
			return nil
		})
		// Visible inside the writing transaction too.
		update(t, s, func(tx store.Tx) error {
			e := doc("customs_body", "customsBodies/2", "KZ", "2")
			noErr(t, "CreateDocument", tx.CreateDocument(ctx(t), e))
			got, err := tx.GetDocument(ctx(t), e.Kind, e.Name)
			noErr(t, "GetDocument in the same transaction", err)
			e.Revision = 1
			sameDocument(t, got, e)
			return nil
		})
	})

	t.Run("EmptyBody", func(t *testing.T) {
		s := open(t)
		d := doc("calendar", "calendars/empty", "", "empty")
		d.Body = nil
		update(t, s, func(tx store.Tx) error { return tx.CreateDocument(ctx(t), d) })
		view(t, s, func(tx store.Tx) error {
			got, err := tx.GetDocument(ctx(t), d.Kind, d.Name)
			noErr(t, "GetDocument", err)
			if len(got.Body) != 0 {
				t.Fatalf("Body = %q, want empty", got.Body)
			}
			return nil
		})
	})

	t.Run("GetNotFound", func(t *testing.T) {
		s := open(t)
		update(t, s, func(tx store.Tx) error {
			return tx.CreateDocument(ctx(t), doc("calendar", "calendars/RU", "RU", "RU"))
		})
		view(t, s, func(tx store.Tx) error {
			_, err := tx.GetDocument(ctx(t), "calendar", "calendars/KZ")
			wantErr(t, "GetDocument of an absent name", err, store.ErrNotFound)
			_, err = tx.GetDocument(ctx(t), "duty_schedule", "calendars/RU")
			wantErr(t, "GetDocument in another kind", err, store.ErrNotFound)
			return nil
		})
	})

	t.Run("CreateAlreadyExists", func(t *testing.T) {
		s := open(t)
		orig := doc("customs_body", "customsBodies/1", "RU", "1")
		update(t, s, func(tx store.Tx) error { return tx.CreateDocument(ctx(t), orig) })

		sameName := doc("customs_body", "customsBodies/1", "KZ", "other")
		err := s.Update(ctx(t), func(tx store.Tx) error { return tx.CreateDocument(ctx(t), sameName) })
		wantErr(t, "CreateDocument with a taken name", err, store.ErrAlreadyExists)

		sameSort := doc("customs_body", "customsBodies/9", "KZ", "1")
		err = s.Update(ctx(t), func(tx store.Tx) error { return tx.CreateDocument(ctx(t), sameSort) })
		wantErr(t, "CreateDocument with a taken sort key", err, store.ErrAlreadyExists)

		// Name and sort key are unique within a kind only.
		update(t, s, func(tx store.Tx) error {
			return tx.CreateDocument(ctx(t), doc("calendar", "customsBodies/1", "RU", "1"))
		})
		want := orig
		want.Revision = 1
		view(t, s, func(tx store.Tx) error {
			got, err := tx.GetDocument(ctx(t), orig.Kind, orig.Name)
			noErr(t, "GetDocument", err)
			sameDocument(t, got, want)
			_, err = tx.GetDocument(ctx(t), sameSort.Kind, sameSort.Name)
			wantErr(t, "GetDocument of the refused one", err, store.ErrNotFound)
			return nil
		})
	})

	t.Run("TxUsableAfterAlreadyExists", func(t *testing.T) {
		// A refused create leaves the transaction usable, so the caller can
		// still record the outcome (audit, idempotency) and commit.
		s := open(t)
		d := doc("calendar", "calendars/RU", "RU", "RU")
		update(t, s, func(tx store.Tx) error { return tx.CreateDocument(ctx(t), d) })
		update(t, s, func(tx store.Tx) error {
			wantErr(t, "second CreateDocument", tx.CreateDocument(ctx(t), d), store.ErrAlreadyExists)
			return tx.CreateDocument(ctx(t), doc("calendar", "calendars/KZ", "KZ", "KZ"))
		})
		view(t, s, func(tx store.Tx) error {
			_, err := tx.GetDocument(ctx(t), "calendar", "calendars/KZ")
			noErr(t, "GetDocument after the refusal", err)
			return nil
		})
	})

	t.Run("Update", func(t *testing.T) {
		s := open(t)
		d := doc("duty_schedule", "dutySchedules/a", "RU", "a")
		update(t, s, func(tx store.Tx) error { return tx.CreateDocument(ctx(t), d) })

		u := d
		u.Scope = "BY"
		u.SortKey = "b"
		u.Body = []byte(`{"changed":true}`)
		u.UpdateTime = ts(1_800_000_000, 999_999_999)
		u.CreateTime = ts(1, 0) // ignored: the create time stays
		update(t, s, func(tx store.Tx) error { return tx.UpdateDocument(ctx(t), u, 1) })

		want := u
		want.Revision = 2
		want.CreateTime = d.CreateTime
		view(t, s, func(tx store.Tx) error {
			got, err := tx.GetDocument(ctx(t), d.Kind, d.Name)
			noErr(t, "GetDocument", err)
			sameDocument(t, got, want)
			return nil
		})

		u.Body = []byte(`{"third":true}`)
		update(t, s, func(tx store.Tx) error { return tx.UpdateDocument(ctx(t), u, 2) })
		view(t, s, func(tx store.Tx) error {
			got, err := tx.GetDocument(ctx(t), d.Kind, d.Name)
			noErr(t, "GetDocument", err)
			if got.Revision != 3 || string(got.Body) != `{"third":true}` {
				t.Fatalf("after the second update: revision %d body %q", got.Revision, got.Body)
			}
			return nil
		})
	})

	t.Run("UpdateConflict", func(t *testing.T) {
		s := open(t)
		d := doc("duty_schedule", "dutySchedules/a", "RU", "a")
		update(t, s, func(tx store.Tx) error { return tx.CreateDocument(ctx(t), d) })
		u := d
		u.Body = []byte(`{"lost":true}`)
		for _, rev := range []int64{0, 2, 7} {
			err := s.Update(ctx(t), func(tx store.Tx) error { return tx.UpdateDocument(ctx(t), u, rev) })
			wantErr(t, fmt.Sprintf("UpdateDocument expecting revision %d", rev), err, store.ErrConflict)
		}
		want := d
		want.Revision = 1
		view(t, s, func(tx store.Tx) error {
			got, err := tx.GetDocument(ctx(t), d.Kind, d.Name)
			noErr(t, "GetDocument", err)
			sameDocument(t, got, want)
			return nil
		})
	})

	t.Run("UpdateNotFound", func(t *testing.T) {
		s := open(t)
		err := s.Update(ctx(t), func(tx store.Tx) error {
			return tx.UpdateDocument(ctx(t), doc("calendar", "calendars/none", "", "none"), 1)
		})
		wantErr(t, "UpdateDocument of an absent document", err, store.ErrNotFound)
	})

	t.Run("UpdateSortKeyTaken", func(t *testing.T) {
		s := open(t)
		a := doc("calendar", "calendars/a", "", "a")
		b := doc("calendar", "calendars/b", "", "b")
		update(t, s, func(tx store.Tx) error {
			noErr(t, "create a", tx.CreateDocument(ctx(t), a))
			return tx.CreateDocument(ctx(t), b)
		})
		b.SortKey = "a"
		err := s.Update(ctx(t), func(tx store.Tx) error { return tx.UpdateDocument(ctx(t), b, 1) })
		wantErr(t, "UpdateDocument to a taken sort key", err, store.ErrAlreadyExists)
		// Keeping its own sort key is no conflict.
		b.SortKey = "b"
		update(t, s, func(tx store.Tx) error { return tx.UpdateDocument(ctx(t), b, 1) })
	})

	t.Run("ListPagination", func(t *testing.T) {
		s := open(t)
		// Byte-wise order: upper case before '_' before lower case.
		keys := []string{"A", "B", "Z", "_", "a", "a0", "b", "z", "zz"}
		shuffled := slices.Clone(keys)
		rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		update(t, s, func(tx store.Tx) error {
			for _, k := range shuffled {
				if err := tx.CreateDocument(ctx(t), doc("customs_body", "n/"+k, "RU", k)); err != nil {
					return err
				}
				// Another kind with the same keys must not show up.
				if err := tx.CreateDocument(ctx(t), doc("calendar", "n/"+k, "RU", k)); err != nil {
					return err
				}
			}
			return nil
		})
		var want []string
		for _, k := range keys {
			want = append(want, "n/"+k)
		}
		for _, desc := range []bool{false, true} {
			for _, limit := range []int{1, 2, 4, 9, 100} {
				got := listAll(t, s, store.DocumentQuery{Kind: "customs_body", Limit: limit, Descending: desc})
				w := slices.Clone(want)
				if desc {
					slices.Reverse(w)
				}
				if !slices.Equal(got, w) {
					t.Fatalf("desc=%v limit=%d: listed %q, want %q", desc, limit, got, w)
				}
			}
		}
		view(t, s, func(tx store.Tx) error {
			page, err := tx.ListDocuments(ctx(t), store.DocumentQuery{Kind: "customs_body", AfterSort: "_", Limit: 3})
			noErr(t, "ListDocuments", err)
			if got := names(page); !slices.Equal(got, []string{"n/a", "n/a0", "n/b"}) {
				t.Fatalf("after %q: %q", "_", got)
			}
			page, err = tx.ListDocuments(ctx(t), store.DocumentQuery{Kind: "customs_body", AfterSort: "a", Limit: 3, Descending: true})
			noErr(t, "ListDocuments", err)
			if got := names(page); !slices.Equal(got, []string{"n/_", "n/Z", "n/B"}) {
				t.Fatalf("descending before %q: %q", "a", got)
			}
			page, err = tx.ListDocuments(ctx(t), store.DocumentQuery{Kind: "customs_body", AfterSort: "zz", Limit: 3})
			noErr(t, "ListDocuments", err)
			if len(page) != 0 {
				t.Fatalf("after the last key: %q", names(page))
			}
			page, err = tx.ListDocuments(ctx(t), store.DocumentQuery{Kind: "no_such_kind", Limit: 3})
			noErr(t, "ListDocuments", err)
			if len(page) != 0 {
				t.Fatalf("unknown kind: %q", names(page))
			}
			return nil
		})
	})

	t.Run("ListScope", func(t *testing.T) {
		s := open(t)
		update(t, s, func(tx store.Tx) error {
			for i, scope := range []string{"RU", "KZ", "RU", "BY", "RU", "KZ", "AM"} {
				k := fmt.Sprintf("%02d", i)
				if err := tx.CreateDocument(ctx(t), doc("customs_body", "cb/"+k, scope, k)); err != nil {
					return err
				}
			}
			return nil
		})
		got := listAll(t, s, store.DocumentQuery{Kind: "customs_body", Scope: "RU", Limit: 2})
		if want := []string{"cb/00", "cb/02", "cb/04"}; !slices.Equal(got, want) {
			t.Fatalf("scope RU: %q, want %q", got, want)
		}
		got = listAll(t, s, store.DocumentQuery{Kind: "customs_body", Scope: "KZ", Limit: 1, Descending: true})
		if want := []string{"cb/05", "cb/01"}; !slices.Equal(got, want) {
			t.Fatalf("scope KZ descending: %q, want %q", got, want)
		}
		got = listAll(t, s, store.DocumentQuery{Kind: "customs_body", Scope: "XX", Limit: 5})
		if len(got) != 0 {
			t.Fatalf("scope XX: %q", got)
		}
		got = listAll(t, s, store.DocumentQuery{Kind: "customs_body", Limit: 5})
		if len(got) != 7 {
			t.Fatalf("every scope: %q", got)
		}
	})
}

// listAll pages through a listing with AfterSort and returns the names.
func listAll(t *testing.T, s store.Store, q store.DocumentQuery) []string {
	t.Helper()
	var out []string
	for range 100 {
		var page []store.Document
		view(t, s, func(tx store.Tx) error {
			var err error
			page, err = tx.ListDocuments(ctx(t), q)
			return err
		})
		if len(page) > q.Limit {
			t.Fatalf("ListDocuments returned %d documents, limit %d", len(page), q.Limit)
		}
		out = append(out, names(page)...)
		if len(page) < q.Limit {
			return out
		}
		q.AfterSort = page[len(page)-1].SortKey
	}
	t.Fatalf("ListDocuments paging does not end")
	return nil
}
