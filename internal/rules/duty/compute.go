package duty

import (
	"fmt"
	"slices"
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

// Compute returns the customs duty of every parcel of a declaration for
// e-commerce goods (EAEU Customs Code art. 309.8). See the package comment
// for the rules and for the choices made where the law is silent. It
// prepares the tariff of in for this one declaration; a caller with many
// declarations under one tariff uses Prepare and Prepared.Compute.
//
// Errors wrap one of the package's sentinel errors and name the parcel,
// item, currency or schedule concerned. Compute is safe for concurrent use.
func Compute(in Input) (Result, error) {
	p := preparedPool.Get().(*Prepared)
	res, err := Result{}, p.fromInput(&in)
	if err == nil {
		res, err = p.Compute(in.Parcels)
	}
	p.release()
	return res, err
}

func (e *engine) compute(parcels []Parcel) (Result, error) {
	p := e.p
	res := Result{Currency: p.nat, Parcels: make([]ParcelDuty, len(parcels))}
	total := p.zero
	for i := range parcels {
		e.spans = append(e.spans, len(e.w.refs))
		if err := e.parcel(&parcels[i], &res.Parcels[i]); err != nil {
			return Result{}, err
		}
		e.add(&total, &total, &e.total)
	}
	if e.err != nil {
		return Result{}, fmt.Errorf("%w: declaration total: %v", ErrPrecision, e.err)
	}
	e.store(&res.Total, &total)
	if uint64(len(p.shared))+uint64(len(e.w.buf)) > maxText {
		return Result{}, fmt.Errorf("%w: the steps of the declaration exceed %d bytes", ErrInvalidInput, maxText)
	}
	// One string and one slice hold the steps of every parcel, besides the
	// text they share with every declaration under p.
	text, refs := string(e.w.buf), slices.Clone(e.w.refs)
	e.spans = append(e.spans, len(refs))
	for i := range res.Parcels {
		lo, hi := e.spans[i], e.spans[i+1]
		res.Parcels[i].Steps = Steps{shared: p.shared, text: text, refs: refs[lo:hi:hi], bases: p.bases}
	}
	return res, nil
}

// scratch is the reusable memory of a Compute.
type scratch struct {
	arith             // its store of big values
	w      stepWriter // steps of every parcel
	groups []group    // items of the current parcel by category
	spans  []int      // parcel i's steps are w.refs[spans[i]:spans[i+1]]
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// maxPooledBytes: scratch whose step buffer grew beyond this (a huge
// declaration) is dropped rather than kept.
const maxPooledBytes = 1 << 20

// release returns the engine's buffers to s and s to the pool, keeping no
// reference to the input or the tariff.
func (e *engine) release(s *scratch) {
	if cap(e.w.buf) > maxPooledBytes {
		return
	}
	clear(e.bigs)
	*s = scratch{
		arith:  arith{bigs: e.bigs[:0]},
		w:      stepWriter{buf: e.w.buf[:0], refs: e.w.refs[:0]},
		groups: e.groups[:0],
		spans:  e.spans[:0],
	}
	scratchPool.Put(s)
}

// engine computes the parcels of one declaration under a Prepared tariff;
// it holds the amounts of the parcel being computed.
type engine struct {
	scratch
	p *Prepared

	value, weight, valueOver, weightOver num
	byValue, floor, duty, total          num
}

type group struct {
	cat   int // -1: no category
	value num
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
	a, w, t := &e.arith, e.w, e.p
	e.groups = e.groups[:0]
	e.value, e.valueOver, e.weightOver, e.byValue, e.floor = num{}, num{}, num{}, num{}, num{}
	e.set(&e.weight, &p.GrossWeightKg)

	// Customs value in national currency (art. 309.8(2), (7), (8)).
	var price, qty, iv num
	for i := range p.Items {
		it := &p.Items[i]
		if !plainItem(it, &price, &qty) {
			if err := checkItem(p, it); err != nil {
				return err
			}
			e.set(&price, &it.Price)
			e.set(&qty, &it.Quantity)
		}
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
		if it.Currency != t.nat {
			r, err := t.rateFor(it.Currency)
			if err != nil {
				return fmt.Errorf("parcel %q item %q: %w", p.ID, it.ID, err)
			}
			e.mul(&iv, &iv, &r.rate)
			w.bytes(t.text(r.text))
		}
		cat := t.category(it.HSCode)
		if cat >= 0 {
			w.str(", category ")
			w.str(t.cats[cat].id)
		}
		w = w.end(a, basisItem, &iv)
		e.add(&e.value, &e.value, &iv)
		e.addToGroup(cat, &iv)
	}
	w.str("customs value of parcel ")
	w.str(p.ID)
	w.str(", ")
	w.str(t.nat)
	w = w.end(a, basisValue, &e.value)
	w.str("gross weight of parcel ")
	w.str(p.ID)
	w.str(", kg")
	w = w.end(a, basisWeight, &e.weight)
	w.shared(t.pre.refs[stepValueNorm])
	w.shared(t.pre.refs[stepWeightNorm])
	if e.err != nil {
		return fmt.Errorf("%w: parcel %q: %v", ErrPrecision, p.ID, e.err)
	}

	valueOver := e.cmp(&e.value, &t.valueNorm) > 0
	weightOver := e.cmp(&e.weight, &t.weightNorm) > 0
	if !valueOver && !weightOver {
		// Released duty-free under the norms (art. 309.8(4), 309.9(2)(2)).
		out.DutyFree = true
		e.duty, e.total = t.zero, t.zero
		w.shared(t.pre.refs[stepDutyFree])
		w.str("total payable for parcel ")
		w.str(p.ID)
		w = w.end(a, basisTotal, &e.total)
		e.storeParcel(out)
		e.w = w
		return nil
	}

	if valueOver {
		e.sub(&e.valueOver, &e.value, &t.valueNorm)
	}
	if weightOver {
		e.sub(&e.weightOver, &e.weight, &t.weightNorm)
	}
	w = w.endShared(a, t.valueOver, basisOver, &e.valueOver)
	w = w.endShared(a, t.weightOver, basisOver, &e.weightOver)

	valueBase, weightBase := &e.valueOver, &e.weightOver
	if t.shape == ShapeWholeValue {
		valueBase, weightBase = &e.value, &e.weight
	}

	minStep, minPerKg := stepMinimum, &t.minPerKg
	if len(e.groups) == 1 {
		// Every item in one category, or in none.
		rate, cat := &t.rate, e.groups[0].cat
		if cat >= 0 {
			rate, minPerKg = &t.cats[cat].rate, &t.cats[cat].minPerKg
			out.CategoryID = t.cats[cat].id
			minStep = stepCategoryMinimum + cat
		}
		e.store(&out.Rate, rate)
		e.mul(&e.byValue, rate, valueBase)
		w = w.endShared(a, t.byValue[cat+1], basisRate, &e.byValue)
	} else {
		// Items of several categories: the value part per group, the floor
		// with the schedule's minimum (see the package comment).
		out.Groups = make([]Group, len(e.groups))
		var sum, part num
		for i := range e.groups {
			g, og := &e.groups[i], &out.Groups[i]
			rate := &t.rate
			if g.cat >= 0 {
				og.CategoryID = t.cats[g.cat].id
				rate = &t.cats[g.cat].rate
			}
			e.mul(&part, rate, &g.value)
			e.add(&sum, &sum, &part)
			e.store(&og.Value, &g.value)
			e.store(&og.Rate, rate)
			e.store(&og.ByValue, &part)
			w.bytes(t.text(t.group[g.cat+1]))
			w.num(a, &g.value)
			w = w.end(a, basisRate, &part)
		}
		desc := t.mixed[mixedWithinNorm]
		switch {
		case t.shape == ShapeWholeValue:
			e.byValue = sum
			desc = t.mixed[mixedWholeValue]
		case valueOver:
			e.mulQuoTrunc(&e.byValue, &sum, &e.valueOver, &e.value, t.minor+prorataPlaces)
			desc = t.mixed[mixedProRata]
		}
		w = w.endShared(a, desc, basisRate, &e.byValue)
	}
	w.shared(t.pre.refs[minStep])
	e.store(&out.MinimumPerKg, minPerKg)
	e.mul(&e.floor, minPerKg, weightBase)
	w = w.endShared(a, t.floor, basisRate, &e.floor)

	exact := &e.byValue
	if e.cmp(&e.floor, &e.byValue) > 0 {
		exact = &e.floor
	}
	e.round(&e.duty, exact, t.minor)
	w = w.endShared(a, t.duty, basisDuty, &e.duty)

	e.total = e.duty
	if len(t.taxes) > 0 {
		out.Taxes = make([]TaxAmount, len(t.taxes))
		var amount num
		for i := range t.taxes {
			tx, ot := &t.taxes[i], &out.Taxes[i]
			e.mul(&amount, &tx.rate, &e.value)
			e.round(&amount, &amount, t.minor)
			e.add(&e.total, &e.total, &amount)
			ot.Code, ot.LegalBasis = tx.code, tx.basis
			ot.Rate.Set(&tx.dec)
			e.store(&ot.Base, &e.value)
			e.store(&ot.Amount, &amount)
			w = w.endShared(a, tx.text, numBases+basis(i), &amount) // tax i's basis: see Prepared.bases
		}
	} else {
		w.shared(t.pre.refs[stepNoPayments])
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
	t := e.p
	e.store(&out.Value, &e.value)
	e.store(&out.WeightKg, &e.weight)
	e.store(&out.ValueNorm, &t.valueNorm)
	e.store(&out.WeightNorm, &t.weightNorm)
	e.store(&out.ValueOver, &e.valueOver)
	e.store(&out.WeightOver, &e.weightOver)
	e.store(&out.ByValue, &e.byValue)
	e.store(&out.ByWeightFloor, &e.floor)
	e.store(&out.Duty, &e.duty)
	e.store(&out.Total, &e.total)
}

// plainItem sets price and qty from an item that checkItem would accept
// and whose amounts fit the fast path, or returns false for the full check.
func plainItem(it *Item, price, qty *num) bool {
	if len(it.HSCode) != hsCodeLen || !allDigits(it.HSCode) ||
		!plainAmount(&it.Price) || !plainAmount(&it.Quantity) || it.Quantity.Coeff.Sign() == 0 {
		return false
	}
	*price = small(it.Price.Coeff.Uint64(), it.Price.Exponent)
	*qty = small(it.Quantity.Coeff.Uint64(), it.Quantity.Exponent)
	return true
}

// plainAmount: d is finite, not negative, within the exponent range and
// its coefficient fits in 64 bits.
func plainAmount(d *apd.Decimal) bool {
	return d.Form == apd.Finite && !d.Negative && d.Exponent >= -maxExponent && d.Exponent <= maxExponent && d.Coeff.IsUint64()
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
