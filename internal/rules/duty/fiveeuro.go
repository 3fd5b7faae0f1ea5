package duty

import "github.com/cockroachdb/apd/v3"

// FiveEuroRule reports whether the unpaid duty of one declaration for one
// individual is at most the equivalent of 5 EUR at eurRate (national
// currency per euro on the date the rate is applied for the duty). If so,
// customs sends no notice and the obligation ends (EAEU Customs Code art.
// 309.8(21), 309.9(2)(9)).
//
// The comparison is exact: unpaid ≤ 5 × eurRate, with no rounding of the
// equivalent. Zero unpaid is within the rule. A negative or non-finite
// amount, or a rate that is not positive, cannot be judged and returns
// false (the notice is sent).
func FiveEuroRule(unpaid apd.Decimal, eurRate apd.Decimal) bool {
	if checkNonNegative(&unpaid) != "" || checkPositive(&eurRate) != "" {
		return false
	}
	var limit apd.Decimal
	if _, err := exactCtx.Mul(&limit, fiveEuro, &eurRate); err != nil {
		return false
	}
	return unpaid.Cmp(&limit) <= 0
}

var fiveEuro = apd.New(5, 0)
