package accounting

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eaeu/customs-exchange/internal/rules/calendar"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
)

func d(s string) time.Time { return dates.MustParse(s) }

func TestNext(t *testing.T) {
	cases := []struct {
		name string
		from State
		kind EventKind
		want State
		ref  RefusalKind // 0: allowed
	}{
		{"art. 309.3: placement into temporary storage", None, TemporaryStoragePlacement, InTemporaryStorage, 0},
		{"art. 309.6: placement into the customs warehouse", None, CustomsWarehousePlacement, InCustomsWarehouse, 0},
		{"art. 309.3, 309.6: goods in temporary storage placed into the warehouse", InTemporaryStorage, CustomsWarehousePlacement, InCustomsWarehouse, 0},
		{"art. 429.5: an item id is placed once", InCustomsWarehouse, CustomsWarehousePlacement, InCustomsWarehouse, RefusedExists},
		{"art. 429.5: a placement of a finished item's id", Released, TemporaryStoragePlacement, Released, RefusedExists},
		{"art. 429.5: no event on an item never placed", None, Removal, None, RefusedInvalid},
		{"art. 309.6: notice of removal from the warehouse", InCustomsWarehouse, RemovalNotice, RemovalNotified, 0},
		{"art. 309.6: notice of an item in temporary storage", InTemporaryStorage, RemovalNotice, InTemporaryStorage, RefusedInvalid},
		{"art. 309.6: a second notice", RemovalNotified, RemovalNotice, RemovalNotified, RefusedWrongState},
		{"art. 309.6: removal after the notice gives Union status", RemovalNotified, Removal, Removed, 0},
		{"art. 309.6: removal without a notice", InCustomsWarehouse, Removal, InCustomsWarehouse, RefusedWrongState},
		{"art. 309.6: removal of an item not in the warehouse", InTemporaryStorage, Removal, InTemporaryStorage, RefusedInvalid},
		{"art. 309.6: removal of an item already removed", Removed, Removal, Removed, RefusedInvalid},
		{"art. 309.6: return of a removed item, placed back", Removed, BuyerReturn, InCustomsWarehouse, 0},
		{"art. 309.6: return of an item never removed", InCustomsWarehouse, BuyerReturn, InCustomsWarehouse, RefusedInvalid},
		{"art. 309.6: return of a notified item not yet removed", RemovalNotified, BuyerReturn, RemovalNotified, RefusedInvalid},
		{"art. 309.6: release after removal ends the procedure", Removed, Release, Released, 0},
		{"art. 309.3: release from temporary storage", InTemporaryStorage, Release, Released, 0},
		{"art. 309.6: placement in another operator's warehouse", InCustomsWarehouse, Transfer, Transferred, 0},
		{"art. 309.6: transit to another member state", InCustomsWarehouse, Transit, InTransit, 0},
		{"art. 309.3: temporary storage goods taken out of the Union", InTemporaryStorage, ReExport, ReExported, 0},
		{"art. 309.6: a bought item is not re-exported", RemovalNotified, ReExport, RemovalNotified, RefusedWrongState},
		{"art. 309.6: an item with a buyer is not transferred", Removed, Transfer, Removed, RefusedWrongState},
		{"art. 309.6: destruction or loss in the warehouse", InCustomsWarehouse, DestructionOrLoss, DestroyedOrLost, 0},
		{"art. 309.6: loss during delivery", Removed, DestructionOrLoss, DestroyedOrLost, 0},
		{"art. 309.6: no event on a destroyed item", DestroyedOrLost, Release, DestroyedOrLost, RefusedWrongState},
		{"art. 309.6: no return after release", Released, BuyerReturn, Released, RefusedWrongState},
		{"art. 309.6: no notice after transit", InTransit, RemovalNotice, InTransit, RefusedWrongState},
	}
	for _, c := range cases {
		got, ref := Next(c.from, c.kind)
		switch {
		case c.ref == 0 && ref != nil:
			t.Errorf("%s: refused: %v", c.name, ref)
		case c.ref != 0 && (ref == nil || ref.Kind != c.ref):
			t.Errorf("%s: refusal %+v, want kind %d", c.name, ref, c.ref)
		case got != c.want:
			t.Errorf("%s: state %s, want %s", c.name, got, c.want)
		case ref != nil && (ref.Article == "" || ref.Message == ""):
			t.Errorf("%s: refusal without article or message: %+v", c.name, ref)
		}
	}
}

// TestNextTotal checks every pair: final states refuse everything but a
// placement (refused as a taken id); only removed and released items have
// Union status.
func TestNextTotal(t *testing.T) {
	for s := None; s < numStates; s++ {
		for k := TemporaryStoragePlacement; k < NumEventKinds; k++ {
			to, ref := Next(s, k)
			if ref == nil && AccountOf(to) == NoAccount && !to.Final() {
				t.Errorf("art. 429.5: %s after %s leads to %s, in no account and not final", k, s, to)
			}
			if s.Final() && ref == nil {
				t.Errorf("art. 309.6: %s allowed on %s", k, s)
			}
		}
		if s.UnionStatus() != (s == Removed || s == Released) {
			t.Errorf("art. 309.5, 309.6: Union status of %s", s)
		}
		if n, ok := ParseState(s.Name()); !ok || n != s {
			t.Errorf("state %s does not round-trip", s)
		}
	}
	for k := TemporaryStoragePlacement; k < NumEventKinds; k++ {
		if n, ok := ParseEventKind(k.Name()); !ok || n != k {
			t.Errorf("kind %s does not round-trip", k)
		}
	}
}

func kzCalendar(t *testing.T) *calendar.Calendar {
	cal, err := calendar.New("KZ", []calendar.Exception{{Date: d("2026-12-16"), Kind: calendar.Holiday, Description: "Independence Day"}})
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func TestDeadlines(t *testing.T) {
	cal := kzCalendar(t)
	cases := []struct {
		name              string
		docs, decl        string
		placeBy, notifyBy string
		capped            bool
	}{
		{"art. 309.6: 3 and 5 working days from Monday", "2026-11-23", "2026-12-15", "2026-11-26", "2026-11-30", false},
		{"art. 309.6: a weekend does not count", "2026-11-27", "2027-01-15", "2026-12-02", "2026-12-04", false},
		{"art. 309.6: a public holiday does not count", "2026-12-14", "2027-01-15", "2026-12-18", "2026-12-22", false},
		{"art. 309.6: notice not later than the declaration deadline", "2026-12-10", "2026-12-15", "2026-12-15", "2026-12-15", true},
		{"art. 309.6: no declaration deadline running", "2026-11-23", "", "2026-11-26", "2026-11-30", false},
	}
	for _, c := range cases {
		var decl time.Time
		if c.decl != "" {
			decl = d(c.decl)
		}
		r := ReturnDue(cal, d(c.docs), decl)
		if dates.Format(r.PlaceBy) != c.placeBy || dates.Format(r.NotifyBy) != c.notifyBy || r.CappedByDeclaration != c.capped {
			t.Errorf("%s: place by %s notify by %s capped %v", c.name, dates.Format(r.PlaceBy), dates.Format(r.NotifyBy), r.CappedByDeclaration)
		}
	}
	for _, c := range []struct{ name, purchase, want string }{
		{"art. 309.6: 15th of the month after purchase", "2026-11-03", "2026-12-15"},
		{"art. 309.6: a December purchase runs into January", "2026-12-31", "2027-01-15"},
	} {
		if got := dates.Format(DeclarationDeadline(d(c.purchase))); got != c.want {
			t.Errorf("%s: %s", c.name, got)
		}
	}
}

func TestDiscrepancies(t *testing.T) {
	cal := kzCalendar(t)
	kinds := func(fs []Finding) string {
		var s []string
		for _, f := range fs {
			s = append(s, f.Kind.String())
		}
		return strings.Join(s, ",")
	}
	cases := []struct {
		name string
		got  []Finding
		want string
	}{
		{"art. 309.6: removal on the day of the notice", CheckRemoval(d("2026-11-23"), d("2026-11-23")), ""},
		{"art. 309.6: removal before customs received the notice", CheckRemoval(d("2026-11-23"), d("2026-11-20")), "REMOVED_WITHOUT_NOTICE"},
		{"art. 309.6: return placed back and notified in time",
			CheckReturn(ReturnDue(cal, d("2026-11-23"), d("2026-12-15")), d("2026-11-26"), d("2026-11-30")), ""},
		{"art. 309.6: return placed back on the 4th working day",
			CheckReturn(ReturnDue(cal, d("2026-11-23"), d("2026-12-15")), d("2026-11-27"), d("2026-11-27")), "RETURN_PLACED_LATE"},
		{"art. 309.6: return notified on the 6th working day",
			CheckReturn(ReturnDue(cal, d("2026-11-23"), d("2026-12-15")), d("2026-11-24"), d("2026-12-01")), "RETURN_NOTIFIED_LATE"},
		{"art. 309.6: return notified after the declaration deadline, within 5 working days",
			CheckReturn(ReturnDue(cal, d("2026-12-10"), d("2026-12-15")), d("2026-12-11"), d("2026-12-16")), "RETURN_NOTIFIED_LATE"},
		{"art. 309.6: both late", CheckReturn(ReturnDue(cal, d("2026-11-02"), d("2026-12-15")), d("2026-11-20"), d("2026-11-20")),
			"RETURN_PLACED_LATE,RETURN_NOTIFIED_LATE"},
		{"art. 429.5: removed more than placed", CheckQuantity(Removal, 3, 5, d("2026-11-23")), "STOCK_MISMATCH"},
		{"art. 429.5: returned fewer than removed", CheckQuantity(BuyerReturn, 3, 2, d("2026-11-23")), "STOCK_MISMATCH"},
		{"art. 429.5: the quantity the accounts hold", CheckQuantity(Removal, 3, 3, d("2026-11-23")), ""},
		{"art. 429.5: no quantity stated", CheckQuantity(Removal, 3, 0, d("2026-11-23")), ""},
	}
	for _, c := range cases {
		if got := kinds(c.got); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
		for _, f := range c.got {
			if f.Detail == "" || f.Date.IsZero() {
				t.Errorf("%s: finding without detail or date: %+v", c.name, f)
			}
		}
	}
	overdue := []struct {
		name     string
		state    State
		deadline string
		asOf     string
		want     bool
	}{
		{"art. 309.6: removed, deadline passed", Removed, "2026-12-15", "2026-12-16", true},
		{"art. 309.6: the deadline day itself is in time", Removed, "2026-12-15", "2026-12-15", false},
		{"art. 309.6: notified, not removed, deadline passed", RemovalNotified, "2026-12-15", "2027-01-01", true},
		{"art. 309.6: released goods are not overdue", Released, "2026-12-15", "2027-01-01", false},
		{"art. 309.6: returned goods have no deadline", InCustomsWarehouse, "", "2027-01-01", false},
	}
	for _, c := range overdue {
		var dl time.Time
		if c.deadline != "" {
			dl = d(c.deadline)
		}
		if _, got := Overdue(c.state, dl, d(c.asOf)); got != c.want {
			t.Errorf("%s: %v", c.name, got)
		}
	}
	if f := Flags(CheckReturn(ReturnDue(cal, d("2026-11-02"), time.Time{}), d("2026-11-20"), d("2026-11-20"))); !Has(f, ReturnPlacedLate) || !Has(f, ReturnNotifiedLate) || Has(f, StockMismatch) {
		t.Errorf("flags %b", f)
	}
}

func TestEventDates(t *testing.T) {
	today := d("2026-11-23")
	cases := []struct {
		name      string
		ref       *Refusal
		wantField string
	}{
		{"art. 429.5: an event today", CheckEventDate(today, d("2026-11-01"), today), ""},
		{"art. 429.5: an event in the future", CheckEventDate(d("2026-11-24"), time.Time{}, today), "occurred_on"},
		{"art. 429.5: an event before the item's previous one", CheckEventDate(d("2026-10-31"), d("2026-11-01"), today), "occurred_on"},
		{"art. 309.6: return documents before the removal", CheckReturnDates(d("2026-11-01"), d("2026-11-02"), d("2026-11-05")), "buyer_return.return_documents_date"},
		{"art. 309.6: return documents after placing back", CheckReturnDates(d("2026-11-06"), d("2026-11-02"), d("2026-11-05")), "buyer_return.return_documents_date"},
		{"art. 309.6: return documents between", CheckReturnDates(d("2026-11-03"), d("2026-11-02"), d("2026-11-05")), ""},
	}
	for _, c := range cases {
		got := ""
		if c.ref != nil {
			got = c.ref.Field
		}
		if got != c.wantField {
			t.Errorf("%s: field %q, want %q (%v)", c.name, got, c.wantField, c.ref)
		}
	}
	if p, ref := PurchaseDate(time.Time{}, today); ref != nil || !p.Equal(today) {
		t.Errorf("art. 309.6: purchase defaults to the notice day: %v %v", p, ref)
	}
	if _, ref := PurchaseDate(d("2026-11-24"), today); ref == nil {
		t.Errorf("art. 309.6: a purchase after the notice is refused")
	}
}

func mv(kind EventKind, on string, from, to State, hs string, qty int64, cur, amount string, flags int64) *Movement {
	return &Movement{Kind: []byte(kind.Name()), OccurredOn: []byte(on), From: []byte(from.Name()), To: []byte(to.Name()),
		HSCode: []byte(hs), Quantity: qty, Currency: []byte(cur), Amount: []byte(amount), Flags: flags}
}

func TestReport(t *testing.T) {
	a := NewAggregator("2026-11-01", "2026-11-30")
	const hs1, hs2 = "6109100000", "4202920000"
	events := []*Movement{
		// Before the period: two items placed, one of them removed.
		mv(CustomsWarehousePlacement, "2026-10-10", None, InCustomsWarehouse, hs1, 2, "EUR", "10.50", 0),
		mv(CustomsWarehousePlacement, "2026-10-11", None, InCustomsWarehouse, hs1, 1, "EUR", "4", 0),
		mv(RemovalNotice, "2026-10-20", InCustomsWarehouse, RemovalNotified, hs1, 1, "EUR", "4", 0),
		mv(Removal, "2026-10-21", RemovalNotified, Removed, hs1, 1, "EUR", "4", 0),
		// In the period: the removed item is released, one placed in
		// temporary storage, one returned late from a new purchase.
		mv(Release, "2026-11-05", Removed, Released, hs1, 1, "EUR", "4", 0),
		mv(TemporaryStoragePlacement, "2026-11-06", None, InTemporaryStorage, hs2, 1, "USD", "99.99", 0),
		mv(RemovalNotice, "2026-11-07", InCustomsWarehouse, RemovalNotified, hs1, 2, "EUR", "10.50", 0),
		mv(Removal, "2026-11-07", RemovalNotified, Removed, hs1, 2, "EUR", "10.50", RemovedWithoutNotice.Flag()),
		mv(BuyerReturn, "2026-11-25", Removed, InCustomsWarehouse, hs1, 2, "EUR", "10.50", ReturnNotifiedLate.Flag()|ReturnPlacedLate.Flag()),
		// After the period: ignored.
		mv(Release, "2026-12-01", InTemporaryStorage, Released, hs2, 1, "USD", "99.99", 0),
	}
	for _, e := range events {
		if err := a.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	s := a.Summary(3)
	got := map[string]string{}
	for _, sec := range s.Sections {
		for _, l := range append(sec.Lines, sec.Totals) {
			got[sec.Account.Name()+"/"+l.HSCode] = fmt.Sprintf("%s|%s|%s|%s", bal(l.Opening), bal(l.Incoming), bal(l.Outgoing), bal(l.Closing))
		}
	}
	want := map[string]string{
		// art. 429.5: goods in the customs warehouse: 2 in at the start
		// (one went to a buyer before), 1 out to a buyer and back.
		"CUSTOMS_WAREHOUSE/" + hs1:  "1/2/10.50EUR|1/2/10.50EUR|1/2/10.50EUR|1/2/10.50EUR",
		"CUSTOMS_WAREHOUSE/":        "1/2/10.50EUR|1/2/10.50EUR|1/2/10.50EUR|1/2/10.50EUR",
		"TEMPORARY_STORAGE/" + hs2:  "0/0/|1/1/99.99USD|0/0/|1/1/99.99USD",
		"TEMPORARY_STORAGE/":        "0/0/|1/1/99.99USD|0/0/|1/1/99.99USD",
		"REMOVED_FOR_BUYERS/" + hs1: "1/1/4EUR|1/2/10.50EUR|2/3/14.50EUR|0/0/0.00EUR",
		"REMOVED_FOR_BUYERS/":       "1/1/4EUR|1/2/10.50EUR|2/3/14.50EUR|0/0/0.00EUR",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("art. 429.5: %s = %s, want %s", k, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("lines %v", got)
	}
	if s.EventsRead != 9 {
		t.Errorf("events read %d", s.EventsRead)
	}
	counts := map[string]int64{}
	for _, c := range s.EventCounts {
		counts[c.Kind.Name()] = c.Events
	}
	if counts["RELEASE"] != 1 || counts["REMOVAL"] != 1 || counts["CUSTOMS_WAREHOUSE_PLACEMENT"] != 0 || counts["BUYER_RETURN"] != 1 {
		t.Errorf("event counts %v", counts)
	}
	disc := map[Discrepancy]int64{}
	for _, c := range s.Discrepancies {
		disc[c.Kind] = c.Count
	}
	if disc[RemovedWithoutNotice] != 1 || disc[ReturnNotifiedLate] != 1 || disc[ReturnPlacedLate] != 1 || disc[DeclarationOverdue] != 3 || disc[StockMismatch] != 0 {
		t.Errorf("art. 309.6: discrepancies %v", disc)
	}
	bogus := mv(Release, "2026-11-05", Removed, Released, hs1, 1, "EUR", "1", 0)
	bogus.From = []byte("BOGUS")
	if err := a.Add(bogus); err == nil {
		t.Error("an unknown state is an error")
	}
	if err := a.Add(mv(Release, "2026-11-05", Removed, Released, hs1, 1, "EUR", "1e5", 0)); err == nil {
		t.Error("a malformed amount is an error")
	}
}

func bal(b Balance) string {
	s := fmt.Sprintf("%d/%d/", b.Items, b.Quantity)
	for _, m := range b.Value {
		s += m.Amount + m.Currency
	}
	return s
}

func TestDecimalSum(t *testing.T) {
	cases := []struct {
		name string
		adds []string
		want string
	}{
		{"scales align", []string{"10.50", "3", "0.125"}, "13.625"},
		{"negatives", []string{"5", "-7.5"}, "-2.5"},
		{"int64 overflow spills into an exact decimal", []string{"999999999999999999", "999999999999999999", "0.0000000001"}, "1999999999999999998.0000000001"},
		{"more than 18 digits", []string{"123456789012345678.9", "0.1"}, "123456789012345679.0"},
	}
	for _, c := range cases {
		var s DecimalSum
		for _, a := range c.adds {
			if err := s.Add([]byte(a), false); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
		if got := s.String(); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	var s DecimalSum
	for _, bad := range []string{"", "-", "1.2.3", "1,5", "abc"} {
		if err := s.Add([]byte(bad), false); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func BenchmarkAggregatorAdd(b *testing.B) {
	a := NewAggregator("2026-11-01", "2026-11-30")
	ms := []*Movement{
		mv(CustomsWarehousePlacement, "2026-10-10", None, InCustomsWarehouse, "6109100000", 2, "EUR", "10.50", 0),
		mv(Removal, "2026-11-07", RemovalNotified, Removed, "6109100001", 2, "EUR", "10.50", 0),
		mv(Release, "2026-11-07", Removed, Released, "6109100002", 2, "USD", "1.5", 0),
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := a.Add(ms[i%3]); err != nil {
			b.Fatal(err)
		}
	}
}
