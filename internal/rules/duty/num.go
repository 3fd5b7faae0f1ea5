package duty

import (
	"errors"
	"math/bits"

	"github.com/cockroachdb/apd/v3"
)

// num is an exact, non-negative decimal. While it fits, it is c × 10^e
// with a uint64 coefficient and the arithmetic is plain integer arithmetic
// with overflow checks (the fast path); otherwise it names an apd.Decimal
// in its arith's store. Both paths are exact and give the coefficient and
// exponent apd would (a product's exponent is the sum of the exponents, a
// sum's the smaller one), so an amount prints the same whichever path
// computed it. A uint64 holds at most 20 digits, fewer than the 34 the
// apd path allows, so the fast path never accepts what apd would refuse.
//
// A num holds no pointer: copying one is a plain move, with no GC write
// barrier, and a stored big value is never written again, so copies never
// alias. Every amount Compute handles is non-negative: inputs are validated
// and a difference is only taken of a larger amount minus a smaller one.
type num struct {
	c uint64
	e int32
	// 0: the value is c × 10^e; > 0: arith.bigs[big-1]; < 0: a value of a
	// Prepared, arith.shared[-big-1].
	big int32
}

// maxFastExponent keeps fast-path exponents far from any limit.
const maxFastExponent = 1000

var pow10 = [...]uint64{
	1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
}

func small(c uint64, e int32) num { return num{c: c, e: e} }

func (n *num) isSmall() bool { return n.big == 0 }

// arith runs exact operations on nums, holds the values too big for the
// fast path, and keeps the first error, so a sequence of operations needs
// one check at the end.
type arith struct {
	err  error
	bigs []apd.Decimal
	// shared holds the big values of a Prepared, read-only once prepared,
	// so that many Computes may read them at once.
	shared []apd.Decimal
	// preparing: new big values go to shared (Prepare is filling it).
	preparing bool
}

// big returns the stored value of a num that is not small.
func (a *arith) big(n *num) *apd.Decimal {
	if n.big > 0 {
		return &a.bigs[n.big-1]
	}
	return &a.shared[-n.big-1]
}

// set sets n from a finite, non-negative apd.Decimal (-0 becomes 0).
func (a *arith) set(n *num, d *apd.Decimal) {
	if d.Coeff.IsUint64() && d.Exponent >= -maxFastExponent && d.Exponent <= maxFastExponent {
		*n = small(d.Coeff.Uint64(), d.Exponent)
		return
	}
	var b *apd.Decimal
	if a.preparing {
		a.shared = append(a.shared, apd.Decimal{})
		b = &a.shared[len(a.shared)-1]
		*n = num{big: -int32(len(a.shared))}
	} else {
		a.bigs = append(a.bigs, apd.Decimal{})
		b = &a.bigs[len(a.bigs)-1]
		*n = num{big: int32(len(a.bigs))}
	}
	b.Set(d)
	b.Negative = false
}

// setResult sets n to the result of an apd operation, back on the fast
// path when it fits.
func (a *arith) setResult(n *num, d *apd.Decimal) {
	if a.err == nil && d.Form == apd.Finite && !d.Negative {
		a.set(n, d)
	}
}

// apd returns n as an apd.Decimal, using tmp when n is small.
func (a *arith) apd(n *num, tmp *apd.Decimal) *apd.Decimal {
	if n.big != 0 {
		return a.big(n)
	}
	tmp.Form, tmp.Negative, tmp.Exponent = apd.Finite, false, n.e
	tmp.Coeff.SetUint64(n.c)
	return tmp
}

// store writes n into d.
func (a *arith) store(d *apd.Decimal, n *num) {
	if n.big != 0 {
		d.Set(a.big(n))
		return
	}
	d.Form, d.Negative, d.Exponent = apd.Finite, false, n.e
	d.Coeff.SetUint64(n.c)
}

func (a *arith) isZero(n *num) bool {
	if n.big != 0 {
		return a.big(n).IsZero()
	}
	return n.c == 0
}

// scale returns c × 10^k, or false on overflow.
func scale(c uint64, k int32) (uint64, bool) {
	if c == 0 {
		return 0, true
	}
	if k >= int32(len(pow10)) {
		return 0, false
	}
	hi, lo := bits.Mul64(c, pow10[k])
	return lo, hi == 0
}

// align returns the coefficients of two small nums at their smaller exponent.
func align(x, y *num) (a, b uint64, e int32, ok bool) {
	switch {
	case x.e > y.e:
		a, ok = scale(x.c, x.e-y.e)
		return a, y.c, y.e, ok
	case y.e > x.e:
		b, ok = scale(y.c, y.e-x.e)
		return x.c, b, x.e, ok
	default:
		return x.c, y.c, x.e, true
	}
}

func fastExp(e int32) bool { return e >= -maxFastExponent && e <= maxFastExponent }

// mul sets z = x × y.
func (a *arith) mul(z, x, y *num) {
	if a.err != nil {
		return
	}
	if x.isSmall() && y.isSmall() {
		hi, lo := bits.Mul64(x.c, y.c)
		if e := x.e + y.e; hi == 0 && fastExp(e) {
			*z = small(lo, e)
			return
		}
	}
	var tx, ty, r apd.Decimal
	_, a.err = exactCtx.Mul(&r, a.apd(x, &tx), a.apd(y, &ty))
	a.setResult(z, &r)
}

// add sets z = x + y.
func (a *arith) add(z, x, y *num) {
	if a.err != nil {
		return
	}
	if x.isSmall() && y.isSmall() {
		if p, q, e, ok := align(x, y); ok {
			if s, carry := bits.Add64(p, q, 0); carry == 0 {
				*z = small(s, e)
				return
			}
		}
	}
	var tx, ty, r apd.Decimal
	_, a.err = exactCtx.Add(&r, a.apd(x, &tx), a.apd(y, &ty))
	a.setResult(z, &r)
}

// sub sets z = x − y; the caller ensures x ≥ y.
func (a *arith) sub(z, x, y *num) {
	if a.err != nil {
		return
	}
	if x.isSmall() && y.isSmall() {
		if p, q, e, ok := align(x, y); ok && p >= q {
			*z = small(p-q, e)
			return
		}
	}
	var tx, ty, r apd.Decimal
	_, a.err = exactCtx.Sub(&r, a.apd(x, &tx), a.apd(y, &ty))
	a.setResult(z, &r)
}

// cmp compares x and y like apd.Decimal.Cmp.
func (a *arith) cmp(x, y *num) int {
	if x.isSmall() && y.isSmall() {
		if p, q, _, ok := align(x, y); ok {
			switch {
			case p < q:
				return -1
			case p > q:
				return 1
			}
			return 0
		}
	}
	var tx, ty apd.Decimal
	return a.apd(x, &tx).Cmp(a.apd(y, &ty))
}

// round sets z to x rounded half up to exponent -minor: the only rounding.
func (a *arith) round(z, x *num, minor int32) {
	if a.err != nil {
		return
	}
	exp := -minor
	if x.isSmall() {
		if x.e >= exp {
			if s, ok := scale(x.c, x.e-exp); ok {
				*z = small(s, exp)
				return
			}
		} else if k := exp - x.e; k < int32(len(pow10)) {
			p := pow10[k]
			q, r := x.c/p, x.c%p
			if r >= p-r { // r ≥ p/2: half up
				q++
			}
			*z = small(q, exp)
			return
		}
	}
	var tx, r apd.Decimal
	_, a.err = roundCtx.Quantize(&r, a.apd(x, &tx), exp)
	a.setResult(z, &r)
}

// mulQuoTrunc sets z to x × y ÷ d (d > 0) truncated to places decimal
// places; an exact quotient has no trailing zeros after the decimal point.
// The product x × y is kept whole (up to 68 digits) until the division; the
// quotient must fit in 34 digits.
func (a *arith) mulQuoTrunc(z, x, y, d *num, places int32) {
	if a.err != nil {
		return
	}
	if x.isSmall() && y.isSmall() && d.isSmall() && d.c != 0 {
		hi, lo := bits.Mul64(x.c, y.c)
		if q, r, ok := mulDiv(hi, lo, x.e+y.e-d.e+places, d.c); ok {
			e := -places
			if r == 0 {
				if q == 0 {
					e = 0
				}
				for e < 0 && q%10 == 0 {
					q /= 10
					e++
				}
			}
			*z = small(q, e)
			return
		}
	}
	var tx, ty, td, p, q, r apd.Decimal
	if _, a.err = wideCtx.Mul(&p, a.apd(x, &tx), a.apd(y, &ty)); a.err != nil {
		return
	}
	p.Exponent += places
	dd := a.apd(d, &td)
	if _, a.err = wideCtx.QuoInteger(&q, &p, dd); a.err != nil {
		return
	}
	if q.NumDigits() > precision {
		a.err = errQuotientRange
		return
	}
	if _, a.err = wideCtx.Rem(&r, &p, dd); a.err != nil {
		return
	}
	q.Exponent = -places
	if r.IsZero() {
		trimZeros(&q)
	}
	a.setResult(z, &q)
}

var errQuotientRange = errors.New("quotient exceeds 34 significant digits")

// mulDiv returns floor(h:l × 10^t ÷ d) and the remainder, or false when an
// intermediate or the quotient does not fit in 64 bits.
func mulDiv(h, l uint64, t int32, d uint64) (q, r uint64, ok bool) {
	switch {
	case t >= 0 && t < int32(len(pow10)):
		if h >= d {
			return 0, 0, false
		}
		// h:l = q1·d + r1, and r1·10^t = q2·d + r2 (r1 < d, so the high word
		// of r1·10^t is below d), hence h:l·10^t = (q1·10^t + q2)·d + r2.
		p := pow10[t]
		q1, r1 := bits.Div64(h, l, d)
		h2, l2 := bits.Mul64(r1, p)
		q2, r2 := bits.Div64(h2, l2, d)
		qh, ql := bits.Mul64(q1, p)
		if qh != 0 {
			return 0, 0, false
		}
		q, carry := bits.Add64(ql, q2, 0)
		return q, r2, carry == 0
	case t < 0 && -t < int32(len(pow10)):
		dh, dl := bits.Mul64(d, pow10[-t])
		if dh != 0 || h >= dl {
			return 0, 0, false
		}
		q, r := bits.Div64(h, l, dl)
		return q, r, true
	}
	return 0, 0, false
}

// appendNum appends n in plain notation, as apd's Text('f') would.
func (a *arith) appendNum(buf []byte, n *num) []byte {
	if n.big != 0 {
		return a.big(n).Append(buf, 'f')
	}
	if n.c < 10 && n.e == 0 {
		return append(buf, byte('0'+n.c))
	}
	var scratch [20]byte
	digits := formatUint(&scratch, n.c)
	switch {
	case n.e >= 0:
		buf = append(buf, digits...)
		for i := int32(0); i < n.e; i++ {
			buf = append(buf, '0')
		}
	case int(-n.e) < len(digits):
		point := len(digits) + int(n.e)
		buf = append(buf, digits[:point]...)
		buf = append(buf, '.')
		buf = append(buf, digits[point:]...)
	default:
		buf = append(buf, "0."...)
		for i := len(digits); i < int(-n.e); i++ {
			buf = append(buf, '0')
		}
		buf = append(buf, digits...)
	}
	return buf
}

// digitPairs holds "00" to "99".
const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

// formatUint returns the decimal digits of c, written at the end of d.
func formatUint(d *[20]byte, c uint64) []byte {
	i := len(d)
	for c >= 100 {
		q := c / 100
		j := (c - q*100) * 2
		i -= 2
		d[i], d[i+1] = digitPairs[j], digitPairs[j+1]
		c = q
	}
	if c >= 10 {
		i -= 2
		d[i], d[i+1] = digitPairs[c*2], digitPairs[c*2+1]
	} else {
		i--
		d[i] = byte('0' + c)
	}
	return d[i:]
}
