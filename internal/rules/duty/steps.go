package duty

import (
	"strconv"

	"github.com/cockroachdb/apd/v3"
)

// basis indexes the legal basis of a step: one of the constants below, or
// numBases + i for the i-th national tax of the declaration.
type basis int

// Legal bases cited by the steps.
const (
	basisItem basis = iota
	basisValue
	basisWeight
	basisNorms
	basisOver
	basisDutyFree
	basisRate
	basisDuty
	basisNoPayments
	basisTotal
	numBases
)

var bases = [numBases]string{
	basisItem:       "EAEU Customs Code art. 309.8(2), 309.8(8), 309.10",
	basisValue:      "EAEU Customs Code art. 309.8(2), 309.8(7)",
	basisWeight:     "EAEU Customs Code art. 309.8(2)",
	basisNorms:      "EAEU Customs Code art. 309.8(4)",
	basisOver:       "EAEU Customs Code art. 309.8(3), 309.8(4)",
	basisDutyFree:   "EAEU Customs Code art. 309.8(4), 309.9(2)(2)",
	basisRate:       "EAEU Customs Code art. 309.8(3), 309.8(9)",
	basisDuty:       "EAEU Customs Code art. 309.8(7), 309.8(9)",
	basisNoPayments: "EAEU Customs Code art. 309.8(16)",
	basisTotal:      "EAEU Customs Code art. 309.9(4)",
}

// stepRef locates one step in a stepWriter: its description is
// buf[d0:d1] and its amount buf[d1:a1]. It holds no pointer, so appending
// refs costs the garbage collector nothing.
type stepRef struct {
	d0, d1, a1 int
	basis      basis
}

// stepWriter collects the texts of steps in one byte buffer, so that all
// the steps of a declaration cost one string and one slice allocation.
type stepWriter struct {
	buf  []byte
	refs []stepRef
	d0   int // start of the description being written
}

func (w *stepWriter) reset() { w.buf, w.refs, w.d0 = w.buf[:0], w.refs[:0], 0 }

func (w *stepWriter) str(s string) { w.buf = append(w.buf, s...) }

func (w *stepWriter) num(a *arith, n *num) { w.buf = a.appendNum(w.buf, n) }

// dec writes an input amount (validated finite and non-negative).
func (w *stepWriter) dec(d *apd.Decimal) {
	if d.Coeff.IsUint64() && d.Exponent >= -maxFastExponent && d.Exponent <= maxFastExponent {
		n := small(d.Coeff.Uint64(), d.Exponent)
		w.buf = (*arith)(nil).appendNum(w.buf, &n)
		return
	}
	w.buf = d.Append(w.buf, 'f')
}

func (w *stepWriter) int(n int64) { w.buf = strconv.AppendInt(w.buf, n, 10) }

// end closes the description written since the last step with amount.
// It takes and returns the writer by value, so that a writer held in a
// local variable stays there: appending then needs no GC write barrier.
func (w stepWriter) end(a *arith, b basis, amount *num) stepWriter {
	d1 := len(w.buf)
	w.num(a, amount)
	w.refs = append(w.refs, stepRef{d0: w.d0, d1: d1, a1: len(w.buf), basis: b})
	w.d0 = len(w.buf)
	return w
}

// copyStep appends step i of src, a step prepared once per declaration.
func (w *stepWriter) copyStep(src *stepWriter, i int) {
	r := src.refs[i]
	d0 := len(w.buf)
	w.buf = append(w.buf, src.buf[r.d0:r.a1]...)
	w.refs = append(w.refs, stepRef{d0: d0, d1: d0 + r.d1 - r.d0, a1: len(w.buf), basis: r.basis})
	w.d0 = len(w.buf)
}

// steps returns every step written, sharing one string; taxes gives the
// legal bases numBases + i.
func (w *stepWriter) steps(taxes []Tax) []Step {
	text := string(w.buf)
	out := make([]Step, len(w.refs))
	for i, r := range w.refs {
		b := ""
		if r.basis < numBases {
			b = bases[r.basis]
		} else {
			b = taxes[r.basis-numBases].LegalBasis
		}
		out[i] = Step{Description: text[r.d0:r.d1], LegalBasis: b, Amount: text[r.d1:r.a1]}
	}
	return out
}
