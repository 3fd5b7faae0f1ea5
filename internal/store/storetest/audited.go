package storetest

import (
	"fmt"
	"testing"

	"github.com/eaeu/customs-exchange/internal/store"
)

// runAuditedEvents: the events a write gives an audit sequence are read
// back by it, in Seq order, and only they.
func runAuditedEvents(t *testing.T, open opener) {
	t.Run("ScanAuditedEventsBySequence", func(t *testing.T) {
		s := open(t)
		var w store.AccountingWrite
		for i := range 70 {
			e := acctEvent(opA, fmt.Sprintf("e%02d", i), "i1", "RELEASE", "2026-11-02", 1)
			e.AuditSequence = int64(7 + i%2) // 7 and 8 alternate
			w.Events = append(w.Events, e)
		}
		w.Events = append(w.Events, acctEvent(opB, "unaudited", "i1", "RELEASE", "2026-11-02", 1))
		noErr(t, "write", write(t, s, w))
		view(t, s, func(tx store.Tx) error {
			for _, seq := range []int64{7, 8, 9} {
				var got []store.AccountingEvent
				noErr(t, "ScanAuditedAccountingEvents", tx.ScanAuditedAccountingEvents(ctx(t), seq, func(e *store.AccountingEvent) error {
					got = append(got, *e)
					return nil
				}))
				var want []store.AccountingEvent
				for _, e := range w.Events {
					if e.AuditSequence == seq {
						want = append(want, e)
					}
				}
				if eventIDs(got) != eventIDs(want) {
					t.Fatalf("audit sequence %d: got %s, want %s", seq, eventIDs(got), eventIDs(want))
				}
				for i := range got {
					if got[i].AuditSequence != seq || string(got[i].Body) != string(want[i].Body) || (i > 0 && got[i].Seq <= got[i-1].Seq) {
						t.Fatalf("audit sequence %d, event %d: %+v", seq, i, got[i])
					}
				}
			}
			return nil
		})
	})
}
