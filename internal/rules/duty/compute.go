package duty

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/cockroachdb/apd/v3"
)

const (
	hsCodeLen     = 10
	maxMinorUnits = 8
	// prorataPlaces: the pro-rata share of a mixed-category parcel is
	// truncated to MinorUnits + prorataPlaces decimal places (see doc.go).
	prorataPlaces = 8
)

// Indexes of the prepared steps shared by every parcel of a Compute.
const (
	stepValueNorm = iota
	stepWeightNorm
	stepMinimum
	stepCategoryMinimum // + category index
)

// Compute returns the customs duty of every parcel of a declaration for
// e-commerce goods (EAEU Customs Code art. 309.8). See the package comment
// for the rules and for the choices made where the law is silent.
//
// Errors wrap one of the package's sentinel errors and name the parcel,
// item, currency or schedule concerned. Compute is safe for concurrent use.
func Compute(in Input) (Result, error) {
	// The engine lives on the stack; only its buffers are pooled.
	s := scratchPool.Get().(*scratch)
	var e engine
	e.scratch = *s
	res, err := e.compute(&in)
	e.release(s)
	return res, err
}

func (e *engine) compute(in *Input) (Result, error) {
	if err := e.prepare(in); err != nil {
		return Result{}, err
	}
	res := Result{Currency: in.NationalCurrency, Parcels: make([]ParcelDuty, len(in.Parcels))}
	total := small(0, -in.MinorUnits)
	for i := range in.Parcels {
		e.spans = append(e.spans, len(e.w.refs))
		if err := e.parcel(&in.Parcels[i], &res.Parcels[i]); err != nil {
			return Result{}, err
		}
		e.add(&total, &total, &e.total)
	}
	if e.err != nil {
		return Result{}, fmt.Errorf("%w: declaration total: %v", ErrPrecision, e.err)
	}
	e.store(&res.Total, &total)
	// One string and one slice hold the steps of every parcel.
	steps := e.w.steps(e.taxes)
	e.spans = append(e.spans, len(steps))
	for i := range res.Parcels {
		lo, hi := e.spans[i], e.spans[i+1]
		res.Parcels[i].Steps = steps[lo:hi:hi]
	}
	return res, nil
}

// scratch is the reusable memory of a Compute.
type scratch struct {
	arith                // its store of big values
	w        stepWriter  // steps of every parcel
	pre      stepWriter  // steps shared by every parcel (see stepValueNorm...)
	rates    []rateEntry // rates looked up so far
	groups   []group     // items of the current parcel by category
	spans    []int       // parcel i's steps are w.refs[spans[i]:spans[i+1]]
	cats     []category
	prefixes []prefix // longest first
	taxBuf   []Tax
	rateText []byte // " × rate NAT/CUR" of each rate looked up
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// maxPooledBytes: scratch whose step buffer grew beyond this (a huge
// declaration) is dropped rather than kept.
const maxPooledBytes = 1 << 20

// release returns the engine's buffers to s and s to the pool, keeping no
// reference to the input.
func (e *engine) release(s *scratch) {
	if cap(e.w.buf) > maxPooledBytes {
		return
	}
	clear(e.cats)
	clear(e.prefixes)
	clear(e.rates)
	clear(e.taxBuf)
	clear(e.bigs)
	*s = scratch{
		arith:    arith{bigs: e.bigs[:0]},
		w:        stepWriter{buf: e.w.buf[:0], refs: e.w.refs[:0]},
		pre:      stepWriter{buf: e.pre.buf[:0], refs: e.pre.refs[:0]},
		rates:    e.rates[:0],
		groups:   e.groups[:0],
		spans:    e.spans[:0],
		cats:     e.cats[:0],
		prefixes: e.prefixes[:0],
		taxBuf:   e.taxBuf[:0],
		rateText: e.rateText[:0],
	}
	scratchPool.Put(s)
}

// engine holds what one Compute converts once and reuses for every parcel,
// and the amounts of the parcel being computed.
type engine struct {
	scratch

	ratesFn Rates
	nat     string
	minor   int32
	shape   Shape
	taxes   []Tax
	zero    num // 0 at the minor units

	// In national currency (norms, minimum) or kg (weight norm).
	valueNorm  num
	weightNorm num
	rate       num // Commission's, or the national one if higher
	minPerKg   num // Commission's, or the national one if higher

	// The current parcel.
	value, weight, valueOver, weightOver num
	byValue, floor, duty, total          num
}

type category struct {
	id       string
	rate     num
	minPerKg num // national currency
}

type prefix struct {
	hs  string
	cat int
}

type rateEntry struct {
	currency string
	rate     num
	text     [2]int // rateText[text[0]:text[1]] is " × rate NAT/CUR"
}

type group struct {
	cat   int // -1: no category
	value num
}

func (e *engine) prepare(in *Input) error {
	e.ratesFn, e.nat, e.minor = in.Rates, in.NationalCurrency, in.MinorUnits
	if in.NationalCurrency == "" {
		return fmt.Errorf("%w: national currency not set", ErrInvalidInput)
	}
	if in.MinorUnits < 0 || in.MinorUnits > maxMinorUnits {
		return fmt.Errorf("%w: minor units %d not in 0..%d", ErrInvalidInput, in.MinorUnits, maxMinorUnits)
	}
	com := &in.Commission
	if err := com.validate(false); err != nil {
		return err
	}
	nat := in.National
	if nat != nil {
		if err := nat.validate(true); err != nil {
			return err
		}
	}
	e.shape = com.Shape
	e.zero = small(0, -in.MinorUnits)

	var x num
	r, err := e.rateFor(com.NormCurrency)
	if err != nil {
		return fmt.Errorf("schedule %q norms: %w", com.ID, err)
	}
	comRate := r.rate
	e.set(&x, &com.ValueNorm)
	e.mul(&e.valueNorm, &x, &comRate)
	e.set(&x, &com.MinimumPerKg)
	e.mul(&e.minPerKg, &x, &comRate)
	e.set(&e.weightNorm, &com.WeightNormKg)
	e.set(&e.rate, &com.Rate)

	// Stricter national norms (art. 309.8(4)): the lower norms, and the
	// national rate and minimum only where higher (see the package comment).
	var natValueNorm, natMin num
	natValue, natWeight, natMinUsed := false, false, false
	if nat != nil {
		natRate, err := e.rateFor(nat.NormCurrency)
		if err != nil {
			return fmt.Errorf("schedule %q norms: %w", nat.ID, err)
		}
		e.set(&x, &nat.ValueNorm)
		e.mul(&natValueNorm, &x, &natRate.rate)
		e.set(&x, &nat.MinimumPerKg)
		e.mul(&natMin, &x, &natRate.rate)
		if e.err == nil {
			if natValue = e.cmp(&natValueNorm, &e.valueNorm) < 0; natValue {
				e.valueNorm = natValueNorm
			}
			if e.set(&x, &nat.WeightNormKg); e.cmp(&x, &e.weightNorm) < 0 {
				e.weightNorm, natWeight = x, true
			}
			if e.set(&x, &nat.Rate); e.cmp(&x, &e.rate) > 0 {
				e.rate = x
			}
			if natMinUsed = e.cmp(&natMin, &e.minPerKg) > 0; natMinUsed {
				e.minPerKg = natMin
			}
		}
	}

	if n := len(com.Categories); n > 0 {
		e.cats = slices.Grow(e.cats[:0], n)[:n]
		for i := range com.Categories {
			cat, ec := &com.Categories[i], &e.cats[i]
			ec.id = cat.ID
			e.set(&ec.rate, &cat.Rate)
			if cat.MinimumPerKg != nil {
				e.set(&x, cat.MinimumPerKg)
				e.mul(&ec.minPerKg, &x, &comRate)
			} else {
				ec.minPerKg = e.minPerKg
			}
			for _, p := range cat.HSPrefixes {
				e.prefixes = append(e.prefixes, prefix{hs: p, cat: i})
			}
		}
		slices.SortFunc(e.prefixes, func(a, b prefix) int {
			if n := cmp.Compare(len(b.hs), len(a.hs)); n != 0 {
				return n
			}
			return strings.Compare(a.hs, b.hs)
		})
		for i := 1; i < len(e.prefixes); i++ {
			if a, b := e.prefixes[i-1], e.prefixes[i]; a.hs == b.hs {
				return fmt.Errorf("%w: schedule %q: HS prefix %q in categories %q and %q",
					ErrInvalidSchedule, com.ID, a.hs, e.cats[a.cat].id, e.cats[b.cat].id)
			}
		}
	}
	if e.err != nil {
		return fmt.Errorf("%w: schedule norms: %v", ErrPrecision, e.err)
	}

	e.taxes = com.NationalTaxes
	if nat != nil && len(nat.NationalTaxes) > 0 {
		e.taxBuf = append(append(e.taxBuf[:0], com.NationalTaxes...), nat.NationalTaxes...)
		e.taxes = e.taxBuf
	}

	// The steps every parcel shares, formatted once.
	w := &e.pre
	// Each cites, in its description, the act that sets the figure.
	if natValue {
		w.str("value norm (national, stricter than the Commission's ")
		w.dec(&com.ValueNorm)
		w.str(" ")
		w.str(com.NormCurrency)
		e.actText(nat)
		w.str("): ")
		e.normText(&nat.ValueNorm, nat.NormCurrency)
	} else {
		w.str("value norm (")
		w.str(com.LegalBasis)
		w.str("): ")
		e.normText(&com.ValueNorm, com.NormCurrency)
	}
	*w = w.end(&e.arith, basisNorms, &e.valueNorm)
	if natWeight {
		w.str("weight norm, kg (national, stricter than the Commission's ")
		w.dec(&com.WeightNormKg)
		w.str(" kg")
		e.actText(nat)
		w.str(")")
	} else {
		w.str("weight norm, kg (")
		w.str(com.LegalBasis)
		w.str(")")
	}
	*w = w.end(&e.arith, basisNorms, &e.weightNorm)
	if natMinUsed {
		w.str("minimum per kg over the weight norm (national")
		e.actText(nat)
		w.str("): ")
		e.normText(&nat.MinimumPerKg, nat.NormCurrency)
	} else {
		w.str("minimum per kg over the weight norm (")
		w.str(com.LegalBasis)
		w.str("): ")
		e.normText(&com.MinimumPerKg, com.NormCurrency)
	}
	*w = w.end(&e.arith, basisRate, &e.minPerKg)
	for i := range com.Categories {
		cat := &com.Categories[i]
		w.str("minimum per kg, category ")
		w.str(cat.ID)
		if cat.MinimumPerKg != nil {
			w.str(": ")
			e.normText(cat.MinimumPerKg, com.NormCurrency)
		} else {
			w.str(" (the schedule's)")
		}
		*w = w.end(&e.arith, basisRate, &e.cats[i].minPerKg)
	}
	return nil
}

// actText writes "; <the act>" for a national schedule that names one.
func (e *engine) actText(s *Schedule) {
	if s.LegalBasis != "" {
		e.pre.str("; ")
		e.pre.str(s.LegalBasis)
	}
}

// normText writes "amount CUR × rate NAT/CUR", or "amount NAT".
func (e *engine) normText(amount *apd.Decimal, currency string) {
	w := &e.pre
	w.dec(amount)
	w.str(" ")
	w.str(currency)
	r, _ := e.rateFor(currency) // looked up in prepare already
	w.buf = append(w.buf, e.rateText[r.text[0]:r.text[1]]...)
}

// rateFor returns the rate of currency into the national currency, asking
// Input.Rates once per currency and Compute. The result is read-only and
// valid until the next rate is looked up.
func (e *engine) rateFor(currency string) (*rateEntry, error) {
	if currency == e.nat {
		return &nationalRate, nil
	}
	for i := range e.rates {
		if e.rates[i].currency == currency {
			return &e.rates[i], nil
		}
	}
	if e.ratesFn == nil {
		return nil, fmt.Errorf("%w: %q to %s (no rates given)", ErrNoRate, currency, e.nat)
	}
	r, ok := e.ratesFn(currency)
	if !ok {
		return nil, fmt.Errorf("%w: %q to %s", ErrNoRate, currency, e.nat)
	}
	if why := checkPositive(&r); why != "" {
		return nil, fmt.Errorf("%w: %q to %s %s", ErrInvalidRate, currency, e.nat, why)
	}
	e.rates = append(e.rates, rateEntry{currency: currency})
	re := &e.rates[len(e.rates)-1]
	e.set(&re.rate, &r)
	re.text[0] = len(e.rateText)
	e.rateText = append(e.rateText, " × "...)
	e.rateText = e.appendNum(e.rateText, &re.rate)
	e.rateText = append(append(append(append(e.rateText, ' '), e.nat...), '/'), currency...)
	re.text[1] = len(e.rateText)
	return re, nil
}

// nationalRate is the rate of the national currency; never written.
var nationalRate = rateEntry{rate: small(1, 0)}

// category returns the index of the category with the longest HS prefix
// of code, or -1.
func (e *engine) category(code string) int {
	for _, p := range e.prefixes {
		if strings.HasPrefix(code, p.hs) {
			return p.cat
		}
	}
	return -1
}

func (e *engine) addToGroup(cat int, v *num) {
	for i := range e.groups {
		if g := &e.groups[i]; g.cat == cat {
			e.add(&g.value, &g.value, v)
			return
		}
	}
	e.groups = append(e.groups, group{cat: cat, value: *v})
}

// parcel computes one parcel into out, and leaves its total in e.total.
func (e *engine) parcel(p *Parcel, out *ParcelDuty) error {
	out.ParcelID = p.ID
	if why := checkNonNegative(&p.GrossWeightKg); why != "" {
		return fmt.Errorf("%w: parcel %q: gross weight %s", ErrInvalidWeight, p.ID, why)
	}
	if len(p.Items) == 0 {
		return fmt.Errorf("%w: parcel %q has no items", ErrInvalidInput, p.ID)
	}
	// The writer is a local copy, written back on success: appending to a
	// local needs no GC write barrier.
	a, w := &e.arith, e.w
	e.groups = e.groups[:0]
	e.value, e.valueOver, e.weightOver, e.byValue, e.floor = num{}, num{}, num{}, num{}, num{}
	e.set(&e.weight, &p.GrossWeightKg)

	// Customs value in national currency (art. 309.8(2), (7), (8)).
	var price, qty, iv num
	for i := range p.Items {
		it := &p.Items[i]
		if err := checkItem(p, it); err != nil {
			return err
		}
		e.set(&price, &it.Price)
		e.set(&qty, &it.Quantity)
		e.mul(&iv, &price, &qty)
		w.str("item ")
		w.str(it.ID)
		w.str(" (HS ")
		w.str(it.HSCode)
		w.str("): ")
		w.num(a, &price)
		w.str(" ")
		w.str(it.Currency)
		w.str(" × ")
		w.num(a, &qty)
		if it.Currency != e.nat {
			r, err := e.rateFor(it.Currency)
			if err != nil {
				return fmt.Errorf("parcel %q item %q: %w", p.ID, it.ID, err)
			}
			e.mul(&iv, &iv, &r.rate)
			w.buf = append(w.buf, e.rateText[r.text[0]:r.text[1]]...)
		}
		cat := e.category(it.HSCode)
		if cat >= 0 {
			w.str(", category ")
			w.str(e.cats[cat].id)
		}
		w = w.end(a, basisItem, &iv)
		e.add(&e.value, &e.value, &iv)
		e.addToGroup(cat, &iv)
	}
	w.str("customs value of parcel ")
	w.str(p.ID)
	w.str(", ")
	w.str(e.nat)
	w = w.end(a, basisValue, &e.value)
	w.str("gross weight of parcel ")
	w.str(p.ID)
	w.str(", kg")
	w = w.end(a, basisWeight, &e.weight)
	w.copyStep(&e.pre, stepValueNorm)
	w.copyStep(&e.pre, stepWeightNorm)
	if e.err != nil {
		return fmt.Errorf("%w: parcel %q: %v", ErrPrecision, p.ID, e.err)
	}

	valueOver := e.cmp(&e.value, &e.valueNorm) > 0
	weightOver := e.cmp(&e.weight, &e.weightNorm) > 0
	if !valueOver && !weightOver {
		// Released duty-free under the norms (art. 309.8(4), 309.9(2)(2)).
		out.DutyFree = true
		e.duty, e.total = e.zero, e.zero
		w.str("value within the value norm and weight within the weight norm: released without customs duty")
		w = w.end(a, basisDutyFree, &e.duty)
		w.str("total payable for parcel ")
		w.str(p.ID)
		w = w.end(a, basisTotal, &e.total)
		e.storeParcel(out)
		e.w = w
		return nil
	}

	if valueOver {
		e.sub(&e.valueOver, &e.value, &e.valueNorm)
	}
	if weightOver {
		e.sub(&e.weightOver, &e.weight, &e.weightNorm)
	}
	w.str("value over the value norm")
	w = w.end(a, basisOver, &e.valueOver)
	w.str("weight over the weight norm, kg")
	w = w.end(a, basisOver, &e.weightOver)

	valueBase, weightBase := &e.valueOver, &e.weightOver
	valueWord, weightWord := "the value over the norm", "the weight over the norm"
	if e.shape == ShapeWholeValue {
		valueBase, weightBase = &e.value, &e.weight
		valueWord, weightWord = "the full value", "the full weight"
	}

	minStep, minPerKg := stepMinimum, &e.minPerKg
	if len(e.groups) == 1 {
		// Every item in one category, or in none.
		rate := &e.rate
		if cat := e.groups[0].cat; cat >= 0 {
			rate, minPerKg = &e.cats[cat].rate, &e.cats[cat].minPerKg
			out.CategoryID = e.cats[cat].id
			minStep = stepCategoryMinimum + cat
		}
		e.store(&out.Rate, rate)
		e.mul(&e.byValue, rate, valueBase)
		w.str("by value: rate ")
		w.num(a, rate)
		if out.CategoryID != "" {
			w.str(" (category ")
			w.str(out.CategoryID)
			w.str(")")
		}
		w.str(" × ")
		w.str(valueWord)
		w = w.end(a, basisRate, &e.byValue)
	} else {
		// Items of several categories: the value part per group, the floor
		// with the schedule's minimum (see the package comment).
		out.Groups = make([]Group, len(e.groups))
		var sum, part num
		for i := range e.groups {
			g, og := &e.groups[i], &out.Groups[i]
			rate := &e.rate
			if g.cat >= 0 {
				og.CategoryID = e.cats[g.cat].id
				rate = &e.cats[g.cat].rate
			}
			e.mul(&part, rate, &g.value)
			e.add(&sum, &sum, &part)
			e.store(&og.Value, &g.value)
			e.store(&og.Rate, rate)
			e.store(&og.ByValue, &part)
			if og.CategoryID != "" {
				w.str("category ")
				w.str(og.CategoryID)
			} else {
				w.str("items in no category")
			}
			w.str(": rate ")
			w.num(a, rate)
			w.str(" × their value ")
			w.num(a, &g.value)
			w = w.end(a, basisRate, &part)
		}
		switch {
		case e.shape == ShapeWholeValue:
			e.byValue = sum
			w.str("by value: sum over the categories of rate × the full value")
		case valueOver:
			e.mulQuoTrunc(&e.byValue, &sum, &e.valueOver, &e.value, e.minor+prorataPlaces)
			w.str("by value: sum over the categories of rate × value, × the value over the norm ÷ the value (pro rata, truncated to ")
			w.int(int64(e.minor + prorataPlaces))
			w.str(" decimals)")
		default:
			w.str("by value: the value is within the norm")
		}
		w = w.end(a, basisRate, &e.byValue)
	}
	w.copyStep(&e.pre, minStep)
	e.store(&out.MinimumPerKg, minPerKg)
	e.mul(&e.floor, minPerKg, weightBase)
	w.str("floor: minimum per kg × ")
	w.str(weightWord)
	w = w.end(a, basisRate, &e.floor)

	exact := &e.byValue
	if e.cmp(&e.floor, &e.byValue) > 0 {
		exact = &e.floor
	}
	e.round(&e.duty, exact, e.minor)
	w.str("customs duty: the greater of by value and the floor, rounded half up to ")
	w.int(int64(e.minor))
	w.str(" decimals, ")
	w.str(e.nat)
	w = w.end(a, basisDuty, &e.duty)

	e.total = e.duty
	if len(e.taxes) > 0 {
		out.Taxes = make([]TaxAmount, len(e.taxes))
		var rate, amount num
		for i := range e.taxes {
			t, ot := &e.taxes[i], &out.Taxes[i]
			e.set(&rate, &t.Rate)
			e.mul(&amount, &rate, &e.value)
			e.round(&amount, &amount, e.minor)
			e.add(&e.total, &e.total, &amount)
			ot.Code, ot.LegalBasis = t.Code, t.LegalBasis
			ot.Rate.Set(&t.Rate)
			e.store(&ot.Base, &e.value)
			e.store(&ot.Amount, &amount)
			w.str("national tax ")
			w.str(t.Code)
			w.str(": rate ")
			w.num(a, &rate)
			w.str(" × the customs value, rounded half up")
			w = w.end(a, numBases+basis(i), &amount) // tax i's basis: see prepare
		}
	} else {
		w.str("import duty, VAT, excise, special, anti-dumping and countervailing duties: not charged")
		w = w.end(a, basisNoPayments, &e.zero)
	}
	w.str("total payable for parcel ")
	w.str(p.ID)
	w = w.end(a, basisTotal, &e.total)
	if e.err != nil {
		return fmt.Errorf("%w: parcel %q: %v", ErrPrecision, p.ID, e.err)
	}
	e.storeParcel(out)
	e.w = w
	return nil
}

// storeParcel copies the current parcel's amounts into out.
func (e *engine) storeParcel(out *ParcelDuty) {
	e.store(&out.Value, &e.value)
	e.store(&out.WeightKg, &e.weight)
	e.store(&out.ValueNorm, &e.valueNorm)
	e.store(&out.WeightNorm, &e.weightNorm)
	e.store(&out.ValueOver, &e.valueOver)
	e.store(&out.WeightOver, &e.weightOver)
	e.store(&out.ByValue, &e.byValue)
	e.store(&out.ByWeightFloor, &e.floor)
	e.store(&out.Duty, &e.duty)
	e.store(&out.Total, &e.total)
}

func checkItem(p *Parcel, it *Item) error {
	if len(it.HSCode) != hsCodeLen || !allDigits(it.HSCode) {
		return fmt.Errorf("%w: parcel %q item %q: %q is not 10 digits", ErrInvalidHSCode, p.ID, it.ID, it.HSCode)
	}
	if why := checkNonNegative(&it.Price); why != "" {
		return fmt.Errorf("%w: parcel %q item %q: price %s", ErrInvalidPrice, p.ID, it.ID, why)
	}
	if why := checkPositive(&it.Quantity); why != "" {
		return fmt.Errorf("%w: parcel %q item %q: quantity %s", ErrInvalidQuantity, p.ID, it.ID, why)
	}
	return nil
}
