package duty

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// dec parses a decimal literal; tests only.
func dec(tb testing.TB, s string) apd.Decimal {
	tb.Helper()
	d, _, err := apd.NewFromString(s)
	if err != nil {
		tb.Fatalf("bad decimal %q: %v", s, err)
	}
	return *d
}

func decp(tb testing.TB, s string) *apd.Decimal {
	d := dec(tb, s)
	return &d
}

// kztRateMap holds the registration-date rates of the examples: KZT per unit.
func kztRateMap(tb testing.TB) map[string]apd.Decimal {
	return map[string]apd.Decimal{
		"EUR": dec(tb, "512.37"),
		"USD": dec(tb, "471.2"),
	}
}

func kztRates(tb testing.TB) Rates { return MapRates(kztRateMap(tb)) }

func item(tb testing.TB, id, hs, price, currency, qty string) Item {
	return Item{ID: id, HSCode: hs, Price: dec(tb, price), Currency: currency, Quantity: dec(tb, qty)}
}

func parcel(tb testing.TB, id, weightKg string, items ...Item) Parcel {
	return Parcel{ID: id, GrossWeightKg: dec(tb, weightKg), Items: items}
}

// baseInput is a declaration filed in Kazakhstan under the 2020 figures.
func baseInput(tb testing.TB, parcels ...Parcel) Input {
	return Input{
		NationalCurrency: "KZT",
		MinorUnits:       2,
		Commission:       Default2020Schedule(),
		Rates:            kztRates(tb),
		Parcels:          parcels,
	}
}

const (
	hsClothes = "6109100000"
	hsLaptop  = "8471300000"
	hsPhone   = "8517130000"
)

// want lists the exact strings a case checks; empty fields are not checked.
type want struct {
	value, valueNorm, weightNorm, valueOver, weightOver string
	rate, minPerKg, category, byValue, floor, duty      string
	total                                               string
	dutyFree                                            bool
	taxes                                               []string
}

func TestCompute(t *testing.T) {
	national100 := func(in *Input) {
		nat := Default2020Schedule()
		nat.ID, nat.Jurisdiction = "KZ-test-100", "KZ"
		nat.ValueNorm = dec(t, "100")
		nat.LegalBasis = "national law (test): 100 EUR"
		in.National = &nat
	}
	categories := func(in *Input) {
		in.Commission.Categories = []Category{
			{ID: "machinery", HSPrefixes: []string{"84"}, Rate: dec(t, "0.20")},
			{ID: "computers", HSPrefixes: []string{"8471"}, Rate: dec(t, "0.10")},
			{ID: "phones", HSPrefixes: []string{"8517"}, Rate: dec(t, "0.05"), MinimumPerKg: decp(t, "3")},
		}
	}
	wholeValue := func(in *Input) { in.Commission.Shape = ShapeWholeValue }

	cases := []struct {
		name    string
		parcels []Parcel
		mod     func(*Input)
		want    want
	}{
		{
			name:    "art. 309.8(4) under both norms: duty-free",
			parcels: []Parcel{parcel(t, "P1", "10", item(t, "I1", hsClothes, "100", "EUR", "1"))},
			want: want{value: "51237.00", valueNorm: "102474.00", weightNorm: "31",
				valueOver: "0", weightOver: "0", duty: "0.00", total: "0.00", dutyFree: true},
		},
		{
			name:    "art. 309.8(4) exactly at both norms (200 EUR, 31 kg): duty-free",
			parcels: []Parcel{parcel(t, "P1", "31", item(t, "I1", hsClothes, "100", "EUR", "2"))},
			want:    want{value: "102474.00", duty: "0.00", total: "0.00", dutyFree: true},
		},
		{
			name:    "art. 309.8(3),(9) over the value norm only: 15 % of the value over 200 EUR",
			parcels: []Parcel{parcel(t, "P1", "5", item(t, "I1", hsClothes, "300", "EUR", "1"))},
			want: want{value: "153711.00", valueOver: "51237.00", weightOver: "0", rate: "0.15",
				minPerKg: "1024.74", byValue: "7685.5500", floor: "0.00", duty: "7685.55", total: "7685.55"},
		},
		{
			name:    "art. 309.8(3),(9) over the weight norm only: 2 EUR × 9 kg wins",
			parcels: []Parcel{parcel(t, "P1", "40", item(t, "I1", hsClothes, "150", "EUR", "1"))},
			want: want{value: "76855.50", valueOver: "0", weightOver: "9", byValue: "0.00",
				floor: "9222.66", duty: "9222.66", total: "9222.66"},
		},
		{
			name:    "art. 309.8(3),(9) over both norms: the floor is greater",
			parcels: []Parcel{parcel(t, "P1", "40", item(t, "I1", hsClothes, "300", "EUR", "1"))},
			want:    want{valueOver: "51237.00", weightOver: "9", byValue: "7685.5500", floor: "9222.66", duty: "9222.66"},
		},
		{
			name:    "art. 309.8(3),(9) over both norms: the value part is greater",
			parcels: []Parcel{parcel(t, "P1", "35", item(t, "I1", hsClothes, "1000", "EUR", "1"))},
			want:    want{valueOver: "409896.00", weightOver: "4", byValue: "61484.4000", floor: "4098.96", duty: "61484.40"},
		},
		{
			name: "art. 309.8(7),(8) foreign currency: USD item, EUR norm, KZT duty",
			parcels: []Parcel{parcel(t, "P1", "2",
				item(t, "I1", hsClothes, "250", "USD", "1"),
				item(t, "I2", hsClothes, "10", "EUR", "2"))},
			want: want{value: "128047.40", valueOver: "25573.40", byValue: "3836.0100", duty: "3836.01"},
		},
		{
			name: "art. 309.8(7),(8) national currency item needs no rate",
			parcels: []Parcel{parcel(t, "P1", "2",
				item(t, "I1", hsClothes, "102474.01", "KZT", "1"))},
			mod:  func(in *Input) { in.Rates = MapRates(map[string]apd.Decimal{"EUR": dec(t, "512.37")}) },
			want: want{value: "102474.01", valueOver: "0.01", byValue: "0.0015", duty: "0.00", dutyFree: false},
		},
		{
			// Rounding each step (item value 103112.70, over 638.70,
			// 95.8050) would give 95.81; rounding once gives 95.80.
			name:    "art. 309.8(7) rounding half up of the final amount only",
			parcels: []Parcel{parcel(t, "P1", "1", item(t, "I1", hsLaptop, "218.83", "USD", "1"))},
			want:    want{value: "103112.696", valueOver: "638.696", byValue: "95.80440", duty: "95.80", total: "95.80"},
		},
		{
			name:    "art. 309.8(7) rounding half up: an exact half (0.0150) rounds up",
			parcels: []Parcel{parcel(t, "P1", "1", item(t, "I1", hsClothes, "102474.10", "KZT", "1"))},
			want:    want{valueOver: "0.10", byValue: "0.0150", duty: "0.02"},
		},
		{
			name:    "art. 309.8(7) rounding half up: just below the half rounds down",
			parcels: []Parcel{parcel(t, "P1", "1", item(t, "I1", hsClothes, "102474.09", "KZT", "1"))},
			want:    want{valueOver: "0.09", byValue: "0.0135", duty: "0.01"},
		},
		{
			name:    "art. 309.8(3) whole-value shape: rate × the full value",
			parcels: []Parcel{parcel(t, "P1", "5", item(t, "I1", hsClothes, "300", "EUR", "1"))},
			mod:     wholeValue,
			want:    want{valueOver: "51237.00", byValue: "23056.6500", floor: "5123.70", duty: "23056.65"},
		},
		{
			name:    "art. 309.8(3) whole-value shape: minimum × the full weight",
			parcels: []Parcel{parcel(t, "P1", "40", item(t, "I1", hsClothes, "150", "EUR", "1"))},
			mod:     wholeValue,
			want:    want{byValue: "11528.3250", floor: "40989.60", duty: "40989.60"},
		},
		{
			name:    "art. 309.8(3) whole-value shape: within both norms stays free",
			parcels: []Parcel{parcel(t, "P1", "31", item(t, "I1", hsClothes, "200", "EUR", "1"))},
			mod:     wholeValue,
			want:    want{duty: "0.00", dutyFree: true},
		},
		{
			name:    "art. 309.8(3) category rate: longest HS prefix wins (8471 over 84)",
			parcels: []Parcel{parcel(t, "P1", "5", item(t, "I1", hsLaptop, "300", "EUR", "1"))},
			mod:     categories,
			want:    want{category: "computers", rate: "0.10", minPerKg: "1024.74", byValue: "5123.7000", duty: "5123.70"},
		},
		{
			name:    "art. 309.8(3) category with its own minimum per kg",
			parcels: []Parcel{parcel(t, "P1", "41", item(t, "I1", hsPhone, "150", "EUR", "2"))},
			mod:     categories,
			want:    want{category: "phones", rate: "0.05", minPerKg: "1537.11", byValue: "2561.8500", floor: "15371.10", duty: "15371.10"},
		},
		{
			// 200 EUR of computers at 10 % and 100 EUR of clothes at 15 %:
			// (10247.400 + 7685.5500) × 51237.00 ÷ 153711.00 = 5977.65.
			name: "art. 309.8(3) mixed categories: value part per group, pro rata",
			parcels: []Parcel{parcel(t, "P1", "5",
				item(t, "I1", hsLaptop, "200", "EUR", "1"),
				item(t, "I2", hsClothes, "100", "EUR", "1"))},
			mod:  categories,
			want: want{category: "", rate: "0", minPerKg: "1024.74", byValue: "5977.65", duty: "5977.65"},
		},
		{
			name: "art. 309.8(3) mixed categories: share that does not terminate",
			parcels: []Parcel{parcel(t, "P1", "5",
				item(t, "I1", hsLaptop, "200", "EUR", "1"),
				item(t, "I2", hsClothes, "150", "EUR", "1"))},
			mod:  categories,
			want: want{value: "179329.50", byValue: "9332.4535714285", duty: "9332.45"},
		},
		{
			name: "art. 309.8(3) mixed categories, whole-value shape, floor with the schedule's minimum",
			parcels: []Parcel{parcel(t, "P1", "40",
				item(t, "I1", hsLaptop, "200", "EUR", "1"),
				item(t, "I2", hsPhone, "100", "EUR", "1"))},
			mod:  func(in *Input) { categories(in); wholeValue(in) },
			want: want{minPerKg: "1024.74", byValue: "12809.2500", floor: "40989.60", duty: "40989.60"},
		},
		{
			name: "art. 309.8(3) mixed categories within the value norm: the floor alone",
			parcels: []Parcel{parcel(t, "P1", "33",
				item(t, "I1", hsLaptop, "100", "EUR", "1"),
				item(t, "I2", hsClothes, "50", "EUR", "1"))},
			mod:  categories,
			want: want{valueOver: "0", weightOver: "2", byValue: "0", floor: "2049.48", duty: "2049.48"},
		},
		{
			name:    "art. 309.8(4) stricter national value norm (100 EUR)",
			parcels: []Parcel{parcel(t, "P1", "5", item(t, "I1", hsClothes, "150", "EUR", "1"))},
			mod:     national100,
			want: want{valueNorm: "51237.00", weightNorm: "31", valueOver: "25618.50",
				byValue: "3842.7750", duty: "3842.78", total: "3842.78"},
		},
		{
			name:    "art. 309.8(4) stricter national norm: within it still free",
			parcels: []Parcel{parcel(t, "P1", "5", item(t, "I1", hsClothes, "100", "EUR", "1"))},
			mod:     national100,
			want:    want{valueNorm: "51237.00", duty: "0.00", dutyFree: true},
		},
		{
			name:    "art. 309.8(4) national norms in national currency: lower weight norm, higher minimum",
			parcels: []Parcel{parcel(t, "P1", "25", item(t, "I1", hsClothes, "100", "EUR", "1"))},
			mod: func(in *Input) {
				in.National = &Schedule{ID: "KZ-test-kzt", Jurisdiction: "KZ", NormCurrency: "KZT",
					ValueNorm: dec(t, "200000"), WeightNormKg: dec(t, "20"),
					Rate: dec(t, "0.10"), MinimumPerKg: dec(t, "1100"), LegalBasis: "national law (test)"}
			},
			want: want{valueNorm: "102474.00", weightNorm: "20", weightOver: "5", rate: "0.15",
				minPerKg: "1100", floor: "5500", duty: "5500.00"},
		},
		{
			name:    "art. 309.8(16) national tax on top only when the schedule lists it",
			parcels: []Parcel{parcel(t, "P1", "5", item(t, "I1", hsClothes, "300", "EUR", "1"))},
			mod: func(in *Input) {
				nat := Default2020Schedule()
				nat.ID, nat.Jurisdiction = "KZ-test-tax", "KZ"
				nat.NationalTaxes = []Tax{{Code: "VAT", Rate: dec(t, "0.12"), LegalBasis: "national law (test)"}}
				in.National = &nat
			},
			want: want{duty: "7685.55", taxes: []string{"VAT=18445.32"}, total: "26130.87"},
		},
		{
			name:    "art. 309.8(16) national tax not charged on a duty-free parcel",
			parcels: []Parcel{parcel(t, "P1", "5", item(t, "I1", hsClothes, "100", "EUR", "1"))},
			mod: func(in *Input) {
				in.Commission.NationalTaxes = []Tax{{Code: "VAT", Rate: dec(t, "0.12"), LegalBasis: "national law (test)"}}
			},
			want: want{duty: "0.00", total: "0.00", dutyFree: true},
		},
		{
			name:    "art. 309.8(7) currency without minor units (MinorUnits 0)",
			parcels: []Parcel{parcel(t, "P1", "5", item(t, "I1", hsClothes, "300", "EUR", "1"))},
			mod:     func(in *Input) { in.MinorUnits = 0 },
			want:    want{byValue: "7685.5500", duty: "7686", total: "7686"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := baseInput(t, tc.parcels...)
			if tc.mod != nil {
				tc.mod(&in)
			}
			res, err := Compute(in)
			if err != nil {
				t.Fatalf("Compute: %v", err)
			}
			if len(res.Parcels) != 1 {
				t.Fatalf("got %d parcels", len(res.Parcels))
			}
			p := res.Parcels[0]
			w := tc.want
			check := func(field, want string, got *apd.Decimal) {
				t.Helper()
				if want != "" && got.String() != want {
					t.Errorf("%s = %s, want %s", field, got.String(), want)
				}
			}
			check("Value", w.value, &p.Value)
			check("ValueNorm", w.valueNorm, &p.ValueNorm)
			check("WeightNorm", w.weightNorm, &p.WeightNorm)
			check("ValueOver", w.valueOver, &p.ValueOver)
			check("WeightOver", w.weightOver, &p.WeightOver)
			check("Rate", w.rate, &p.Rate)
			check("MinimumPerKg", w.minPerKg, &p.MinimumPerKg)
			check("ByValue", w.byValue, &p.ByValue)
			check("ByWeightFloor", w.floor, &p.ByWeightFloor)
			check("Duty", w.duty, &p.Duty)
			check("Total", w.total, &p.Total)
			check("Result.Total", w.total, &res.Total)
			if p.CategoryID != w.category {
				t.Errorf("CategoryID = %q, want %q", p.CategoryID, w.category)
			}
			if p.DutyFree != w.dutyFree {
				t.Errorf("DutyFree = %v, want %v", p.DutyFree, w.dutyFree)
			}
			var taxes []string
			for _, tx := range p.Taxes {
				taxes = append(taxes, tx.Code+"="+tx.Amount.String())
			}
			if strings.Join(taxes, ",") != strings.Join(w.taxes, ",") {
				t.Errorf("Taxes = %v, want %v", taxes, w.taxes)
			}
			checkSteps(t, &p)
		})
	}
}

// checkSteps: every step cites a legal basis and has an amount; the last
// step is the total.
func checkSteps(t *testing.T, p *ParcelDuty) {
	t.Helper()
	if p.Steps.Len() == 0 {
		t.Fatal("no steps")
	}
	for i, s := range p.Steps.All() {
		if s.Description == "" || s.LegalBasis == "" || s.Amount == "" {
			t.Errorf("step %d incomplete: %+v", i, s)
		}
	}
	last := p.Steps.At(p.Steps.Len() - 1)
	if last.Amount != p.Total.String() || !strings.Contains(last.LegalBasis, "309.9(4)") {
		t.Errorf("last step = %+v, want the total %s", last, p.Total.String())
	}
}

func TestComputeSteps(t *testing.T) {
	in := baseInput(t, parcel(t, "P1", "40",
		item(t, "I1", hsClothes, "250", "USD", "1"),
		item(t, "I2", hsClothes, "10", "EUR", "2")))
	res, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range res.Parcels[0].Steps.All() {
		got = append(got, s.Description+" | "+s.LegalBasis+" | "+s.Amount)
	}
	want := []string{
		"item I1 (HS 6109100000): 250 USD × 1 × 471.2 KZT/USD | EAEU Customs Code art. 309.8(2), 309.8(8), 309.10 | 117800.0",
		"item I2 (HS 6109100000): 10 EUR × 2 × 512.37 KZT/EUR | EAEU Customs Code art. 309.8(2), 309.8(8), 309.10 | 10247.40",
		"customs value of parcel P1, KZT | EAEU Customs Code art. 309.8(2), 309.8(7) | 128047.40",
		"gross weight of parcel P1, kg | EAEU Customs Code art. 309.8(2) | 40",
		"value norm (EEC Council decision No 107 of 20.12.2017 (from 2020-01-01)): 200 EUR × 512.37 KZT/EUR | EAEU Customs Code art. 309.8(4) | 102474.00",
		"weight norm, kg (EEC Council decision No 107 of 20.12.2017 (from 2020-01-01)) | EAEU Customs Code art. 309.8(4) | 31",
		"value over the value norm | EAEU Customs Code art. 309.8(3), 309.8(4) | 25573.40",
		"weight over the weight norm, kg | EAEU Customs Code art. 309.8(3), 309.8(4) | 9",
		"by value: rate 0.15 × the value over the norm | EAEU Customs Code art. 309.8(3), 309.8(9) | 3836.0100",
		"minimum per kg over the weight norm (EEC Council decision No 107 of 20.12.2017 (from 2020-01-01)): 2 EUR × 512.37 KZT/EUR | EAEU Customs Code art. 309.8(3), 309.8(9) | 1024.74",
		"floor: minimum per kg × the weight over the norm | EAEU Customs Code art. 309.8(3), 309.8(9) | 9222.66",
		"customs duty: the greater of by value and the floor, rounded half up to 2 decimals, KZT | EAEU Customs Code art. 309.8(7), 309.8(9) | 9222.66",
		"import duty, VAT, excise, special, anti-dumping and countervailing duties: not charged | EAEU Customs Code art. 309.8(16) | 0.00",
		"total payable for parcel P1 | EAEU Customs Code art. 309.9(4) | 9222.66",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestComputeSeveralParcels(t *testing.T) {
	in := baseInput(t,
		parcel(t, "P1", "5", item(t, "I1", hsClothes, "300", "EUR", "1")),
		parcel(t, "P2", "40", item(t, "I2", hsClothes, "150", "EUR", "1")),
		parcel(t, "P3", "1", item(t, "I3", hsClothes, "10", "USD", "1")),
	)
	res, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	// art. 309.8(4): the norms apply per parcel, not to the declaration.
	if got, want := res.Total.String(), "16908.21"; got != want { // 7685.55 + 9222.66 + 0.00
		t.Errorf("Total = %s, want %s", got, want)
	}
	if res.Currency != "KZT" || len(res.Parcels) != 3 || res.Parcels[1].ParcelID != "P2" {
		t.Errorf("unexpected result %+v", res)
	}
	for i := range res.Parcels {
		checkSteps(t, &res.Parcels[i])
	}

	empty, err := Compute(baseInput(t))
	if err != nil || empty.Total.String() != "0.00" {
		t.Errorf("empty declaration: %v, %s", err, empty.Total.String())
	}
}

func TestComputeErrors(t *testing.T) {
	ok := func() Parcel { return parcel(t, "P1", "1", item(t, "I1", hsClothes, "10", "EUR", "1")) }
	cases := []struct {
		name     string
		in       func() Input
		sentinel error
		mention  []string
	}{
		{
			name: "art. 309.8(8) no exchange rate for the item's currency",
			in: func() Input {
				return baseInput(t, parcel(t, "P1", "1", item(t, "I1", hsClothes, "10", "CNY", "1")))
			},
			sentinel: ErrNoRate, mention: []string{`"CNY"`, `"P1"`, `"I1"`},
		},
		{
			name: "art. 309.8(8) no exchange rate for the norm currency",
			in: func() Input {
				in := baseInput(t, ok())
				in.Rates = MapRates(map[string]apd.Decimal{"USD": dec(t, "471.2")})
				return in
			},
			sentinel: ErrNoRate, mention: []string{`"EUR"`, "EEC-107-2020"},
		},
		{
			name: "art. 309.8(8) nil rates",
			in: func() Input {
				in := baseInput(t, ok())
				in.Rates = nil
				return in
			},
			sentinel: ErrNoRate, mention: []string{`"EUR"`},
		},
		{
			name: "art. 309.8(8) zero exchange rate",
			in: func() Input {
				in := baseInput(t, ok())
				in.Rates = MapRates(map[string]apd.Decimal{"EUR": dec(t, "0")})
				return in
			},
			sentinel: ErrInvalidRate, mention: []string{`"EUR"`},
		},
		{
			name: "art. 309.8(2) HS code of 9 digits",
			in: func() Input {
				return baseInput(t, parcel(t, "P1", "1", item(t, "I7", "610910000", "10", "EUR", "1")))
			},
			sentinel: ErrInvalidHSCode, mention: []string{`"P1"`, `"I7"`, `"610910000"`},
		},
		{
			name: "art. 309.8(2) HS code with a letter",
			in: func() Input {
				return baseInput(t, parcel(t, "P1", "1", item(t, "I7", "61091000A0", "10", "EUR", "1")))
			},
			sentinel: ErrInvalidHSCode, mention: []string{`"I7"`},
		},
		{
			name: "art. 309.10 negative price",
			in: func() Input {
				return baseInput(t, parcel(t, "P1", "1", item(t, "I2", hsClothes, "-1", "EUR", "1")))
			},
			sentinel: ErrInvalidPrice, mention: []string{`"I2"`, "negative"},
		},
		{
			name: "art. 309.10 NaN price",
			in: func() Input {
				return baseInput(t, parcel(t, "P1", "1", item(t, "I2", hsClothes, "NaN", "EUR", "1")))
			},
			sentinel: ErrInvalidPrice, mention: []string{"finite"},
		},
		{
			name: "art. 309.8(2) zero quantity",
			in: func() Input {
				return baseInput(t, parcel(t, "P1", "1", item(t, "I3", hsClothes, "1", "EUR", "0")))
			},
			sentinel: ErrInvalidQuantity, mention: []string{`"I3"`},
		},
		{
			name: "art. 309.8(2) negative gross weight",
			in: func() Input {
				return baseInput(t, parcel(t, "P9", "-0.1", item(t, "I1", hsClothes, "1", "EUR", "1")))
			},
			sentinel: ErrInvalidWeight, mention: []string{`"P9"`},
		},
		{
			name:     "art. 309.8(2) parcel without items",
			in:       func() Input { return baseInput(t, Parcel{ID: "P4", GrossWeightKg: dec(t, "1")}) },
			sentinel: ErrInvalidInput, mention: []string{`"P4"`},
		},
		{
			name: "art. 309.8(7) national currency not set",
			in: func() Input {
				in := baseInput(t, ok())
				in.NationalCurrency = ""
				return in
			},
			sentinel: ErrInvalidInput,
		},
		{
			name: "art. 309.8(3) schedule without a shape",
			in: func() Input {
				in := baseInput(t, ok())
				in.Commission.Shape = 0
				return in
			},
			sentinel: ErrInvalidSchedule, mention: []string{"EEC-107-2020"},
		},
		{
			name: "art. 309.8(3) the same HS prefix in two categories",
			in: func() Input {
				in := baseInput(t, ok())
				in.Commission.Categories = []Category{
					{ID: "a", HSPrefixes: []string{"84"}, Rate: dec(t, "0.1")},
					{ID: "b", HSPrefixes: []string{"84"}, Rate: dec(t, "0.2")},
				}
				return in
			},
			sentinel: ErrInvalidSchedule, mention: []string{`"84"`},
		},
		{
			name: "art. 309.8(4) negative national value norm",
			in: func() Input {
				in := baseInput(t, ok())
				nat := Default2020Schedule()
				nat.ID = "KZ-bad"
				nat.ValueNorm = dec(t, "-1")
				in.National = &nat
				return in
			},
			sentinel: ErrInvalidSchedule, mention: []string{"KZ-bad", "value norm"},
		},
		{
			name: "art. 309.8(7) an amount needing more than 34 digits",
			in: func() Input {
				return baseInput(t, parcel(t, "P5", "1", item(t, "I1", hsClothes, "1234567890123456789012345.123456789", "EUR", "1")))
			},
			sentinel: ErrPrecision, mention: []string{`"P5"`},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compute(tc.in())
			if !errors.Is(err, tc.sentinel) {
				t.Fatalf("err = %v, want %v", err, tc.sentinel)
			}
			for _, m := range tc.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %s", err, m)
				}
			}
		})
	}
}

func TestDefault2020Schedule(t *testing.T) {
	s := Default2020Schedule()
	got := strings.Join([]string{s.Jurisdiction, s.EffectiveDate.Format(time.DateOnly), s.Shape.String(),
		s.NormCurrency, s.ValueNorm.String(), s.WeightNormKg.String(), s.Rate.String(), s.MinimumPerKg.String()}, " ")
	if want := "EEC 2020-01-01 over-norm EUR 200 31 0.15 2"; got != want {
		t.Errorf("Default2020Schedule = %s, want %s", got, want)
	}
	if err := s.validate(false); err != nil {
		t.Error(err)
	}
}

func TestScheduleInForce(t *testing.T) {
	old := Default2020Schedule()
	old.ID, old.EffectiveDate = "EEC-2019", time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	next := Default2020Schedule()
	next.ID, next.EffectiveDate = "EEC-2030", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	kz := Default2020Schedule()
	kz.ID, kz.Jurisdiction = "KZ-2021", "KZ"
	all := []Schedule{next, old, Default2020Schedule(), kz}
	for _, tc := range []struct {
		name string
		on   time.Time
		want string
	}{
		{"art. 309.8(8) schedule in force on the registration date", time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), "EEC-107-2020"},
		{"art. 309.8(8) on its effective date", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), "EEC-107-2020"},
		{"art. 309.8(8) the day before", time.Date(2019, 12, 31, 0, 0, 0, 0, time.UTC), "EEC-2019"},
		{"art. 309.8(8) a later schedule", time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC), "EEC-2030"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ScheduleInForce(all, "EEC", tc.on)
			if err != nil || s.ID != tc.want {
				t.Errorf("got %q, %v; want %q", s.ID, err, tc.want)
			}
		})
	}
	if _, err := ScheduleInForce(all, "EEC", time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)); !errors.Is(err, ErrNoSchedule) {
		t.Errorf("before any schedule: err = %v, want ErrNoSchedule", err)
	}
}

func TestFiveEuroRule(t *testing.T) {
	eur := dec(t, "512.37") // 5 EUR = 2561.85 KZT
	for _, tc := range []struct {
		name   string
		unpaid string
		rate   string
		want   bool
	}{
		{"art. 309.8(21), 309.9(2)(9) exactly 5 EUR: no notice, obligation ends", "2561.85", "", true},
		{"art. 309.8(21), 309.9(2)(9) one minor unit above 5 EUR: notice", "2561.86", "", false},
		{"art. 309.8(21) below 5 EUR", "0.01", "", true},
		{"art. 309.8(21) nothing unpaid", "0", "", true},
		{"art. 309.8(21) exact comparison, no rounding of the equivalent", "2561.851", "", false},
		{"art. 309.8(21) rate with more decimals: 5 × 512.3745 = 2561.8725", "2561.8725", "512.3745", true},
		{"art. 309.8(21) rate with more decimals, just above", "2561.8726", "512.3745", false},
		{"art. 309.8(20) negative unpaid cannot be judged: notice", "-1", "", false},
		{"art. 309.8(20) zero rate cannot be judged: notice", "1", "0", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rate := eur
			if tc.rate != "" {
				rate = dec(t, tc.rate)
			}
			if got := FiveEuroRule(dec(t, tc.unpaid), rate); got != tc.want {
				t.Errorf("FiveEuroRule(%s, %s) = %v, want %v", tc.unpaid, rate.String(), got, tc.want)
			}
		})
	}
}

func secondLastStep(res *Result) string {
	st := &res.Parcels[0].Steps
	return st.At(st.Len() - 2).Description
}

// TestComputeConcurrent: Compute shares nothing between calls (its buffers
// come from a pool); run with -race.
func TestComputeConcurrent(t *testing.T) {
	ins := benchInputs(t)
	want := make([]string, len(ins))
	for i := range ins {
		res, err := Compute(ins[i])
		if err != nil {
			t.Fatal(err)
		}
		want[i] = res.Total.String() + " " + secondLastStep(&res)
	}
	done := make(chan error)
	for g := 0; g < 8; g++ {
		go func() {
			for n := 0; n < 200; n++ {
				i := (g + n) % len(ins)
				res, err := Compute(ins[i])
				if err != nil {
					done <- err
					return
				}
				if got := res.Total.String() + " " + secondLastStep(&res); got != want[i] {
					done <- fmt.Errorf("input %d: got %q, want %q", i, got, want[i])
					return
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
