package accounting

import (
	"math/rand/v2"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	operatorsv1 "github.com/eaeu/customs-exchange/gen/eaeu/operators/v1"
	typev1 "github.com/eaeu/customs-exchange/gen/eaeu/type/v1"
	"github.com/eaeu/customs-exchange/internal/api/reference"
)

func validEvents() []*operatorsv1.AccountingEvent {
	item := func() *operatorsv1.AccountingItemDetails {
		return &operatorsv1.AccountingItemDetails{Description: "T-shirt", HsCode: "6109100000", Quantity: 3,
			Value: &typev1.Money{CurrencyCode: "EUR", Amount: "10.50"}, Owner: "Seller Ltd", ParcelNumber: "RR123456785CN"}
	}
	ev := func(k func(*operatorsv1.AccountingEvent)) *operatorsv1.AccountingEvent {
		e := &operatorsv1.AccountingEvent{EventId: "e-1.x_2", ItemId: "item-1", OccurredOn: "2026-11-23", Note: "n"}
		k(e)
		return e
	}
	return []*operatorsv1.AccountingEvent{
		ev(func(e *operatorsv1.AccountingEvent) {
			e.Kind = &operatorsv1.AccountingEvent_TemporaryStoragePlacement{TemporaryStoragePlacement: &operatorsv1.AccountingPlacement{Item: item(), DocumentReference: "CMR 1"}}
		}),
		ev(func(e *operatorsv1.AccountingEvent) {
			e.Kind = &operatorsv1.AccountingEvent_CustomsWarehousePlacement{CustomsWarehousePlacement: &operatorsv1.AccountingPlacement{Item: item()}}
		}),
		ev(func(e *operatorsv1.AccountingEvent) {
			e.Kind = &operatorsv1.AccountingEvent_RemovalNotice{RemovalNotice: &operatorsv1.AccountingRemovalNotice{PurchaseDate: "2026-11-20", OrderReference: "o-1"}}
		}),
		ev(func(e *operatorsv1.AccountingEvent) {
			e.Kind = &operatorsv1.AccountingEvent_Removal{Removal: &operatorsv1.AccountingRemoval{Quantity: 3, DeliveryReference: "d"}}
		}),
		ev(func(e *operatorsv1.AccountingEvent) {
			e.Kind = &operatorsv1.AccountingEvent_BuyerReturn{BuyerReturn: &operatorsv1.AccountingBuyerReturn{ReturnDocumentsDate: "2026-11-21", ReturnDocuments: "act", Quantity: 1}}
		}),
		ev(func(e *operatorsv1.AccountingEvent) {
			e.Kind = &operatorsv1.AccountingEvent_Release{Release: &operatorsv1.AccountingRelease{DeclarationNumber: "55201000/231126/0000001"}}
		}),
		ev(func(e *operatorsv1.AccountingEvent) {
			e.Kind = &operatorsv1.AccountingEvent_Transfer{Transfer: &operatorsv1.AccountingTransfer{DestinationOperator: "KZ-EO-0000002", DocumentReference: "t"}}
		}),
		ev(func(e *operatorsv1.AccountingEvent) {
			e.Kind = &operatorsv1.AccountingEvent_Transit{Transit: &operatorsv1.AccountingTransit{TransitDeclarationNumber: "T1", DestinationMemberState: "RU"}}
		}),
		ev(func(e *operatorsv1.AccountingEvent) {
			e.Kind = &operatorsv1.AccountingEvent_ReExport{ReExport: &operatorsv1.AccountingReExport{DeclarationNumber: "EX1"}}
		}),
		ev(func(e *operatorsv1.AccountingEvent) {
			e.Kind = &operatorsv1.AccountingEvent_DestructionOrLoss{DestructionOrLoss: &operatorsv1.AccountingDestructionOrLoss{Lost: true, ActReference: "act 7"}}
		}),
	}
}

// odd string and number values that sit on or across the proto rules'
// boundaries.
var (
	oddStrings = []string{"", "a", "A", "-", ".", "_", " ", "é", "ééééé", "\n", "a\n", "2026-11-23", "2026-1-23", "20261123",
		"2026-11-23\n", "x2026-11-23", "0000000000", "000000000", "00000000000", "610910000a", "EUR", "eur", "EU", "EURO",
		"10.50", "-10.50", "10.", ".5", "1e5", "-", "0", "123456789012345678", "1234567890123456789", "1.12345678901",
		"1.1234567890", "KZ-EO-0000002", "KZ-EO-000002", "kz-EO-0000002", "KZ-EO-00000022", "AM", "XX", "ru",
		strings.Repeat("a", 40), strings.Repeat("a", 41), strings.Repeat("a", 64), strings.Repeat("a", 65),
		strings.Repeat("a", 100), strings.Repeat("a", 101), strings.Repeat("a", 200), strings.Repeat("a", 201),
		strings.Repeat("a", 300), strings.Repeat("a", 301), strings.Repeat("a", 500), strings.Repeat("a", 501),
		strings.Repeat("é", 250), strings.Repeat("é", 251), strings.Repeat("é", 300), strings.Repeat("é", 501)}
	oddInts = []int64{-1, 0, 1, 3, 1_000_000_000, 1_000_000_001}
)

// TestPlainValidAgreesWithProtovalidate: the fast check never accepts an
// event protovalidate refuses, whatever field is set to an odd value, and
// it accepts the plain events (or it would spare nothing).
func TestPlainValidAgreesWithProtovalidate(t *testing.T) {
	s := New(reference.Deps{})
	check := func(ev *operatorsv1.AccountingEvent, what string) {
		if plainValid(ev) {
			if e := s.validator.Check(ev); e != nil {
				t.Fatalf("%s: plainValid accepts what protovalidate refuses: %v\n%v", what, e, ev)
			}
		}
	}
	for _, ev := range validEvents() {
		if !plainValid(ev) {
			t.Errorf("a plain event is not vouched for: %v", ev)
		}
		if e := s.validator.Check(ev); e != nil {
			t.Fatalf("the test's event is invalid: %v", e)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, base := range validEvents() {
		// Every string and integer field, set in turn to every odd value.
		var fields []func(m *operatorsv1.AccountingEvent, i int)
		mutations := collectMutations(base)
		for _, m := range mutations {
			fields = append(fields, m)
		}
		for fi, f := range fields {
			for i := range max(len(oddStrings), len(oddInts)) {
				ev := proto.Clone(base).(*operatorsv1.AccountingEvent)
				f(ev, i)
				check(ev, "field "+string(rune('A'+fi)))
			}
		}
		// And random combinations.
		for range 3000 {
			ev := proto.Clone(base).(*operatorsv1.AccountingEvent)
			for range 1 + rng.IntN(3) {
				fields[rng.IntN(len(fields))](ev, rng.IntN(len(oddStrings)))
			}
			check(ev, "combination")
		}
	}
	// Missing parts.
	for _, ev := range []*operatorsv1.AccountingEvent{{EventId: "e", ItemId: "i", OccurredOn: "2026-11-23"},
		{EventId: "e", ItemId: "i", OccurredOn: "2026-11-23", Kind: &operatorsv1.AccountingEvent_CustomsWarehousePlacement{}},
		{EventId: "e", ItemId: "i", OccurredOn: "2026-11-23", Kind: &operatorsv1.AccountingEvent_CustomsWarehousePlacement{CustomsWarehousePlacement: &operatorsv1.AccountingPlacement{}}},
		{EventId: "e", ItemId: "i", OccurredOn: "2026-11-23", Kind: &operatorsv1.AccountingEvent_CustomsWarehousePlacement{CustomsWarehousePlacement: &operatorsv1.AccountingPlacement{
			Item: &operatorsv1.AccountingItemDetails{Description: "d", HsCode: "6109100000", Quantity: 1, Owner: "o"}}}},
	} {
		check(ev, "missing parts")
	}
}

// collectMutations returns, for every string and int64 field of the event
// and of its messages (found by reflection), a function that sets it to
// the i-th odd value.
func collectMutations(base *operatorsv1.AccountingEvent) []func(*operatorsv1.AccountingEvent, int) {
	var out []func(*operatorsv1.AccountingEvent, int)
	var walk func(path []string, m proto.Message)
	walk = func(path []string, m proto.Message) {
		r := m.ProtoReflect()
		fields := r.Descriptor().Fields()
		for i := 0; i < fields.Len(); i++ {
			fd := fields.Get(i)
			p := append(append([]string{}, path...), string(fd.Name()))
			switch {
			case fd.Kind().String() == "string" && !fd.IsList():
				out = append(out, func(ev *operatorsv1.AccountingEvent, i int) {
					if msg := follow(ev, p[:len(p)-1]); msg != nil {
						msg.ProtoReflect().Set(msg.ProtoReflect().Descriptor().Fields().ByName(fd.Name()), protoString(oddStrings[i%len(oddStrings)]))
					}
				})
			case fd.Kind().String() == "int64" && !fd.IsList():
				out = append(out, func(ev *operatorsv1.AccountingEvent, i int) {
					if msg := follow(ev, p[:len(p)-1]); msg != nil {
						msg.ProtoReflect().Set(msg.ProtoReflect().Descriptor().Fields().ByName(fd.Name()), protoInt(oddInts[i%len(oddInts)]))
					}
				})
			case fd.Message() != nil && !fd.IsList() && r.Has(fd):
				walk(p, r.Get(fd).Message().Interface())
			}
		}
	}
	walk(nil, base)
	return out
}
