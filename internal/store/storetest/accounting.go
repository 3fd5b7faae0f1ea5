package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/eaeu/customs-exchange/internal/store"
)

const (
	opA = "KZ-EO-0000001"
	opB = "KZ-EO-0000002"
)

func acctItem(op, id, state string, created int64) store.AccountingItem {
	return store.AccountingItem{Operator: op, ItemID: id, State: state, HSCode: "6109100000", Quantity: 3, Currency: "EUR",
		Amount: "10.50", LastOccurredOn: "2026-11-01", CreateTime: ts(created, 7), UpdateTime: ts(created, 7),
		Body: []byte("item " + id)}
}

func acctEvent(op, id, item, kind, on string, recorded int64) store.AccountingEvent {
	return store.AccountingEvent{Operator: op, EventID: id, ItemID: item, Kind: kind, OccurredOn: on, RecordTime: ts(recorded, 9),
		FromState: "", ToState: "IN_CUSTOMS_WAREHOUSE", HSCode: "6109100000", Quantity: 3, Currency: "EUR", Amount: "10.50",
		Body: []byte("event " + id)}
}

func write(t *testing.T, s store.Store, w store.AccountingWrite) error {
	t.Helper()
	return s.Update(ctx(t), func(tx store.Tx) error { return tx.WriteAccounting(ctx(t), w) })
}

func eventIDs(es []store.AccountingEvent) string {
	var ids []string
	for _, e := range es {
		ids = append(ids, e.EventID)
	}
	return strings.Join(ids, ",")
}

func itemIDs(its []store.AccountingItem) string {
	var ids []string
	for _, it := range its {
		ids = append(ids, it.Operator+"/"+it.ItemID)
	}
	return strings.Join(ids, ",")
}

func runAccounting(t *testing.T, open opener) {
	runMultiRow(t, open)
	runAuditedEvents(t, open)
	t.Run("ItemsCreateUpdateConflict", func(t *testing.T) {
		s := open(t)
		a := acctItem(opA, "i1", "IN_CUSTOMS_WAREHOUSE", 1_800_000_000)
		noErr(t, "WriteAccounting", write(t, s, store.AccountingWrite{NewItems: []store.AccountingItem{a, acctItem(opB, "i1", "IN_TEMPORARY_STORAGE", 1_800_000_000)}}))
		wantErr(t, "a taken item id", write(t, s, store.AccountingWrite{NewItems: []store.AccountingItem{a}}), store.ErrAlreadyExists)
		view(t, s, func(tx store.Tx) error {
			got, err := tx.GetAccountingItems(ctx(t), opA, []string{"i1", "missing"})
			noErr(t, "GetAccountingItems", err)
			it, ok := got["i1"]
			if len(got) != 1 || !ok || it.Revision != 1 || it.State != "IN_CUSTOMS_WAREHOUSE" || it.Amount != "10.50" ||
				it.Quantity != 3 || string(it.Body) != "item i1" || it.Deadline != "" {
				t.Fatalf("got %+v", got)
			}
			sameInstant(t, "CreateTime", it.CreateTime, a.CreateTime)
			return nil
		})
		a.State, a.Deadline, a.Flags, a.Body, a.UpdateTime = "REMOVED", "2026-12-15", 4, []byte("v2"), ts(1_800_000_100, 1)
		noErr(t, "update", write(t, s, store.AccountingWrite{Updates: []store.AccountingItemUpdate{{Item: a, ExpectRevision: 1}}}))
		wantErr(t, "a stale revision", write(t, s, store.AccountingWrite{Updates: []store.AccountingItemUpdate{{Item: a, ExpectRevision: 1}}}), store.ErrConflict)
		missing := acctItem(opA, "nope", "REMOVED", 1)
		wantErr(t, "an absent item", write(t, s, store.AccountingWrite{Updates: []store.AccountingItemUpdate{{Item: missing, ExpectRevision: 1}}}), store.ErrNotFound)
		view(t, s, func(tx store.Tx) error {
			got, err := tx.GetAccountingItems(ctx(t), opA, []string{"i1"})
			noErr(t, "GetAccountingItems", err)
			it := got["i1"]
			if it.Revision != 2 || it.State != "REMOVED" || it.Deadline != "2026-12-15" || it.Flags != 4 || string(it.Body) != "v2" {
				t.Fatalf("after update %+v", it)
			}
			sameInstant(t, "CreateTime kept", it.CreateTime, ts(1_800_000_000, 7))
			other, err := tx.GetAccountingItems(ctx(t), opB, []string{"i1"})
			noErr(t, "GetAccountingItems", err)
			if other["i1"].State != "IN_TEMPORARY_STORAGE" {
				t.Fatalf("the other operator's item changed: %+v", other)
			}
			return nil
		})
	})

	t.Run("ItemsListFiltersAndPages", func(t *testing.T) {
		s := open(t)
		var w store.AccountingWrite
		for i := 0; i < 6; i++ {
			it := acctItem(opA, fmt.Sprintf("i%d", i), "IN_CUSTOMS_WAREHOUSE", 1_800_000_000)
			switch i {
			case 1:
				it.State, it.Deadline = "REMOVED", "2026-12-15"
			case 4:
				it.Flags = 2
			}
			w.NewItems = append(w.NewItems, it)
		}
		w.NewItems = append(w.NewItems, acctItem(opB, "b0", "REMOVED", 1), acctItem(opB, "b1", "REMOVED", 1))
		w.NewItems[len(w.NewItems)-1].Flags = 8
		noErr(t, "write", write(t, s, w))
		list := func(q store.AccountingItemQuery) string {
			var out string
			view(t, s, func(tx store.Tx) error {
				its, err := tx.ListAccountingItems(ctx(t), q)
				noErr(t, "ListAccountingItems", err)
				out = itemIDs(its)
				return nil
			})
			return out
		}
		for _, c := range []struct {
			name string
			q    store.AccountingItemQuery
			want string
		}{
			{"one operator by id", store.AccountingItemQuery{Operator: opA, Limit: 3}, opA + "/i0," + opA + "/i1," + opA + "/i2"},
			{"next page", store.AccountingItemQuery{Operator: opA, AfterItem: "i2", Limit: 10}, opA + "/i3," + opA + "/i4," + opA + "/i5"},
			{"state", store.AccountingItemQuery{Operator: opA, State: "REMOVED", Limit: 10}, opA + "/i1"},
			{"of interest", store.AccountingItemQuery{Operator: opA, OfInterest: true, Limit: 10}, opA + "/i1," + opA + "/i4"},
			{"every operator", store.AccountingItemQuery{State: "REMOVED", Limit: 10}, opA + "/i1," + opB + "/b0," + opB + "/b1"},
			{"every operator, of interest, after a cursor", store.AccountingItemQuery{OfInterest: true, AfterOperator: opA, AfterItem: "i4", Limit: 10}, opB + "/b1"},
		} {
			if got := list(c.q); got != c.want {
				t.Errorf("%s: got %s, want %s", c.name, got, c.want)
			}
		}
	})

	t.Run("EventsAppendOnlyAndListed", func(t *testing.T) {
		s := open(t)
		w := store.AccountingWrite{Events: []store.AccountingEvent{
			acctEvent(opA, "e1", "i1", "CUSTOMS_WAREHOUSE_PLACEMENT", "2026-11-02", 1_800_000_000),
			acctEvent(opA, "e2", "i2", "CUSTOMS_WAREHOUSE_PLACEMENT", "2026-11-01", 1_800_000_001),
			acctEvent(opA, "e3", "i1", "REMOVAL_NOTICE", "2026-11-02", 1_800_000_002),
			acctEvent(opB, "e1", "x", "TEMPORARY_STORAGE_PLACEMENT", "2026-11-01", 1_800_000_003),
		}}
		noErr(t, "write", write(t, s, w))
		// A batch with a taken event id writes nothing, not even the new one before it.
		err := write(t, s, store.AccountingWrite{Events: []store.AccountingEvent{
			acctEvent(opA, "e4", "i3", "CUSTOMS_WAREHOUSE_PLACEMENT", "2026-11-03", 1_800_000_004),
			acctEvent(opA, "e2", "i2", "RELEASE", "2026-11-03", 1_800_000_005),
		}, NewItems: []store.AccountingItem{acctItem(opA, "i3", "IN_CUSTOMS_WAREHOUSE", 1)}})
		wantErr(t, "a taken event id", err, store.ErrAlreadyExists)
		view(t, s, func(tx store.Tx) error {
			got, err := tx.GetAccountingEvents(ctx(t), opA, []string{"e1", "e2", "e4", "e9"})
			noErr(t, "GetAccountingEvents", err)
			if len(got) != 2 || got["e1"].ItemID != "i1" || string(got["e2"].Body) != "event e2" || got["e1"].Seq == 0 {
				t.Fatalf("got %+v", got)
			}
			sameInstant(t, "RecordTime", got["e1"].RecordTime, ts(1_800_000_000, 9))
			items, err := tx.GetAccountingItems(ctx(t), opA, []string{"i3"})
			noErr(t, "GetAccountingItems", err)
			if len(items) != 0 {
				t.Fatalf("the refused batch's item was stored")
			}
			return nil
		})
		list := func(q store.AccountingEventQuery) string {
			var out string
			view(t, s, func(tx store.Tx) error {
				es, err := tx.ListAccountingEvents(ctx(t), q)
				noErr(t, "ListAccountingEvents", err)
				out = eventIDs(es)
				return nil
			})
			return out
		}
		var e1seq int64
		view(t, s, func(tx store.Tx) error {
			got, _ := tx.GetAccountingEvents(ctx(t), opA, []string{"e1"})
			e1seq = got["e1"].Seq
			return nil
		})
		for _, c := range []struct {
			name string
			q    store.AccountingEventQuery
			want string
		}{
			{"by day, then as recorded", store.AccountingEventQuery{Operator: opA, Limit: 10}, "e2,e1,e3"},
			{"from a day", store.AccountingEventQuery{Operator: opA, FromDate: "2026-11-02", Limit: 10}, "e1,e3"},
			{"to a day", store.AccountingEventQuery{Operator: opA, ToDate: "2026-11-01", Limit: 10}, "e2"},
			{"after a cursor", store.AccountingEventQuery{Operator: opA, AfterDate: "2026-11-02", AfterSeq: e1seq, Limit: 10}, "e3"},
			{"the other operator", store.AccountingEventQuery{Operator: opB, Limit: 10}, "e1"},
		} {
			if got := list(c.q); got != c.want {
				t.Errorf("%s: got %s, want %s", c.name, got, c.want)
			}
		}
	})

	t.Run("AuditAppendedWithTheBatch", func(t *testing.T) {
		s := open(t)
		var head int64
		var prev []byte
		update(t, s, func(tx store.Tx) error {
			r, err := appendAudit(tx, t, "spiffe://eaeu/KZ/operator/KZ-OP-0001", "/m", "r", "OUTCOME_OK")
			head, prev = r.Sequence, r.Hash
			return err
		})
		recs := []store.AuditRecord{chainRecord(head+1, prev, "a", "/m", "r1", "OUTCOME_OK")}
		recs = append(recs, chainRecord(head+2, recs[0].Hash, "a", "/m", "r2", "OUTCOME_OK"))
		noErr(t, "write", write(t, s, store.AccountingWrite{Audit: recs,
			Events: []store.AccountingEvent{acctEvent(opA, "e1", "i1", "CUSTOMS_WAREHOUSE_PLACEMENT", "2026-11-02", 1)}}))
		view(t, s, func(tx store.Tx) error {
			seq, hash, err := tx.AuditHead(ctx(t))
			noErr(t, "AuditHead", err)
			if seq != head+2 || string(hash) != string(recs[1].Hash) {
				t.Fatalf("head %d", seq)
			}
			got, err := tx.ListAudit(ctx(t), store.AuditFilter{Limit: 10})
			noErr(t, "ListAudit", err)
			if len(got) != 3 {
				t.Fatalf("%d records", len(got))
			}
			sameAudit(t, got[2], recs[1])
			return nil
		})
		// Records that do not follow the head are refused, with nothing else.
		stale := []store.AuditRecord{chainRecord(head+1, prev, "a", "/m", "r1", "OUTCOME_OK")}
		err := write(t, s, store.AccountingWrite{Audit: stale,
			Events: []store.AccountingEvent{acctEvent(opA, "e2", "i1", "RELEASE", "2026-11-02", 1)}})
		wantErr(t, "audit records behind the head", err, store.ErrConflict)
		view(t, s, func(tx store.Tx) error {
			got, _ := tx.GetAccountingEvents(ctx(t), opA, []string{"e2"})
			if len(got) != 0 {
				t.Fatal("the event of a refused batch was stored")
			}
			return nil
		})
	})

	t.Run("ScanStreamsEveryEventUpToADay", func(t *testing.T) {
		s := open(t)
		const n = 2500 // several multi-row chunks
		var w store.AccountingWrite
		for i := 0; i < n; i++ {
			e := acctEvent(opA, fmt.Sprintf("e%05d", i), fmt.Sprintf("i%d", i%100), "CUSTOMS_WAREHOUSE_PLACEMENT",
				fmt.Sprintf("2026-11-%02d", 1+i%28), int64(i))
			e.Quantity = int64(i)
			w.Events = append(w.Events, e)
		}
		w.Events = append(w.Events, acctEvent(opB, "other", "x", "RELEASE", "2026-11-01", 1))
		noErr(t, "write", write(t, s, w))
		var count, sum int64
		view(t, s, func(tx store.Tx) error {
			return tx.ScanAccountingMovements(ctx(t), opA, "2026-11-10", func(m *store.AccountingMovement) error {
				if string(m.OccurredOn) > "2026-11-10" || string(m.Kind) != "CUSTOMS_WAREHOUSE_PLACEMENT" ||
					string(m.ToState) != "IN_CUSTOMS_WAREHOUSE" || string(m.FromState) != "" || string(m.Amount) != "10.50" ||
					string(m.Currency) != "EUR" || string(m.HSCode) != "6109100000" {
					t.Fatalf("movement %+v", m)
				}
				count++
				sum += m.Quantity
				return nil
			})
		})
		var wantCount, wantSum int64
		for i := 0; i < n; i++ {
			if 1+i%28 <= 10 {
				wantCount++
				wantSum += int64(i)
			}
		}
		if count != wantCount || sum != wantSum {
			t.Fatalf("scanned %d events (quantity %d), want %d (%d)", count, sum, wantCount, wantSum)
		}
		stop := errors.New("stop")
		calls := 0
		err := s.View(ctx(t), func(tx store.Tx) error {
			return tx.ScanAccountingMovements(ctx(t), opA, "2026-12-31", func(*store.AccountingMovement) error {
				calls++
				return stop
			})
		})
		if !errors.Is(err, stop) || calls != 1 {
			t.Fatalf("the callback's error: %v after %d calls", err, calls)
		}
	})

	t.Run("Reports", func(t *testing.T) {
		s := open(t)
		rep := func(op, id, start, status string, created int64) store.AccountingReport {
			return store.AccountingReport{Operator: op, ID: id, PeriodStart: start, PeriodEnd: start[:8] + "30", Status: status,
				CreateTime: ts(created, 3), UpdateTime: ts(created, 3), Body: []byte("report " + id)}
		}
		update(t, s, func(tx store.Tx) error {
			for _, r := range []store.AccountingReport{
				rep(opA, "r1", "2026-09-01", "DRAFT", 1_800_000_000),
				rep(opA, "r2", "2026-10-01", "SUBMITTED", 1_800_000_001),
				rep(opB, "r3", "2026-10-01", "SUBMITTED", 1_800_000_001),
				rep(opA, "r4", "2026-10-01", "RETURNED", 1_800_000_002),
			} {
				if err := tx.CreateAccountingReport(ctx(t), r); err != nil {
					return err
				}
			}
			return nil
		})
		err := s.Update(ctx(t), func(tx store.Tx) error {
			return tx.CreateAccountingReport(ctx(t), rep(opB, "r1", "2026-09-01", "DRAFT", 1))
		})
		wantErr(t, "a taken report id", err, store.ErrAlreadyExists)
		view(t, s, func(tx store.Tx) error {
			r, err := tx.GetAccountingReport(ctx(t), opA, "r2")
			noErr(t, "GetAccountingReport", err)
			if r.Revision != 1 || r.Status != "SUBMITTED" || r.PeriodEnd != "2026-10-30" || string(r.Body) != "report r2" {
				t.Fatalf("got %+v", r)
			}
			_, err = tx.GetAccountingReport(ctx(t), opB, "r2")
			wantErr(t, "another operator's report", err, store.ErrNotFound)
			return nil
		})
		r1 := rep(opA, "r1", "2026-09-01", "SUBMITTED", 1_800_000_000)
		r1.UpdateTime, r1.Body = ts(1_800_000_050, 0), []byte("submitted")
		update(t, s, func(tx store.Tx) error { return tx.UpdateAccountingReport(ctx(t), r1, 1) })
		err = s.Update(ctx(t), func(tx store.Tx) error { return tx.UpdateAccountingReport(ctx(t), r1, 1) })
		wantErr(t, "a stale report revision", err, store.ErrConflict)
		err = s.Update(ctx(t), func(tx store.Tx) error {
			return tx.UpdateAccountingReport(ctx(t), rep(opB, "r2", "2026-10-01", "DRAFT", 1), 1)
		})
		wantErr(t, "another operator's report", err, store.ErrNotFound)
		list := func(q store.AccountingReportQuery) string {
			var ids []string
			view(t, s, func(tx store.Tx) error {
				rs, err := tx.ListAccountingReports(ctx(t), q)
				noErr(t, "ListAccountingReports", err)
				for _, r := range rs {
					ids = append(ids, r.ID)
				}
				return nil
			})
			return strings.Join(ids, ",")
		}
		for _, c := range []struct {
			name string
			q    store.AccountingReportQuery
			want string
		}{
			{"newest first", store.AccountingReportQuery{Limit: 10}, "r4,r3,r2,r1"},
			{"one operator", store.AccountingReportQuery{Operator: opA, Limit: 10}, "r4,r2,r1"},
			{"status", store.AccountingReportQuery{Status: "SUBMITTED", Limit: 10}, "r3,r2,r1"},
			{"period", store.AccountingReportQuery{Operator: opA, PeriodStart: "2026-10-01", PeriodEnd: "2026-10-30", Limit: 10}, "r4,r2"},
			{"page after a tie", store.AccountingReportQuery{BeforeTime: ts(1_800_000_001, 3), BeforeID: "r3", Limit: 10}, "r2,r1"},
		} {
			if got := list(c.q); got != c.want {
				t.Errorf("%s: got %s, want %s", c.name, got, c.want)
			}
		}
	})
}
