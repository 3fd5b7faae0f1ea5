package ecommerce

import (
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	typev1 "github.com/eaeu/customs-exchange/gen/eaeu/type/v1"
)

func sampleDeclaration() *ecommercev1.Declaration {
	return &ecommercev1.Declaration{
		Name: "declarations/0192f5e0-0000-7000-8000-000000000001", Number: "55201000/231126/0000001",
		CustomsBodyCode: "55201000", Status: ecommercev1.DeclarationStatus_DECLARATION_STATUS_REGISTERED, Version: 1,
		FilingTime: timestamppb.New(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)),
		Parcels: []*ecommercev1.Parcel{{ParcelNumber: "RA000000001KZ", GrossWeightKg: "1.25",
			Items: []*ecommercev1.Item{{ItemId: "1", HsCode: "6109100000", Quantity: "2",
				Price: &typev1.Money{CurrencyCode: "EUR", Amount: "19.99"}}}}},
		Duty: &ecommercev1.DutyAssessment{CurrencyCode: "KZT", Total: "0", Parcels: []*ecommercev1.ParcelDuty{{
			ParcelNumber: "RA000000001KZ", DutyFree: true,
			Steps: []*ecommercev1.DutyStep{{Description: "value norm", LegalBasis: "EAEU Customs Code art. 309.8(4)", Amount: "100000"}}}}},
	}
}

// TestBodies: bodies are stored as packed binary protobuf, and the bodies
// of rows written by earlier releases (unpacked protobuf, JSON) still read
// back the same.
func TestBodies(t *testing.T) {
	d := sampleDeclaration()
	// The steps of a priced declaration repeat their legal basis: that is
	// what packing saves on.
	for i := range 12 {
		d.Duty.Parcels[0].Steps = append(d.Duty.Parcels[0].Steps, &ecommercev1.DutyStep{
			Description: fmt.Sprintf("item %d (HS 6109100000): 300 USD × 450 KZT/USD", i),
			LegalBasis:  "EAEU Customs Code art. 309.8(2), 309.8(8), 309.10", Amount: "135000"})
	}
	stored, err := marshalBody(d)
	if err != nil {
		t.Fatal(err)
	}
	unpacked, err := bodyOut.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored)*2 > len(unpacked) {
		t.Errorf("stored body is %d bytes, want at most half of the %d of protobuf", len(stored), len(unpacked))
	}
	if unpacked[0] == '{' {
		t.Fatal("a binary body starts with '{' and would be read as JSON")
	}
	legacy, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string][]byte{"stored": stored, "unpacked protobuf": unpacked, "json": legacy} {
		got := &ecommercev1.Declaration{}
		if err := unmarshalBody(body, got); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !proto.Equal(got, d) {
			t.Fatalf("%s body read back as %v, want %v", name, got, d)
		}
	}
	// Deterministic: the same declaration gives the same bytes.
	again, _ := marshalBody(proto.Clone(d))
	if string(again) != string(stored) {
		t.Fatal("two encodings of one declaration differ")
	}
	// A damaged body is an error, not an empty declaration.
	if err := unmarshalBody(stored[:len(stored)/2], &ecommercev1.Declaration{}); err == nil {
		t.Fatal("a truncated body read without error")
	}
}
