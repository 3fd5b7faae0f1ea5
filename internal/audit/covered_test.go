package audit_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/eaeu/customs-exchange/internal/audit"
	"github.com/eaeu/customs-exchange/internal/store"
)

func TestEventsDigestCoversEveryColumn(t *testing.T) {
	base := store.AccountingEvent{Seq: 3, Operator: "KZ-EO-0000001", EventID: "e1", ItemID: "i1", Kind: "REMOVAL",
		OccurredOn: "2026-11-02", RecordTime: time.Unix(1800000000, 5), FromState: "A", ToState: "B", HSCode: "6109100000",
		Quantity: 2, Currency: "EUR", Amount: "10.50", Flags: 1, Body: []byte("body")}
	other := base
	other.EventID = "e2"
	digest := func(es ...store.AccountingEvent) []byte {
		d := audit.NewEventsDigest()
		for i := range es {
			d.Add(&es[i])
		}
		return d.Sum()
	}
	h := digest(base, other)
	edits := map[string]func(*store.AccountingEvent){
		"operator":    func(e *store.AccountingEvent) { e.Operator += "x" },
		"event id":    func(e *store.AccountingEvent) { e.EventID += "x" },
		"item id":     func(e *store.AccountingEvent) { e.ItemID += "x" },
		"kind":        func(e *store.AccountingEvent) { e.Kind += "x" },
		"occurred on": func(e *store.AccountingEvent) { e.OccurredOn = "2026-11-03" },
		"record time": func(e *store.AccountingEvent) { e.RecordTime = e.RecordTime.Add(1) },
		"from state":  func(e *store.AccountingEvent) { e.FromState += "x" },
		"to state":    func(e *store.AccountingEvent) { e.ToState += "x" },
		"hs code":     func(e *store.AccountingEvent) { e.HSCode += "x" },
		"quantity":    func(e *store.AccountingEvent) { e.Quantity++ },
		"currency":    func(e *store.AccountingEvent) { e.Currency = "USD" },
		"amount":      func(e *store.AccountingEvent) { e.Amount += "0" },
		"flags":       func(e *store.AccountingEvent) { e.Flags++ },
		"body":        func(e *store.AccountingEvent) { e.Body = append(e.Body, 0) },
		// Moving a byte from one field to the next must change it too.
		"field boundary": func(e *store.AccountingEvent) { e.Operator, e.EventID = e.Operator+"e", "1" },
	}
	for name, edit := range edits {
		e := base
		edit(&e)
		if bytes.Equal(digest(e, other), h) {
			t.Errorf("editing the %s leaves the digest unchanged", name)
		}
	}
	for name, es := range map[string][]store.AccountingEvent{
		"reordered": {other, base}, "one dropped": {base}, "one added": {base, other, other}, "none": nil,
	} {
		if bytes.Equal(digest(es...), h) {
			t.Errorf("%s: the digest is unchanged", name)
		}
	}
	// What the store assigns or links by does not count.
	same := base
	same.Seq, same.AuditSequence = 99, 7
	if !bytes.Equal(digest(same, other), h) {
		t.Error("Seq or AuditSequence changes the digest")
	}
}
