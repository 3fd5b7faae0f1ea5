package ecommerce

import "github.com/cockroachdb/apd/v3"

// Settlement is the state of the obligation to pay after payments
// (art. 309.9): what is still due and what was paid above the amount
// assessed (refundable; it arises when an amendment lowers the duty after
// payment).
type Settlement struct {
	Balance    apd.Decimal // max(assessed - paid, 0)
	Refundable apd.Decimal // max(paid - assessed, 0)
	PaidInFull bool
}

// Settle compares the amount assessed with the sum paid.
func Settle(assessed, paid apd.Decimal) Settlement {
	var diff apd.Decimal
	_, _ = apd.BaseContext.Sub(&diff, &assessed, &paid)
	s := Settlement{PaidInFull: diff.Sign() <= 0}
	switch diff.Sign() {
	case 1:
		s.Balance.Set(&diff)
	case -1:
		s.Refundable.Neg(&diff)
	}
	return s
}
