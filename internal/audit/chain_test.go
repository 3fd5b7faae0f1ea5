package audit_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/eaeu/customs-exchange/internal/audit"
	"github.com/eaeu/customs-exchange/internal/store"
	"github.com/eaeu/customs-exchange/internal/store/sqlite"
)

func TestHashCoversEveryField(t *testing.T) {
	base := store.AuditRecord{Sequence: 7, Time: time.Unix(1700000000, 123456789), ActorSubject: "s", ActorRole: "r",
		ActorMemberState: "KZ", Method: "m", Resource: "res", RequestID: "rid", Outcome: "o", StatusCode: "OK",
		Detail: "d", PrevHash: audit.Genesis}
	h := audit.Hash(base)
	edits := map[string]func(*store.AuditRecord){
		"sequence":     func(r *store.AuditRecord) { r.Sequence++ },
		"time (1 ns)":  func(r *store.AuditRecord) { r.Time = r.Time.Add(1) },
		"subject":      func(r *store.AuditRecord) { r.ActorSubject += "x" },
		"role":         func(r *store.AuditRecord) { r.ActorRole += "x" },
		"member state": func(r *store.AuditRecord) { r.ActorMemberState = "RU" },
		"method":       func(r *store.AuditRecord) { r.Method += "x" },
		"resource":     func(r *store.AuditRecord) { r.Resource += "x" },
		"request id":   func(r *store.AuditRecord) { r.RequestID += "x" },
		"outcome":      func(r *store.AuditRecord) { r.Outcome += "x" },
		"status":       func(r *store.AuditRecord) { r.StatusCode += "x" },
		"detail":       func(r *store.AuditRecord) { r.Detail += "x" },
		"prev hash":    func(r *store.AuditRecord) { r.PrevHash = bytes.Repeat([]byte{1}, 32) },
		// Moving a byte from one field to the next must change the hash too.
		"field boundary": func(r *store.AuditRecord) { r.ActorSubject, r.ActorRole = "sr", "" },
	}
	for name, edit := range edits {
		r := base
		edit(&r)
		if bytes.Equal(audit.Hash(r), h) {
			t.Errorf("editing the %s leaves the hash unchanged", name)
		}
	}
}

func openStore(t *testing.T) store.Store {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func appendN(t *testing.T, st store.Store, n int) {
	ctx := context.Background()
	for i := 0; i < n; i++ {
		err := st.Update(ctx, func(tx store.Tx) error {
			_, err := audit.Append(ctx, tx, store.AuditRecord{Method: "/m", Detail: fmt.Sprint(i), Outcome: "OUTCOME_OK"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestVerifyFindsTheFirstBrokenLink(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		stmt   string
		broken int64
	}{
		{"intact", "", 0},
		{"edited detail", "UPDATE audit_records SET detail = 'x' WHERE sequence = 3", 3},
		{"edited time", "UPDATE audit_records SET time_ns = time_ns + 1 WHERE sequence = 5", 5},
		{"deleted middle record", "DELETE FROM audit_records WHERE sequence = 4", 4},
		{"deleted last record", "DELETE FROM audit_records WHERE sequence = 6", 6},
		{"rehashed record (link to it breaks)", "UPDATE audit_records SET detail = 'x', hash = X'00' WHERE sequence = 2", 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := openStore(t)
			appendN(t, st, 6)
			if c.stmt != "" {
				if _, err := st.(interface{ DB() *sql.DB }).DB().Exec(c.stmt); err != nil {
					t.Fatal(err)
				}
			}
			v, err := audit.Verify(ctx, st)
			if err != nil {
				t.Fatal(err)
			}
			if v.Intact != (c.broken == 0) || v.FirstBrokenSequence != c.broken {
				t.Fatalf("got %+v, want first broken %d", v, c.broken)
			}
		})
	}
}

func TestConcurrentAppendsFormOneChain(t *testing.T) {
	st := openStore(t)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() { defer wg.Done(); appendN(t, st, 10) }()
	}
	wg.Wait()
	v, err := audit.Verify(context.Background(), st)
	if err != nil || !v.Intact || v.RecordsChecked != 80 {
		t.Fatalf("%+v %v", v, err)
	}
}
