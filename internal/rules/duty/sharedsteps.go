package duty

import (
	"slices"

	"github.com/cockroachdb/apd/v3"
)

// sharedSteps formats the steps every parcel shares (stepValueNorm...).
// Each norm cites, in its description, the act that sets the figure. Like
// every function here it writes to a local copy of p.pre, which needs no
// GC write barrier, and stores it back once.
func (p *Prepared) sharedSteps(com, nat *Schedule, used nationalUse) {
	w, a := p.pre, &p.a
	w.begin()
	if used.valueNorm {
		w.str("value norm (national, stricter than the Commission's ")
		w.dec(&com.ValueNorm)
		w.str(" ")
		w.str(com.NormCurrency)
		w = actText(w, nat)
		w.str("): ")
		w = p.normText(w, &nat.ValueNorm, nat.NormCurrency)
	} else {
		w.str("value norm (")
		w.str(com.LegalBasis)
		w.str("): ")
		w = p.normText(w, &com.ValueNorm, com.NormCurrency)
	}
	w = w.end(a, basisNorms, &p.valueNorm)
	if used.weightNorm {
		w.str("weight norm, kg (national, stricter than the Commission's ")
		w.dec(&com.WeightNormKg)
		w.str(" kg")
		w = actText(w, nat)
		w.str(")")
	} else {
		w.str("weight norm, kg (")
		w.str(com.LegalBasis)
		w.str(")")
	}
	w = w.end(a, basisNorms, &p.weightNorm)
	if used.minimum {
		w.str("minimum per kg over the weight norm (national")
		w = actText(w, nat)
		w.str("): ")
		w = p.normText(w, &nat.MinimumPerKg, nat.NormCurrency)
	} else {
		w.str("minimum per kg over the weight norm (")
		w.str(com.LegalBasis)
		w.str("): ")
		w = p.normText(w, &com.MinimumPerKg, com.NormCurrency)
	}
	w = w.end(a, basisRate, &p.minPerKg)
	w.str("value within the value norm and weight within the weight norm: released without customs duty")
	w = w.end(a, basisDutyFree, &p.zero)
	w.str("import duty, VAT, excise, special, anti-dumping and countervailing duties: not charged")
	w = w.end(a, basisNoPayments, &p.zero)
	for i := range com.Categories {
		cat := &com.Categories[i]
		w.str("minimum per kg, category ")
		w.str(cat.ID)
		if cat.MinimumPerKg != nil {
			w.str(": ")
			w = p.normText(w, cat.MinimumPerKg, com.NormCurrency)
		} else {
			w.str(" (the schedule's)")
		}
		w = w.end(a, basisRate, &p.cats[i].minPerKg)
	}
	p.pre = w
}

// actText writes "; <the act>" for a national schedule that names one.
func actText(w stepWriter, s *Schedule) stepWriter {
	if s.LegalBasis != "" {
		w.str("; ")
		w.str(s.LegalBasis)
	}
	return w
}

// normText writes "amount CUR × rate NAT/CUR", or "amount NAT".
func (p *Prepared) normText(w stepWriter, amount *apd.Decimal, currency string) stepWriter {
	w.dec(amount)
	w.str(" ")
	w.str(currency)
	r, _ := p.rateFor(currency) // looked up in build already
	w.buf = append(w.buf, w.buf[r.text.lo:r.text.hi]...)
	return w
}

// sharedTexts formats the descriptions of the steps whose amount differs
// from parcel to parcel but whose text does not.
func (p *Prepared) sharedTexts() {
	w, a := p.pre, &p.a
	valueWord, weightWord := "the value over the norm", "the weight over the norm"
	if p.shape == ShapeWholeValue {
		valueWord, weightWord = "the full value", "the full weight"
	}
	n := len(p.cats) + 1
	p.byValue = slices.Grow(p.byValue[:0], n)[:n]
	p.group = slices.Grow(p.group[:0], n)[:n]
	for c := -1; c < len(p.cats); c++ {
		rate, id := &p.rate, ""
		if c >= 0 {
			rate, id = &p.cats[c].rate, p.cats[c].id
		}
		lo := len(w.buf)
		w.str("by value: rate ")
		w.num(a, rate)
		if id != "" {
			w.str(" (category ")
			w.str(id)
			w.str(")")
		}
		w.str(" × ")
		w.str(valueWord)
		p.byValue[c+1] = w.from(lo)

		lo = len(w.buf)
		if id != "" {
			w.str("category ")
			w.str(id)
		} else {
			w.str("items in no category")
		}
		w.str(": rate ")
		w.num(a, rate)
		w.str(" × their value ")
		p.group[c+1] = w.from(lo)
	}

	lo := len(w.buf)
	w.str("by value: sum over the categories of rate × the full value")
	p.mixed[mixedWholeValue] = w.from(lo)
	lo = len(w.buf)
	w.str("by value: sum over the categories of rate × value, × the value over the norm ÷ the value (pro rata, truncated to ")
	w.int(int64(p.minor + prorataPlaces))
	w.str(" decimals)")
	p.mixed[mixedProRata] = w.from(lo)
	lo = len(w.buf)
	w.str("by value: the value is within the norm")
	p.mixed[mixedWithinNorm] = w.from(lo)

	lo = len(w.buf)
	w.str("value over the value norm")
	p.valueOver = w.from(lo)
	lo = len(w.buf)
	w.str("weight over the weight norm, kg")
	p.weightOver = w.from(lo)

	lo = len(w.buf)
	w.str("floor: minimum per kg × ")
	w.str(weightWord)
	p.floor = w.from(lo)

	lo = len(w.buf)
	w.str("customs duty: the greater of by value and the floor, rounded half up to ")
	w.int(int64(p.minor))
	w.str(" decimals, ")
	w.str(p.nat)
	p.duty = w.from(lo)

	for i := range p.taxes {
		t := &p.taxes[i]
		lo = len(w.buf)
		w.str("national tax ")
		w.str(t.code)
		w.str(": rate ")
		w.num(a, &t.rate)
		w.str(" × the customs value, rounded half up")
		t.text = w.from(lo)
	}
	p.pre = w
}
