package duty

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// build validates the schedules and converts what every declaration under
// them shares; the rates are in p already.
func (p *Prepared) build(com, nat *Schedule) error {
	if p.nat == "" {
		return fmt.Errorf("%w: national currency not set", ErrInvalidInput)
	}
	if p.minor < 0 || p.minor > maxMinorUnits {
		return fmt.Errorf("%w: minor units %d not in 0..%d", ErrInvalidInput, p.minor, maxMinorUnits)
	}
	if err := com.validate(false); err != nil {
		return err
	}
	if nat != nil {
		if err := nat.validate(true); err != nil {
			return err
		}
	}
	p.shape = com.Shape
	p.zero = small(0, -p.minor)

	a := &p.a
	var x num
	r, err := p.rateFor(com.NormCurrency)
	if err != nil {
		return fmt.Errorf("schedule %q norms: %w", com.ID, err)
	}
	comRate := r.rate
	a.set(&x, &com.ValueNorm)
	a.mul(&p.valueNorm, &x, &comRate)
	a.set(&x, &com.MinimumPerKg)
	a.mul(&p.minPerKg, &x, &comRate)
	a.set(&p.weightNorm, &com.WeightNormKg)
	a.set(&p.rate, &com.Rate)

	// Stricter national norms (art. 309.8(4)): the lower norms, and the
	// national rate and minimum only where higher (see the package comment).
	var used nationalUse
	if nat != nil {
		natRate, err := p.rateFor(nat.NormCurrency)
		if err != nil {
			return fmt.Errorf("schedule %q norms: %w", nat.ID, err)
		}
		var natValueNorm, natMin num
		a.set(&x, &nat.ValueNorm)
		a.mul(&natValueNorm, &x, &natRate.rate)
		a.set(&x, &nat.MinimumPerKg)
		a.mul(&natMin, &x, &natRate.rate)
		if a.err == nil {
			if used.valueNorm = a.cmp(&natValueNorm, &p.valueNorm) < 0; used.valueNorm {
				p.valueNorm = natValueNorm
			}
			if a.set(&x, &nat.WeightNormKg); a.cmp(&x, &p.weightNorm) < 0 {
				p.weightNorm, used.weightNorm = x, true
			}
			if a.set(&x, &nat.Rate); a.cmp(&x, &p.rate) > 0 {
				p.rate = x
			}
			if used.minimum = a.cmp(&natMin, &p.minPerKg) > 0; used.minimum {
				p.minPerKg = natMin
			}
		}
	}

	if n := len(com.Categories); n > 0 {
		p.cats = slices.Grow(p.cats[:0], n)[:n]
		for i := range com.Categories {
			cat, pc := &com.Categories[i], &p.cats[i]
			pc.id = cat.ID
			a.set(&pc.rate, &cat.Rate)
			if cat.MinimumPerKg != nil {
				a.set(&x, cat.MinimumPerKg)
				a.mul(&pc.minPerKg, &x, &comRate)
			} else {
				pc.minPerKg = p.minPerKg
			}
			for _, hs := range cat.HSPrefixes {
				p.prefixes = append(p.prefixes, prefix{hs: hs, cat: i})
			}
		}
		slices.SortFunc(p.prefixes, func(a, b prefix) int {
			if n := cmp.Compare(len(b.hs), len(a.hs)); n != 0 {
				return n
			}
			return strings.Compare(a.hs, b.hs)
		})
		for i := 1; i < len(p.prefixes); i++ {
			if a, b := p.prefixes[i-1], p.prefixes[i]; a.hs == b.hs {
				return fmt.Errorf("%w: schedule %q: HS prefix %q in categories %q and %q",
					ErrInvalidSchedule, com.ID, a.hs, p.cats[a.cat].id, p.cats[b.cat].id)
			}
		}
	}
	if a.err != nil {
		return fmt.Errorf("%w: schedule norms: %v", ErrPrecision, a.err)
	}

	p.addTaxes(com.NationalTaxes)
	if nat != nil {
		p.addTaxes(nat.NationalTaxes)
	}
	p.bases = bases[:]
	if len(p.taxes) > 0 {
		// A fresh slice: a Result keeps it.
		p.bases = make([]string, numBases, int(numBases)+len(p.taxes))
		copy(p.bases, bases[:])
		for i := range p.taxes {
			p.bases = append(p.bases, p.taxes[i].basis)
		}
	}

	p.sharedSteps(com, nat, used)
	p.sharedTexts()
	if uint64(len(p.pre.buf)) > maxText {
		return fmt.Errorf("%w: schedule %q: the texts of its steps exceed %d bytes", ErrInvalidSchedule, com.ID, maxText)
	}
	if !p.inline {
		p.shared = string(p.pre.buf)
	}
	a.preparing = false
	return nil
}

// nationalUse tells which figures of a national schedule apply.
type nationalUse struct{ valueNorm, weightNorm, minimum bool }

func (p *Prepared) addTaxes(taxes []Tax) {
	for i := range taxes {
		t := &taxes[i]
		p.taxes = append(p.taxes, preparedTax{code: t.Code, basis: t.LegalBasis})
		pt := &p.taxes[len(p.taxes)-1]
		pt.dec.Set(&t.Rate)
		p.a.set(&pt.rate, &t.Rate)
	}
}

// rateFor returns the rate of currency into the national currency, or the
// error a declaration that needs it fails with. The entry is read-only.
func (p *Prepared) rateFor(currency string) (*rateEntry, error) {
	if currency == p.nat {
		return &nationalRate, nil
	}
	var r *rateEntry
	if p.rateIndex != nil {
		if i, ok := p.rateIndex[currency]; ok {
			r = &p.rates[i]
		}
	} else {
		for i := range p.rates {
			if p.rates[i].currency == currency {
				r = &p.rates[i]
				break
			}
		}
	}
	switch {
	case r == nil && p.noRates:
		return nil, fmt.Errorf("%w: %q to %s (no rates given)", ErrNoRate, currency, p.nat)
	case r == nil || r.missing:
		return nil, fmt.Errorf("%w: %q to %s", ErrNoRate, currency, p.nat)
	case r.why != "":
		return nil, fmt.Errorf("%w: %q to %s %s", ErrInvalidRate, currency, p.nat, r.why)
	}
	return r, nil
}
