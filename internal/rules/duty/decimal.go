package duty

import "github.com/cockroachdb/apd/v3"

// precision is the number of significant digits every intermediate amount
// must fit in; the contexts below are read-only and safe to share.
const precision = 34

// maxExponent bounds the exponent of an input amount, so that aligning two
// operands never scales by more than 10^68 (keeps the arithmetic cheap and
// rules out inputs such as 1E+99999).
const maxExponent = 34

var (
	// exactCtx is for every intermediate amount: it traps Inexact, so a
	// result that does not fit in 34 digits is an error, never rounded.
	exactCtx = apd.Context{
		Precision:   precision,
		MaxExponent: apd.MaxExponent,
		MinExponent: apd.MinExponent,
		Traps:       apd.DefaultTraps | apd.Inexact,
	}
	// wideCtx holds the product of two amounts whole (up to 68 digits)
	// until the one division of a pro-rata share (arith.mulQuoTrunc).
	wideCtx = apd.Context{
		Precision:   2*precision + 2,
		MaxExponent: apd.MaxExponent,
		MinExponent: apd.MinExponent,
		Traps:       apd.DefaultTraps | apd.Inexact,
	}
	// roundCtx is for the final rounding of a duty or tax amount.
	roundCtx = apd.Context{
		Precision:   precision,
		MaxExponent: apd.MaxExponent,
		MinExponent: apd.MinExponent,
		Traps:       apd.DefaultTraps,
		Rounding:    apd.RoundHalfUp,
	}
)

// checkNonNegative returns why d is not a usable non-negative amount, or "".
func checkNonNegative(d *apd.Decimal) string {
	if d.Form != apd.Finite {
		return "is not a finite number"
	}
	if d.Sign() < 0 {
		return "is negative"
	}
	if d.Exponent < -maxExponent || d.Exponent > maxExponent || (!d.Coeff.IsUint64() && d.NumDigits() > precision) {
		return "is out of range"
	}
	return ""
}

// checkPositive is checkNonNegative that also refuses zero.
func checkPositive(d *apd.Decimal) string {
	if why := checkNonNegative(d); why != "" {
		return why
	}
	if d.Sign() == 0 {
		return "is zero"
	}
	return ""
}

// trimZeros drops trailing zeros after the decimal point (0 becomes "0").
func trimZeros(d *apd.Decimal) {
	if d.Coeff.Sign() == 0 {
		d.Exponent = 0
		return
	}
	var q, r apd.BigInt
	ten := apd.NewBigInt(10)
	for d.Exponent < 0 {
		q.QuoRem(&d.Coeff, ten, &r)
		if r.Sign() != 0 {
			return
		}
		d.Coeff.Set(&q)
		d.Exponent++
	}
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
