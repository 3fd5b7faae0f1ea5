package duty

import (
	"testing"

	"github.com/cockroachdb/apd/v3"
)

// fuzzInput builds a one-parcel declaration from fuzzed integers: prices in
// cents, weights in grams, so every figure is an exact decimal.
func fuzzInput(tb testing.TB, priceCents uint32, qty uint8, grams uint32, currency uint8, flags uint8) Input {
	in := baseInput(tb)
	cur := [...]string{"EUR", "USD", "KZT"}[currency%3]
	items := []Item{{
		ID: "I1", HSCode: hsLaptop, Currency: cur,
		Price:    *apd.New(int64(priceCents), -2),
		Quantity: *apd.New(int64(qty%5)+1, 0),
	}}
	if flags&1 != 0 {
		in.Commission.Shape = ShapeWholeValue
	}
	if flags&2 != 0 {
		in.Commission.Categories = []Category{
			{ID: "computers", HSPrefixes: []string{"8471"}, Rate: *apd.New(10, -2)},
			{ID: "phones", HSPrefixes: []string{"8517"}, Rate: *apd.New(5, -2), MinimumPerKg: apd.New(3, 0)},
		}
	}
	if flags&4 != 0 {
		nat := Default2020Schedule()
		nat.ID, nat.Jurisdiction = "KZ-fuzz", "KZ"
		nat.ValueNorm = *apd.New(100, 0)
		nat.WeightNormKg = *apd.New(20, 0)
		nat.MinimumPerKg = *apd.New(25, -1)
		in.National = &nat
	}
	if flags&8 != 0 {
		in.Commission.NationalTaxes = []Tax{{Code: "VAT", Rate: *apd.New(12, -2), LegalBasis: "fuzz"}}
	}
	if flags&16 != 0 {
		items = append(items, Item{ID: "I2", HSCode: hsClothes, Currency: "EUR", Price: *apd.New(5000, -2), Quantity: *apd.New(1, 0)})
	}
	if flags&32 != 0 {
		items = append(items, Item{ID: "I3", HSCode: hsPhone, Currency: "USD", Price: *apd.New(1999, -2), Quantity: *apd.New(2, 0)})
	}
	in.Parcels = []Parcel{{ID: "P1", GrossWeightKg: *apd.New(int64(grams), -3), Items: items}}
	return in
}

func FuzzComputeInvariants(f *testing.F) {
	f.Add(uint32(10000), uint8(0), uint32(10000), uint32(1), uint32(1), uint8(0), uint8(0))
	f.Add(uint32(20000), uint8(0), uint32(31000), uint32(1), uint32(1), uint8(0), uint8(0))    // at the norms
	f.Add(uint32(30000), uint8(0), uint32(40000), uint32(500), uint32(10), uint8(1), uint8(0)) // both over, USD
	f.Add(uint32(15000), uint8(1), uint32(5000), uint32(10), uint32(27000), uint8(2), uint8(1))
	f.Add(uint32(19999), uint8(0), uint32(30999), uint32(2), uint32(2), uint8(0), uint8(63))
	f.Add(uint32(0), uint8(4), uint32(0), uint32(0), uint32(0), uint8(0), uint8(18))
	f.Fuzz(func(t *testing.T, priceCents uint32, qty uint8, grams, dCents, dGrams uint32, currency, flags uint8) {
		compute := func(price, weight uint32) *ParcelDuty {
			in := fuzzInput(t, price, qty, weight, currency, flags)
			res, err := Compute(in)
			if err != nil {
				t.Fatalf("Compute(price %d, grams %d): %v", price, weight, err)
			}
			// A prepared tariff gives the same result, steps included.
			if got, want := resultText(computePrepared(tariffOf(t, &in), in.Parcels)), resultText(res, nil); got != want {
				t.Fatalf("Prepared.Compute(price %d, grams %d):\n%s\nCompute:\n%s", price, weight, got, want)
			}
			p := &res.Parcels[0]
			checkInvariants(t, p)
			if res.Total.Cmp(&p.Total) != 0 {
				t.Fatalf("declaration total %s != parcel total %s", res.Total.String(), p.Total.String())
			}
			return p
		}
		// Growth saturates rather than wraps, so that it is growth.
		grow := func(x, d uint32) uint32 {
			if x+d < x {
				return ^uint32(0)
			}
			return x + d
		}
		base := compute(priceCents, grams)
		moreValue := compute(grow(priceCents, dCents), grams)
		moreWeight := compute(priceCents, grow(grams, dGrams))
		both := compute(grow(priceCents, dCents), grow(grams, dGrams))
		notLess := func(what string, a, b *ParcelDuty) {
			if a.Duty.Cmp(&b.Duty) < 0 || a.Total.Cmp(&b.Total) < 0 {
				t.Fatalf("%s: duty %s total %s < duty %s total %s", what,
					a.Duty.String(), a.Total.String(), b.Duty.String(), b.Total.String())
			}
		}
		notLess("value grew", moreValue, base)
		notLess("weight grew", moreWeight, base)
		notLess("both grew vs value", both, moreValue)
		notLess("both grew vs weight", both, moreWeight)
	})
}

func checkInvariants(t *testing.T, p *ParcelDuty) {
	t.Helper()
	for name, d := range map[string]*apd.Decimal{
		"Value": &p.Value, "ValueOver": &p.ValueOver, "WeightOver": &p.WeightOver,
		"ByValue": &p.ByValue, "ByWeightFloor": &p.ByWeightFloor, "Duty": &p.Duty, "Total": &p.Total,
	} {
		if d.Form != apd.Finite || d.Sign() < 0 {
			t.Fatalf("%s = %s, negative or not finite", name, d.String())
		}
	}
	within := p.Value.Cmp(&p.ValueNorm) <= 0 && p.WeightKg.Cmp(&p.WeightNorm) <= 0
	if within != p.DutyFree {
		t.Fatalf("DutyFree = %v, value %s (norm %s) weight %s (norm %s)", p.DutyFree,
			p.Value.String(), p.ValueNorm.String(), p.WeightKg.String(), p.WeightNorm.String())
	}
	if within && (!p.Duty.IsZero() || !p.Total.IsZero() || len(p.Taxes) > 0) {
		t.Fatalf("within the norms but duty %s total %s", p.Duty.String(), p.Total.String())
	}
	if p.Duty.Exponent != -2 {
		t.Fatalf("Duty %s not at the minor units", p.Duty.String())
	}
	// Duty is max(ByValue, floor) rounded half up, and Total is duty plus taxes.
	if !within {
		exact := &p.ByValue
		if p.ByWeightFloor.Cmp(exact) > 0 {
			exact = &p.ByWeightFloor
		}
		var r apd.Decimal
		if _, err := roundCtx.Quantize(&r, exact, -2); err != nil || r.Cmp(&p.Duty) != 0 {
			t.Fatalf("Duty %s is not round(max(%s, %s))", p.Duty.String(), p.ByValue.String(), p.ByWeightFloor.String())
		}
	}
	sum := p.Duty
	for i := range p.Taxes {
		if _, err := exactCtx.Add(&sum, &sum, &p.Taxes[i].Amount); err != nil {
			t.Fatal(err)
		}
	}
	if sum.Cmp(&p.Total) != 0 {
		t.Fatalf("Total %s != duty + taxes %s", p.Total.String(), sum.String())
	}
}
