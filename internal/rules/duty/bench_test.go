package duty

import (
	"testing"
	"time"
)

// benchInputs is a realistic mix of one-parcel declarations of three items
// each: within the norms, over the value norm in several currencies, over
// the weight norm, and a parcel mixing categories.
func benchInputs(tb testing.TB) []Input {
	cats := []Category{
		{ID: "computers", HSPrefixes: []string{"8471"}, Rate: dec(tb, "0.10")},
		{ID: "phones", HSPrefixes: []string{"8517"}, Rate: dec(tb, "0.05"), MinimumPerKg: decp(tb, "3")},
	}
	ins := []Input{
		baseInput(tb, parcel(tb, "P1", "1.250",
			item(tb, "I1", hsClothes, "19.99", "EUR", "2"),
			item(tb, "I2", hsClothes, "34.50", "USD", "1"),
			item(tb, "I3", hsClothes, "4990", "KZT", "3"))),
		baseInput(tb, parcel(tb, "P2", "2.4",
			item(tb, "I1", hsLaptop, "899.00", "USD", "1"),
			item(tb, "I2", hsClothes, "25.00", "EUR", "2"),
			item(tb, "I3", hsClothes, "12.49", "USD", "4"))),
		baseInput(tb, parcel(tb, "P3", "38.700",
			item(tb, "I1", hsClothes, "60.00", "EUR", "1"),
			item(tb, "I2", hsClothes, "45.90", "USD", "1"),
			item(tb, "I3", hsClothes, "15000", "KZT", "1"))),
		baseInput(tb, parcel(tb, "P4", "3.1",
			item(tb, "I1", hsPhone, "219.83", "USD", "1"),
			item(tb, "I2", hsLaptop, "180.00", "EUR", "1"),
			item(tb, "I3", hsClothes, "9.99", "EUR", "3"))),
	}
	ins[3].Commission.Categories = cats
	return ins
}

// itemsMeter reports items/s (wall clock) and items/cpu-s (process CPU
// time, GC included): on a shared machine the second is the figure per core.
type itemsMeter struct {
	items int
	cpu0  time.Duration
	ok    bool
}

func startItems() itemsMeter {
	cpu, ok := processCPU()
	return itemsMeter{cpu0: cpu, ok: ok}
}

func (m *itemsMeter) report(b *testing.B) {
	b.ReportMetric(float64(m.items)/b.Elapsed().Seconds(), "items/s")
	if cpu, ok := processCPU(); ok && m.ok && cpu > m.cpu0 {
		b.ReportMetric(float64(m.items)/(cpu-m.cpu0).Seconds(), "items/cpu-s")
	}
}

// prepareAll prepares the tariff of each input.
func prepareAll(tb testing.TB, ins []Input) []*Prepared {
	ps := make([]*Prepared, len(ins))
	for i := range ins {
		p, err := Prepare(tariffOf(tb, &ins[i]))
		if err != nil {
			tb.Fatal(err)
		}
		ps[i] = p
	}
	return ps
}

// BenchmarkComputeItems measures what the server does for each
// declaration: Prepared.Compute on one-parcel, three-item declarations
// (one declaration per iteration) under tariffs prepared beforehand, and
// reports items per second.
func BenchmarkComputeItems(b *testing.B) {
	ins := benchInputs(b)
	ps := prepareAll(b, ins)
	b.ReportAllocs()
	m := startItems()
	for i := 0; b.Loop(); i++ {
		k := i % len(ins)
		if _, err := ps[k].Compute(ins[k].Parcels); err != nil {
			b.Fatal(err)
		}
		m.items += len(ins[k].Parcels[0].Items)
	}
	m.report(b)
}

// BenchmarkComputeItemsOneShot is BenchmarkComputeItems through
// Compute(Input), which prepares the tariff for each declaration.
func BenchmarkComputeItemsOneShot(b *testing.B) {
	ins := benchInputs(b)
	b.ReportAllocs()
	m := startItems()
	for i := 0; b.Loop(); i++ {
		in := &ins[i%len(ins)]
		if _, err := Compute(*in); err != nil {
			b.Fatal(err)
		}
		m.items += len(in.Parcels[0].Items)
	}
	m.report(b)
}

// BenchmarkComputeBatch is the same mix as one declaration of 64 parcels
// under a prepared tariff.
func BenchmarkComputeBatch(b *testing.B) {
	ins := benchInputs(b)
	batch := baseInput(b)
	batch.Commission = ins[3].Commission
	for i := 0; i < 64; i++ {
		batch.Parcels = append(batch.Parcels, ins[i%len(ins)].Parcels[0])
	}
	p := prepareAll(b, []Input{batch})[0]
	b.ReportAllocs()
	m := startItems()
	for b.Loop() {
		if _, err := p.Compute(batch.Parcels); err != nil {
			b.Fatal(err)
		}
		m.items += 64 * 3
	}
	m.report(b)
}
