package duty

import (
	"math/rand/v2"
	"testing"

	"github.com/cockroachdb/apd/v3"
)

// randDecimal returns a non-negative decimal whose coefficient ranges from
// 0 to near 2^64 and beyond, so that both paths of num are exercised.
func randDecimal(r *rand.Rand) apd.Decimal {
	var d apd.Decimal
	switch r.IntN(4) {
	case 0:
		d.Coeff.SetUint64(r.Uint64N(1000))
	case 1:
		d.Coeff.SetUint64(r.Uint64N(1e12))
	case 2:
		d.Coeff.SetUint64(r.Uint64()) // up to 2^64-1: the fast path's edge
	default:
		d.Coeff.SetUint64(r.Uint64())
		var m apd.BigInt
		m.SetUint64(r.Uint64N(1e6) + 1)
		d.Coeff.Mul(&d.Coeff, &m) // beyond 64 bits: the apd path
	}
	d.Exponent = int32(r.IntN(21)) - 12
	return d
}

// bigNum stores d as a big num even when it would fit the fast path.
func bigNum(a *arith, d *apd.Decimal) num {
	a.bigs = append(a.bigs, *new(apd.Decimal).Set(d))
	return num{big: int32(len(a.bigs))}
}

func numString(a *arith, n *num) string {
	var d apd.Decimal
	a.store(&d, n)
	return d.String()
}

// TestNumMatchesApd: every operation of num gives exactly the coefficient,
// exponent and error apd gives, on the fast and on the slow path.
func TestNumMatchesApd(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		dx, dy := randDecimal(r), randDecimal(r)
		var a arith
		var x, y num
		a.set(&x, &dx)
		a.set(&y, &dy)
		bx, by := bigNum(&a, &dx), bigNum(&a, &dy)

		type op struct {
			name string
			num  func(a *arith, z, x, y *num)
			apd  func(z, x, y *apd.Decimal) error
		}
		ops := []op{
			{"mul", (*arith).mul, func(z, x, y *apd.Decimal) error { _, err := exactCtx.Mul(z, x, y); return err }},
			{"add", (*arith).add, func(z, x, y *apd.Decimal) error { _, err := exactCtx.Add(z, x, y); return err }},
		}
		if dx.Cmp(&dy) >= 0 {
			ops = append(ops, op{"sub", (*arith).sub, func(z, x, y *apd.Decimal) error { _, err := exactCtx.Sub(z, x, y); return err }})
		}
		for _, o := range ops {
			var want apd.Decimal
			wantErr := o.apd(&want, &dx, &dy)
			for _, path := range []struct {
				name string
				x, y *num
			}{{"fast", &x, &y}, {"slow", &bx, &by}} {
				a.err = nil
				var z num
				o.num(&a, &z, path.x, path.y)
				if (a.err != nil) != (wantErr != nil) {
					t.Fatalf("%s %s(%s, %s): err %v, apd err %v", path.name, o.name, dx.String(), dy.String(), a.err, wantErr)
				}
				if wantErr == nil && numString(&a, &z) != want.String() {
					t.Fatalf("%s %s(%s, %s) = %s, apd %s", path.name, o.name, dx.String(), dy.String(), numString(&a, &z), want.String())
				}
			}
		}
		a.err = nil
		if got, want := a.cmp(&x, &y), dx.Cmp(&dy); got != want {
			t.Fatalf("cmp(%s, %s) = %d, apd %d", dx.String(), dy.String(), got, want)
		}
		for minor := int32(0); minor <= 4; minor += 2 {
			var want apd.Decimal
			_, wantErr := roundCtx.Quantize(&want, &dx, -minor)
			for _, n := range []*num{&x, &bx} {
				a.err = nil
				var z num
				a.round(&z, n, minor)
				if (a.err != nil) != (wantErr != nil) || wantErr == nil && numString(&a, &z) != want.String() {
					t.Fatalf("round(%s, %d) = %s (%v), apd %s (%v)", dx.String(), minor, numString(&a, &z), a.err, want.String(), wantErr)
				}
			}
		}
		if got, want := string(a.appendNum(nil, &x)), dx.Text('f'); got != want {
			t.Fatalf("appendNum(%s) = %s, apd %s", dx.String(), got, want)
		}
		if !dy.IsZero() {
			dz := randDecimal(r)
			var z, bz num
			a.set(&z, &dz)
			bz = bigNum(&a, &dz)
			for _, places := range []int32{2, 10} {
				// x × z ÷ y on the fast path and on the apd path.
				a.err = nil
				var fast, slow num
				a.mulQuoTrunc(&fast, &x, &z, &y, places)
				fastErr := a.err
				a.err = nil
				a.mulQuoTrunc(&slow, &bx, &bz, &by, places)
				if fastErr != nil && a.err == nil {
					t.Fatalf("mulQuoTrunc(%s, %s, %s, %d): fast err %v, slow %s", dx.String(), dz.String(), dy.String(), places, fastErr, numString(&a, &slow))
				}
				if fastErr == nil && (a.err != nil || numString(&a, &fast) != numString(&a, &slow)) {
					t.Fatalf("mulQuoTrunc(%s, %s, %s, %d): fast %s, slow %s (%v)", dx.String(), dz.String(), dy.String(), places, numString(&a, &fast), numString(&a, &slow), a.err)
				}
			}
		}
	}
}

func TestMulQuoTrunc(t *testing.T) {
	for _, tc := range []struct{ x, y, want string }{
		{"1", "3", "0.3333333333"},
		{"2", "3", "0.6666666666"}, // truncated, not rounded
		{"1", "4", "0.25"},         // exact: no trailing zeros
		{"100", "4", "25"},
		{"1673584232.737500", "179329.50", "9332.4535714285"},
		{"0", "7", "0"},
		{"1E+20", "3", "33333333333333333333.3333333333"}, // apd path
	} {
		var a arith
		var x, y, z num
		one := small(1, 0)
		a.set(&x, decp(t, tc.x))
		a.set(&y, decp(t, tc.y))
		a.mulQuoTrunc(&z, &x, &one, &y, 10)
		if a.err != nil || numString(&a, &z) != tc.want {
			t.Errorf("mulQuoTrunc(%s, 1, %s, 10) = %s (%v), want %s", tc.x, tc.y, numString(&a, &z), a.err, tc.want)
		}
	}
	// 34 digits at most: 10^29 / 3 to 10 places would need 40.
	var a arith
	var x, y, z num
	one := small(1, 0)
	a.set(&x, decp(t, "1E+29"))
	a.set(&y, decp(t, "3"))
	if a.mulQuoTrunc(&z, &x, &one, &y, 10); a.err == nil {
		t.Errorf("mulQuoTrunc(1E+29, 1, 3, 10) = %s, want an error", numString(&a, &z))
	}
	// The product is kept whole: 39 digits, then divided back to 20.
	a.err = nil
	a.set(&x, decp(t, "18446744073709551615"))
	a.set(&y, decp(t, "18446744073709551615"))
	if a.mulQuoTrunc(&z, &x, &y, &y, 2); a.err != nil || numString(&a, &z) != "18446744073709551615" {
		t.Errorf("mulQuoTrunc(2^64-1, 2^64-1, 2^64-1, 2) = %s (%v)", numString(&a, &z), a.err)
	}
}
