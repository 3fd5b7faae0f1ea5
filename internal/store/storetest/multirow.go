package storetest

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/eaeu/customs-exchange/internal/store"
)

// runMultiRow writes more rows than one multi-row statement holds, in
// statements of every shape, and reads every column back: each value must
// land in its own row and column.
func runMultiRow(t *testing.T, open opener) {
	t.Run("RowsOfEveryShapeReadBackExactly", func(t *testing.T) {
		s := open(t)
		const n = 301 // 256 + 16 + 16 + 4 + 4 + 4 + 1
		recorded := ts(1_800_000_000, 123)
		var w store.AccountingWrite
		var head int64
		var prev []byte
		view(t, s, func(tx store.Tx) error {
			var err error
			head, prev, err = tx.AuditHead(ctx(t))
			return err
		})
		if len(prev) == 0 {
			prev = make([]byte, 32)
		}
		for i := range n {
			e := acctEvent(opA, fmt.Sprintf("e%03d", i), fmt.Sprintf("i%03d", i), fmt.Sprintf("KIND_%d", i%7),
				fmt.Sprintf("2026-11-%02d", 1+i%28), 0)
			e.RecordTime, e.FromState, e.ToState, e.HSCode = recorded, fmt.Sprintf("FROM_%d", i), fmt.Sprintf("TO_%d", i), fmt.Sprintf("61%08d", i)
			e.Quantity, e.Currency, e.Amount, e.Flags = int64(i), []string{"EUR", "USD"}[i%2], fmt.Sprintf("%d.%02d", i, i%100), int64(i%5)
			w.Events = append(w.Events, e)
			it := acctItem(opA, fmt.Sprintf("i%03d", i), fmt.Sprintf("STATE_%d", i%3), 1_800_000_000)
			it.HSCode, it.Quantity, it.Amount, it.Deadline, it.Flags = fmt.Sprintf("62%08d", i), int64(1000+i), fmt.Sprintf("%d.5", i), fmt.Sprintf("2027-01-%02d", 1+i%28), int64(i%3)
			it.LastOccurredOn = e.OccurredOn
			w.NewItems = append(w.NewItems, it)
			r := chainRecord(head+1+int64(i), prev, "spiffe://eaeu/KZ/operator/KZ-OP-0001", "/eaeu.operators.v1.AccountingService/Upload",
				fmt.Sprintf("operators/%s/events/e%03d", opA, i), "OUTCOME_OK")
			r.Time, r.RequestID, r.Detail = recorded, "", fmt.Sprintf("detail %d", i)
			r.Hash = bytes.Repeat([]byte{byte(i)}, 32)
			prev = r.Hash
			w.Audit = append(w.Audit, r)
		}
		noErr(t, "write", write(t, s, w))

		view(t, s, func(tx store.Tx) error {
			ids := func(es []store.AccountingEvent) []string {
				var out []string
				for _, e := range es {
					out = append(out, e.EventID)
				}
				return out
			}
			got, err := tx.GetAccountingEvents(ctx(t), opA, ids(w.Events))
			noErr(t, "GetAccountingEvents", err)
			for _, want := range w.Events {
				g := got[want.EventID]
				sameInstant(t, want.EventID+" record time", g.RecordTime, want.RecordTime)
				g.Seq, g.RecordTime, want.RecordTime = 0, time.Time{}, time.Time{}
				if fmt.Sprint(g) != fmt.Sprint(want) {
					t.Fatalf("event %s = %+v\nwant %+v", want.EventID, g, want)
				}
			}
			var itemIDs []string
			for _, it := range w.NewItems {
				itemIDs = append(itemIDs, it.ItemID)
			}
			items, err := tx.GetAccountingItems(ctx(t), opA, itemIDs)
			noErr(t, "GetAccountingItems", err)
			for _, want := range w.NewItems {
				g := items[want.ItemID]
				sameInstant(t, want.ItemID+" create time", g.CreateTime, want.CreateTime)
				sameInstant(t, want.ItemID+" update time", g.UpdateTime, want.UpdateTime)
				g.CreateTime, g.UpdateTime, want.CreateTime, want.UpdateTime, want.Revision = time.Time{}, time.Time{}, time.Time{}, time.Time{}, 1
				if fmt.Sprint(g) != fmt.Sprint(want) {
					t.Fatalf("item %s = %+v\nwant %+v", want.ItemID, g, want)
				}
			}
			recs, err := tx.ListAudit(ctx(t), store.AuditFilter{AfterSequence: head, Limit: n + 1})
			noErr(t, "ListAudit", err)
			if len(recs) != n {
				t.Fatalf("%d audit records, want %d", len(recs), n)
			}
			for i, r := range recs {
				sameAudit(t, r, w.Audit[i])
			}
			return nil
		})
	})
}
