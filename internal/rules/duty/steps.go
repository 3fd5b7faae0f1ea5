package duty

import (
	"math"
	"strconv"

	"github.com/cockroachdb/apd/v3"
)

// basis indexes the legal basis of a step: one of the constants below, or
// numBases + i for the i-th national tax of the declaration.
type basis uint32

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

// stepRef locates one step: its description is text[d0:d1] and its
// amount text[a0:a1], where text is the Prepared's shared text followed by
// the text of the declaration (see Steps.str). It holds no pointer, so
// appending refs costs the garbage collector nothing.
type stepRef struct {
	d0, d1, a0, a1 uint32
	basis          basis
}

// maxText bounds the text of a Prepared and of a declaration together, so
// that uint32 offsets locate any step.
const maxText uint64 = math.MaxUint32

// span locates a text of Prepared.shared.
type span struct{ lo, hi uint32 }

// stepWriter collects the texts of steps in one byte buffer, so that all
// the steps of a declaration cost one string and one slice allocation.
// Offsets in refs are base + offsets in buf.
type stepWriter struct {
	buf  []byte
	refs []stepRef
	d0   int // start of the description being written
	base int
}

func (w *stepWriter) str(s string) { w.buf = append(w.buf, s...) }

func (w *stepWriter) bytes(b []byte) { w.buf = append(w.buf, b...) }

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

// begin starts the description of a step at the end of the buffer.
func (w *stepWriter) begin() { w.d0 = len(w.buf) }

// from returns the span of what was written since lo.
func (w *stepWriter) from(lo int) span { return span{uint32(w.base + lo), uint32(w.base + len(w.buf))} }

// end closes the description written since the last step with amount.
// It takes and returns the writer by value, so that a writer held in a
// local variable stays there: appending then needs no GC write barrier.
func (w stepWriter) end(a *arith, b basis, amount *num) stepWriter {
	d1 := len(w.buf)
	w.num(a, amount)
	o := uint32(w.base)
	w.refs = append(w.refs, stepRef{d0: o + uint32(w.d0), d1: o + uint32(d1), a0: o + uint32(d1), a1: o + uint32(len(w.buf)), basis: b})
	w.d0 = len(w.buf)
	return w
}

// endShared appends a step whose description is desc, a text of the
// Prepared, with amount.
func (w stepWriter) endShared(a *arith, desc span, b basis, amount *num) stepWriter {
	a0 := len(w.buf)
	w.num(a, amount)
	o := uint32(w.base)
	w.refs = append(w.refs, stepRef{d0: desc.lo, d1: desc.hi, a0: o + uint32(a0), a1: o + uint32(len(w.buf)), basis: b})
	w.d0 = len(w.buf)
	return w
}

// shared appends a step of the Prepared, description and amount.
func (w *stepWriter) shared(r stepRef) { w.refs = append(w.refs, r) }
