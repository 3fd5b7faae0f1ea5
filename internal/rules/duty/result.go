package duty

import (
	"iter"

	"github.com/cockroachdb/apd/v3"
)

// Result is the duty of one declaration.
type Result struct {
	// Currency is the national currency every amount is in.
	Currency string
	Parcels  []ParcelDuty
	// Total is the sum of the parcels' totals.
	Total apd.Decimal
}

// ParcelDuty is the duty of one parcel. Amounts are in national currency
// and unrounded unless said otherwise.
type ParcelDuty struct {
	ParcelID string
	// Value is the customs value: the sum of the items' converted values.
	Value apd.Decimal
	// WeightKg is the parcel's gross weight.
	WeightKg apd.Decimal
	// ValueNorm and WeightNorm are the norms applied (national currency, kg),
	// after any stricter national norm.
	ValueNorm  apd.Decimal
	WeightNorm apd.Decimal
	// ValueOver and WeightOver are the excess over the norms (zero if none).
	ValueOver  apd.Decimal
	WeightOver apd.Decimal
	// Rate is the single rate applied. It is zero on a parcel that mixes
	// categories (len(Groups) > 0): each group carries its own rate.
	// Rate and MinimumPerKg are zero on a DutyFree parcel.
	Rate apd.Decimal
	// MinimumPerKg is the floor per kg applied, in national currency.
	MinimumPerKg apd.Decimal
	// CategoryID is the category of every item of the parcel, if any.
	CategoryID string
	// Groups is set only when the items fall in different categories.
	Groups []Group
	// ByValue is the rate applied to the value base.
	ByValue apd.Decimal
	// ByWeightFloor is the minimum per kg applied to the weight base.
	ByWeightFloor apd.Decimal
	// Duty is the greater of ByValue and ByWeightFloor (zero when DutyFree),
	// rounded half up to the minor units: the only rounding of the duty.
	Duty apd.Decimal
	// Taxes are the national taxes on top, each rounded half up.
	Taxes []TaxAmount
	// Total is Duty plus the taxes.
	Total    apd.Decimal
	DutyFree bool
	// Steps explain the computation, each with its legal basis.
	Steps Steps
}

// Group is the items of a mixed parcel that share a category.
type Group struct {
	// CategoryID is empty for items in no category (the schedule's rate).
	CategoryID string
	Value      apd.Decimal
	Rate       apd.Decimal
	// ByValue is Rate × Value, before the pro-rata share of the norm.
	ByValue apd.Decimal
}

// TaxAmount is one national tax of a parcel.
type TaxAmount struct {
	Code string
	Rate apd.Decimal
	// Base is the customs value the rate applies to.
	Base apd.Decimal
	// Amount is Rate × Base rounded half up to the minor units.
	Amount     apd.Decimal
	LegalBasis string
}

// Step is one line of the computation.
type Step struct {
	Description string
	// LegalBasis, e.g. "EAEU Customs Code art. 309.8(7)".
	LegalBasis string
	// Amount in plain decimal notation (national currency, kg or a rate).
	Amount string
}

// Steps are the steps of one parcel. The steps of every parcel of a Result
// share one text, and the text every declaration under a Prepared shares is
// not copied, so that steps cost two allocations per declaration; At and
// All give each step as a Step. The zero value has no step.
type Steps struct {
	shared string // the Prepared's: offsets below len(shared)
	text   string // the declaration's: offsets from len(shared) on
	refs   []stepRef
	bases  []string // legal basis of each basis index
}

// Len returns the number of steps.
func (s Steps) Len() int { return len(s.refs) }

// At returns step i, 0 ≤ i < Len().
func (s Steps) At(i int) Step {
	r := &s.refs[i]
	return Step{Description: s.str(r.d0, r.d1), LegalBasis: s.bases[r.basis], Amount: s.str(r.a0, r.a1)}
}

// str returns the text at lo:hi; no text spans both strings.
func (s *Steps) str(lo, hi uint32) string {
	if n := uint32(len(s.shared)); lo >= n {
		return s.text[lo-n : hi-n]
	}
	return s.shared[lo:hi]
}

// All yields the steps in order with their index.
func (s Steps) All() iter.Seq2[int, Step] {
	return func(yield func(int, Step) bool) {
		for i := range s.refs {
			if !yield(i, s.At(i)) {
				return
			}
		}
	}
}
