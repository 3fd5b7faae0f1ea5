package accounting

import (
	"errors"
	"math"

	"github.com/cockroachdb/apd/v3"
)

// DecimalSum adds decimal amounts exactly. Amounts of up to 18 digits are
// added as scaled int64 (no allocation); when a sum would overflow, the
// running total spills into an apd.Decimal and goes on from there.
type DecimalSum struct {
	mant  int64
	scale int32
	spill *apd.Decimal
}

var errAmount = errors.New("not a decimal amount")

var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

var sumContext = apd.BaseContext.WithPrecision(100)

// parseAmount reads [-]digits[.digits]; fast is false when it has more than
// 18 digits (or is malformed: then err is set).
func parseAmount(b []byte) (mant int64, scale int32, fast bool, err error) {
	i, neg := 0, false
	if len(b) > 0 && b[0] == '-' {
		neg, i = true, 1
	}
	digits, dot := 0, false
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
			if digits <= 18 {
				mant = mant*10 + int64(c-'0')
			}
			if dot {
				scale++
			}
		case c == '.' && !dot:
			dot = true
		default:
			return 0, 0, false, errAmount
		}
	}
	if digits == 0 {
		return 0, 0, false, errAmount
	}
	if neg {
		mant = -mant
	}
	return mant, scale, digits <= 18, nil
}

// mulPow10 is m*10^k, false on overflow.
func mulPow10(m int64, k int32) (int64, bool) {
	if k == 0 || m == 0 {
		return m, true
	}
	if k >= int32(len(pow10)) {
		return 0, false
	}
	p := pow10[k]
	if m > math.MaxInt64/p || m < math.MinInt64/p {
		return 0, false
	}
	return m * p, true
}

func addOK(a, b int64) (int64, bool) {
	r := a + b
	if (a > 0 && b > 0 && r < 0) || (a < 0 && b < 0 && r >= 0) {
		return 0, false
	}
	return r, true
}

// Add adds amount (negated when neg).
func (s *DecimalSum) Add(amount []byte, neg bool) error {
	m, sc, fast, err := parseAmount(amount)
	if err != nil {
		return err
	}
	if neg {
		m = -m
	}
	if fast {
		cur, target := s.mant, s.scale
		ok := true
		if sc > target {
			cur, ok = mulPow10(cur, sc-target)
			target = sc
		} else if sc < target {
			m, ok = mulPow10(m, target-sc)
		}
		if ok {
			if r, ok := addOK(cur, m); ok {
				s.mant, s.scale = r, target
				return nil
			}
		}
	}
	// Slow path: exact apd arithmetic.
	var d apd.Decimal
	if _, _, err := d.SetString(string(amount)); err != nil {
		return errAmount
	}
	if neg {
		d.Neg(&d)
	}
	s.flush()
	_, err = sumContext.Add(s.spill, s.spill, &d)
	return err
}

// flush moves the int64 part into the spill.
func (s *DecimalSum) flush() {
	if s.spill == nil {
		s.spill = new(apd.Decimal)
	}
	if s.mant != 0 {
		_, _ = sumContext.Add(s.spill, s.spill, apd.New(s.mant, -s.scale))
		s.mant = 0
	}
}

// Decimal is the exact sum.
func (s *DecimalSum) Decimal() *apd.Decimal {
	out := apd.New(s.mant, -s.scale)
	if s.spill != nil {
		_, _ = sumContext.Add(out, out, s.spill)
	}
	return out
}

// AddSum adds another sum (negated when neg).
func (s *DecimalSum) AddSum(o *DecimalSum, neg bool) {
	d := o.Decimal()
	if neg {
		d.Neg(d)
	}
	s.flush()
	_, _ = sumContext.Add(s.spill, s.spill, d)
}

// String is the sum in plain decimal notation ("0" when empty).
func (s *DecimalSum) String() string {
	d := s.Decimal()
	if d.IsZero() {
		d.Negative = false
	}
	return d.Text('f')
}
