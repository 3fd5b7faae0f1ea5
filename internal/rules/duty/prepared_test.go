package duty

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"
)

// tariffOf is the tariff of an input whose Rates are kztRates.
func tariffOf(tb testing.TB, in *Input) Tariff {
	return Tariff{NationalCurrency: in.NationalCurrency, MinorUnits: in.MinorUnits,
		Commission: in.Commission, National: in.National, Rates: kztRateMap(tb)}
}

// resultText writes out everything a Result holds, steps included, or the
// error, so that two results can be compared byte for byte.
func resultText(res Result, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s total %s\n", res.Currency, res.Total.String())
	for i := range res.Parcels {
		p := &res.Parcels[i]
		fmt.Fprintf(&b, "parcel %s value %s weight %s norms %s %s over %s %s rate %s min %s category %q by value %s floor %s duty %s total %s free %v\n",
			p.ParcelID, p.Value.String(), p.WeightKg.String(), p.ValueNorm.String(), p.WeightNorm.String(),
			p.ValueOver.String(), p.WeightOver.String(), p.Rate.String(), p.MinimumPerKg.String(), p.CategoryID,
			p.ByValue.String(), p.ByWeightFloor.String(), p.Duty.String(), p.Total.String(), p.DutyFree)
		for _, g := range p.Groups {
			fmt.Fprintf(&b, "  group %q %s %s %s\n", g.CategoryID, g.Value.String(), g.Rate.String(), g.ByValue.String())
		}
		for _, t := range p.Taxes {
			fmt.Fprintf(&b, "  tax %s %s %s %s %s\n", t.Code, t.Rate.String(), t.Base.String(), t.Amount.String(), t.LegalBasis)
		}
		for _, s := range p.Steps.All() {
			fmt.Fprintf(&b, "  step %s | %s | %s\n", s.Description, s.LegalBasis, s.Amount)
		}
	}
	return b.String()
}

// computePrepared computes in through Prepare and Prepared.Compute.
func computePrepared(t Tariff, parcels []Parcel) (Result, error) {
	p, err := Prepare(t)
	if err != nil {
		return Result{}, err
	}
	return p.Compute(parcels)
}

// preparedCorpus is the bench mix and the fuzz test's inputs over a grid
// of prices, weights, currencies and every combination of its flags.
func preparedCorpus(tb testing.TB) []Input {
	ins := benchInputs(tb)
	for _, price := range []uint32{0, 10000, 19999, 20000, 30000, 1e9, ^uint32(0)} {
		for _, grams := range []uint32{0, 31000, 40000} {
			for currency := uint8(0); currency < 3; currency++ {
				for flags := uint8(0); flags < 64; flags++ {
					ins = append(ins, fuzzInput(tb, price, 1, grams, currency, flags))
				}
			}
		}
	}
	return ins
}

// TestPreparedMatchesCompute: a prepared tariff gives, byte for byte, the
// Result Compute gives, steps included (art. 309.8(2)-(9), (16)).
func TestPreparedMatchesCompute(t *testing.T) {
	for i, in := range preparedCorpus(t) {
		want := resultText(Compute(in))
		if got := resultText(computePrepared(tariffOf(t, &in), in.Parcels)); got != want {
			t.Fatalf("input %d: Prepared.Compute:\n%s\nCompute:\n%s", i, got, want)
		}
	}
	// One Prepared for several declarations gives each its own result.
	ins := benchInputs(t)
	p, err := Prepare(tariffOf(t, &ins[0]))
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < 3; n++ {
		for i := range ins[:3] {
			if got, want := resultText(p.Compute(ins[i].Parcels)), resultText(Compute(ins[i])); got != want {
				t.Fatalf("declaration %d, round %d: Prepared.Compute:\n%s\nCompute:\n%s", i, n, got, want)
			}
		}
	}
}

func TestPreparedRates(t *testing.T) {
	many := kztRateMap(t)
	for i := 0; i < 3*maxLinearRates; i++ {
		many[fmt.Sprintf("C%02d", i)] = *apd.New(int64(100+i), -2)
	}
	many["KZT"] = dec(t, "2") // the national currency's entry is ignored
	many["ZZZ"] = dec(t, "0")
	// 25 significant digits: beyond 64 bits, so the norm and the value
	// are computed on the apd path and kept in the Prepared.
	many["BIG"] = dec(t, "471.2000000000000000000001")
	mixed := func(currency string) []Parcel {
		return []Parcel{parcel(t, "P1", "40",
			item(t, "I1", hsClothes, "250", currency, "1"),
			item(t, "I2", hsClothes, "10", "EUR", "2"),
			item(t, "I3", hsClothes, "1000", "KZT", "1"))}
	}
	cases := []struct {
		name     string
		national *Schedule
		parcels  []Parcel
		sentinel error
		mention  []string
	}{
		{name: "art. 309.8(8) a rate among many on the date", parcels: mixed("C17")},
		{name: "art. 309.8(8) a rate beyond 64 bits", parcels: mixed("BIG")},
		{
			name: "art. 309.8(8) a norm in a currency whose rate is beyond 64 bits",
			national: &Schedule{ID: "KZ-big", Jurisdiction: "KZ", NormCurrency: "BIG",
				ValueNorm: dec(t, "150"), WeightNormKg: dec(t, "31"), Rate: dec(t, "0.15"), MinimumPerKg: dec(t, "2")},
			parcels: mixed("USD"),
		},
		{name: "art. 309.8(7) the national currency is never converted", parcels: mixed("KZT")},
		{name: "art. 309.8(8) no rate for an item's currency", parcels: mixed("CNY"),
			sentinel: ErrNoRate, mention: []string{`"CNY"`, `"P1"`, `"I1"`}},
		{name: "art. 309.8(8) a zero rate fails the declarations that use it", parcels: mixed("ZZZ"),
			sentinel: ErrInvalidRate, mention: []string{`"ZZZ"`, "zero"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := baseInput(t, tc.parcels...)
			in.National = tc.national
			in.Rates = MapRates(many)
			tariff := tariffOf(t, &in)
			tariff.Rates = many
			res, err := computePrepared(tariff, in.Parcels)
			if tc.sentinel != nil {
				if !errors.Is(err, tc.sentinel) {
					t.Fatalf("err = %v, want %v", err, tc.sentinel)
				}
				for _, m := range tc.mention {
					if !strings.Contains(err.Error(), m) {
						t.Errorf("error %q does not mention %s", err, m)
					}
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if got, want := resultText(res, err), resultText(Compute(in)); got != want {
				t.Errorf("Prepared.Compute:\n%s\nCompute:\n%s", got, want)
			}
		})
	}
}

// TestPreparedBigNorm checks the exact figures of a norm kept beyond 64
// bits in a Prepared.
func TestPreparedBigNorm(t *testing.T) {
	rates := kztRateMap(t)
	rates["EUR"] = dec(t, "512.3700000000000000000000001")
	in := baseInput(t, parcel(t, "P1", "5", item(t, "I1", hsClothes, "300", "EUR", "1")))
	res, err := computePrepared(Tariff{NationalCurrency: "KZT", MinorUnits: 2, Commission: in.Commission, Rates: rates}, in.Parcels)
	if err != nil {
		t.Fatal(err)
	}
	// art. 309.8(3),(8): 300 − 200 EUR over the norm at the exact rate, × 15 %.
	p := &res.Parcels[0]
	for _, c := range []struct{ name, got, want string }{
		{"ValueNorm", p.ValueNorm.String(), "102474.0000000000000000000000200"},
		{"ValueOver", p.ValueOver.String(), "51237.0000000000000000000000100"},
		{"ByValue", p.ByValue.String(), "7685.550000000000000000000001500"},
		{"Duty", p.Duty.String(), "7685.55"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %s, want %s", c.name, c.got, c.want)
		}
	}
}

func TestPrepareErrors(t *testing.T) {
	ok := baseInput(t)
	cases := []struct {
		name     string
		tariff   func() Tariff
		sentinel error
		mention  []string
	}{
		{
			name: "art. 309.8(8) no rate for the norm currency",
			tariff: func() Tariff {
				tr := tariffOf(t, &ok)
				delete(tr.Rates, "EUR")
				return tr
			},
			sentinel: ErrNoRate, mention: []string{`"EUR"`, "EEC-107-2020"},
		},
		{
			name: "art. 309.8(8) no rates",
			tariff: func() Tariff {
				tr := tariffOf(t, &ok)
				tr.Rates = nil
				return tr
			},
			sentinel: ErrNoRate, mention: []string{`"EUR"`, "no rates given"},
		},
		{
			name: "art. 309.8(8) a zero rate for the norm currency",
			tariff: func() Tariff {
				tr := tariffOf(t, &ok)
				tr.Rates["EUR"] = dec(t, "0")
				return tr
			},
			sentinel: ErrInvalidRate, mention: []string{`"EUR"`},
		},
		{
			name: "art. 309.8(3) schedule without a shape",
			tariff: func() Tariff {
				tr := tariffOf(t, &ok)
				tr.Commission.Shape = 0
				return tr
			},
			sentinel: ErrInvalidSchedule, mention: []string{"EEC-107-2020"},
		},
		{
			name: "art. 309.8(7) minor units out of range",
			tariff: func() Tariff {
				tr := tariffOf(t, &ok)
				tr.MinorUnits = 9
				return tr
			},
			sentinel: ErrInvalidInput, mention: []string{"minor units 9"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Prepare(tc.tariff())
			if p != nil || !errors.Is(err, tc.sentinel) {
				t.Fatalf("Prepare = %v, %v; want %v", p, err, tc.sentinel)
			}
			for _, m := range tc.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %s", err, m)
				}
			}
		})
	}
	var zero Prepared
	if _, err := zero.Compute(ok.Parcels); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("zero Prepared: err = %v, want ErrInvalidInput", err)
	}
}

// TestComputeResultsKeepTheirSteps: a Result keeps its steps when the
// buffers of its Compute are used again by later ones.
func TestComputeResultsKeepTheirSteps(t *testing.T) {
	ins := benchInputs(t)
	taxed := baseInput(t, ins[1].Parcels...)
	taxed.Commission.NationalTaxes = []Tax{{Code: "VAT", Rate: dec(t, "0.12"), LegalBasis: "national law (test)"}}
	ins = append(ins, taxed)
	results := make([]Result, len(ins))
	want := make([]string, len(ins))
	for i := range ins {
		var err error
		if results[i], err = Compute(ins[i]); err != nil {
			t.Fatal(err)
		}
		want[i] = resultText(results[i], nil)
	}
	for n := 0; n < 5; n++ {
		for i := len(ins) - 1; i >= 0; i-- {
			if _, err := Compute(ins[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := range results {
		if got := resultText(results[i], nil); got != want[i] {
			t.Errorf("result %d changed:\n%s\nwas:\n%s", i, got, want[i])
		}
	}
}

// TestPreparedConcurrent: one Prepared serves many goroutines; run with -race.
func TestPreparedConcurrent(t *testing.T) {
	ins := benchInputs(t)
	p, err := Prepare(tariffOf(t, &ins[3])) // the tariff with categories
	if err != nil {
		t.Fatal(err)
	}
	want := make([]string, len(ins))
	for i := range ins {
		in := ins[i]
		in.Commission = ins[3].Commission
		want[i] = resultText(Compute(in))
	}
	done := make(chan error)
	for g := 0; g < 8; g++ {
		go func() {
			for n := 0; n < 100; n++ {
				i := (g + n) % len(ins)
				if got := resultText(p.Compute(ins[i].Parcels)); got != want[i] {
					done <- fmt.Errorf("input %d: got\n%s\nwant\n%s", i, got, want[i])
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

// TestSharedStepTexts pins the steps whose texts a Prepared formats once:
// stricter national norms (art. 309.8(4)), a parcel mixing categories
// (art. 309.8(3)) and a national tax (art. 309.8(16)), on both paths.
func TestSharedStepTexts(t *testing.T) {
	in := baseInput(t, parcel(t, "P7", "35",
		item(t, "I1", hsLaptop, "200", "EUR", "1"),
		item(t, "I2", hsPhone, "100", "USD", "1"),
		item(t, "I3", hsClothes, "20000", "KZT", "1")))
	in.Commission.Categories = []Category{
		{ID: "computers", HSPrefixes: []string{"8471"}, Rate: dec(t, "0.10")},
		{ID: "phones", HSPrefixes: []string{"8517"}, Rate: dec(t, "0.05"), MinimumPerKg: decp(t, "3")},
	}
	nat := Default2020Schedule()
	nat.ID, nat.Jurisdiction = "KZ-test", "KZ"
	nat.ValueNorm = dec(t, "100")
	nat.WeightNormKg = dec(t, "30")
	nat.MinimumPerKg = dec(t, "2.5")
	nat.LegalBasis = "national law (test)"
	nat.NationalTaxes = []Tax{{Code: "VAT", Rate: dec(t, "0.12"), LegalBasis: "tax code (test)"}}
	in.National = &nat
	want := strings.Join([]string{
		"item I1 (HS 8471300000): 200 EUR × 1 × 512.37 KZT/EUR, category computers | EAEU Customs Code art. 309.8(2), 309.8(8), 309.10 | 102474.00",
		"item I2 (HS 8517130000): 100 USD × 1 × 471.2 KZT/USD, category phones | EAEU Customs Code art. 309.8(2), 309.8(8), 309.10 | 47120.0",
		"item I3 (HS 6109100000): 20000 KZT × 1 | EAEU Customs Code art. 309.8(2), 309.8(8), 309.10 | 20000",
		"customs value of parcel P7, KZT | EAEU Customs Code art. 309.8(2), 309.8(7) | 169594.00",
		"gross weight of parcel P7, kg | EAEU Customs Code art. 309.8(2) | 35",
		"value norm (national, stricter than the Commission's 200 EUR; national law (test)): 100 EUR × 512.37 KZT/EUR | EAEU Customs Code art. 309.8(4) | 51237.00",
		"weight norm, kg (national, stricter than the Commission's 31 kg; national law (test)) | EAEU Customs Code art. 309.8(4) | 30",
		"value over the value norm | EAEU Customs Code art. 309.8(3), 309.8(4) | 118357.00",
		"weight over the weight norm, kg | EAEU Customs Code art. 309.8(3), 309.8(4) | 5",
		"category computers: rate 0.10 × their value 102474.00 | EAEU Customs Code art. 309.8(3), 309.8(9) | 10247.4000",
		"category phones: rate 0.05 × their value 47120.0 | EAEU Customs Code art. 309.8(3), 309.8(9) | 2356.000",
		"items in no category: rate 0.15 × their value 20000 | EAEU Customs Code art. 309.8(3), 309.8(9) | 3000.00",
		"by value: sum over the categories of rate × value, × the value over the norm ÷ the value (pro rata, truncated to 10 decimals) | EAEU Customs Code art. 309.8(3), 309.8(9) | 10889.3688090380",
		"minimum per kg over the weight norm (national; national law (test)): 2.5 EUR × 512.37 KZT/EUR | EAEU Customs Code art. 309.8(3), 309.8(9) | 1280.925",
		"floor: minimum per kg × the weight over the norm | EAEU Customs Code art. 309.8(3), 309.8(9) | 6404.625",
		"customs duty: the greater of by value and the floor, rounded half up to 2 decimals, KZT | EAEU Customs Code art. 309.8(7), 309.8(9) | 10889.37",
		"national tax VAT: rate 0.12 × the customs value, rounded half up | tax code (test) | 20351.28",
		"total payable for parcel P7 | EAEU Customs Code art. 309.9(4) | 31240.65",
	}, "\n")
	oneShot, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	prepared, err := computePrepared(tariffOf(t, &in), in.Parcels)
	if err != nil {
		t.Fatal(err)
	}
	for name, res := range map[string]Result{"Compute": oneShot, "Prepared.Compute": prepared} {
		var got []string
		for _, s := range res.Parcels[0].Steps.All() {
			got = append(got, s.Description+" | "+s.LegalBasis+" | "+s.Amount)
		}
		if strings.Join(got, "\n") != want {
			t.Errorf("%s steps:\n%s\nwant:\n%s", name, strings.Join(got, "\n"), want)
		}
	}
}
