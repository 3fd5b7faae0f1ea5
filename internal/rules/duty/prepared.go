package duty

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/cockroachdb/apd/v3"
)

// Tariff is what the duty of a declaration depends on besides its parcels:
// the national currency, the schedules and the exchange rates in force on
// its registration date (art. 309.8(8)).
type Tariff struct {
	// NationalCurrency is the currency of the member state where the
	// declarations are filed (art. 309.8(7)), e.g. "KZT".
	NationalCurrency string
	// MinorUnits is the number of decimals the duty is rounded to (0 to 8).
	MinorUnits int32
	// Commission is the EEC schedule in force on the date.
	Commission Schedule
	// National holds a member state's stricter norms (art. 309.8(4)); nil if none.
	National *Schedule
	// Rates are the units of national currency per one unit of each
	// currency with a rate on the date, not only the currencies of one
	// declaration. An entry for the national currency is ignored: its rate
	// is 1. A rate that is not a positive, finite number fails only the
	// declarations that need it (ErrInvalidRate), as a missing rate fails
	// them with ErrNoRate. Nil is no rates at all, as a nil Input.Rates.
	Rates map[string]apd.Decimal
}

// Prepared is a Tariff converted once for many declarations: schedules
// validated, norms converted into national currency, categories and their
// HS prefixes sorted, every rate converted, and the texts every parcel
// shares formatted. It is read-only once Prepare returns it: Compute is safe
// for concurrent use by many goroutines. A Result keeps a reference to the
// texts of its Prepared, not to the Prepared itself.
type Prepared struct {
	a   arith // a.shared holds the big values of the nums in figures
	nat string
	figures

	cats     []category
	prefixes []prefix      // longest first
	taxes    []preparedTax // the Commission's, then the national ones
	bases    []string      // legal basis of each basis index

	rates     []rateEntry
	rateIndex map[string]int // index in rates, when there are many

	// pre holds the rate texts, the steps every parcel shares
	// (stepValueNorm...) and the descriptions every parcel shares, located
	// by the spans of figures; shared is its text, which Results share.
	pre    stepWriter
	shared string
	// inline: no shared string (a one-shot Compute); the declaration's
	// text starts with a copy of pre.buf, so that one string holds both.
	inline  bool
	byValue []span // index cat+1: by value of a parcel in one category or none
	group   []span // index cat+1: a group of a parcel mixing categories
}

// figures are the parts of a Prepared that hold no pointer.
type figures struct {
	minor   int32
	shape   Shape
	zero    num  // 0 at the minor units
	noRates bool // Input.Rates was nil: a missing rate says so

	// In national currency (norms, minimum) or kg (weight norm).
	valueNorm  num
	weightNorm num
	rate       num // Commission's, or the national one if higher
	minPerKg   num // Commission's, or the national one if higher

	mixed      [numMixed]span
	valueOver  span
	weightOver span
	floor      span
	duty       span
}

// Indexes of the steps of Prepared.pre.
const (
	stepValueNorm = iota
	stepWeightNorm
	stepMinimum
	stepDutyFree
	stepNoPayments
	stepCategoryMinimum // + category index
)

// Indexes of Prepared.mixed: by value of a parcel mixing categories.
const (
	mixedWholeValue = iota
	mixedProRata
	mixedWithinNorm
	numMixed
)

type category struct {
	id       string
	rate     num
	minPerKg num // national currency
}

type prefix struct {
	hs  string
	cat int
}

type preparedTax struct {
	code, basis string
	rate        num
	dec         apd.Decimal // the rate as given
	text        span        // "national tax CODE: rate R × the customs value, rounded half up"
}

// rateEntry is the rate of one currency into the national currency.
type rateEntry struct {
	currency string
	rate     num
	text     span   // " × rate NAT/CUR"
	why      string // why the rate given is not usable, or ""
	missing  bool   // Input.Rates has none
}

// nationalRate is the rate of the national currency; never written.
var nationalRate = rateEntry{rate: small(1, 0)}

// maxLinearRates: a Prepared with more rates finds them through a map.
const maxLinearRates = 8

// Prepare converts a tariff once for the declarations it applies to.
// Errors are those Compute returns for the same schedules and rates.
func Prepare(t Tariff) (*Prepared, error) {
	p := new(Prepared)
	p.start(t.NationalCurrency, t.MinorUnits)
	p.noRates = t.Rates == nil
	for _, currency := range slices.Sorted(maps.Keys(t.Rates)) {
		if currency != p.nat {
			r := t.Rates[currency]
			p.addRate(currency, &r)
		}
	}
	if len(p.rates) > maxLinearRates {
		p.rateIndex = make(map[string]int, len(p.rates))
		for i := range p.rates {
			p.rateIndex[p.rates[i].currency] = i
		}
	}
	if err := p.build(&t.Commission, t.National); err != nil {
		return nil, err
	}
	return p, nil
}

// Compute returns the customs duty of every parcel of a declaration under
// the prepared tariff: the same Result and errors as Compute for an Input
// with the same tariff and parcels. It is safe for concurrent use.
func (p *Prepared) Compute(parcels []Parcel) (Result, error) {
	if len(p.pre.refs) == 0 {
		return Result{}, fmt.Errorf("%w: tariff not prepared (use Prepare)", ErrInvalidInput)
	}
	// The engine lives on the stack; only its buffers are pooled.
	s := scratchPool.Get().(*scratch)
	var e engine
	e.scratch = *s
	e.p = p
	e.shared = p.a.shared
	if p.inline {
		e.w.buf = append(e.w.buf, p.pre.buf...)
		e.w.begin()
	} else {
		e.w.base = len(p.shared)
	}
	res, err := e.compute(parcels)
	e.release(s)
	return res, err
}

func (p *Prepared) start(nat string, minor int32) {
	p.nat, p.minor = nat, minor
	p.a.preparing = true
}

// addRate converts the rate of currency, or records why it is not usable.
func (p *Prepared) addRate(currency string, r *apd.Decimal) {
	e := rateEntry{currency: currency}
	if why := checkPositive(r); why != "" {
		e.why = why
	} else {
		p.a.set(&e.rate, r)
		w, lo := p.pre, len(p.pre.buf) // a local: no GC write barrier
		w.str(" × ")
		w.num(&p.a, &e.rate)
		w.str(" ")
		w.str(p.nat)
		w.str("/")
		w.str(currency)
		e.text = w.from(lo)
		p.pre = w
	}
	p.rates = append(p.rates, e)
}

// text returns a text prepared once.
func (p *Prepared) text(s span) []byte { return p.pre.buf[s.lo:s.hi] }

// category returns the index of the category with the longest HS prefix
// of code, or -1.
func (p *Prepared) category(code string) int {
	for _, pf := range p.prefixes {
		if strings.HasPrefix(code, pf.hs) {
			return pf.cat
		}
	}
	return -1
}

// fromInput prepares the tariff of one Input, asking in.Rates once for
// each currency the declaration names.
func (p *Prepared) fromInput(in *Input) error {
	p.start(in.NationalCurrency, in.MinorUnits)
	p.noRates, p.inline = in.Rates == nil, true
	if !p.noRates {
		p.need(in.Rates, in.Commission.NormCurrency)
		if in.National != nil {
			p.need(in.Rates, in.National.NormCurrency)
		}
		for i := range in.Parcels {
			for j := range in.Parcels[i].Items {
				p.need(in.Rates, in.Parcels[i].Items[j].Currency)
			}
		}
	}
	return p.build(&in.Commission, in.National)
}

// need asks rates for currency unless it has been asked already.
func (p *Prepared) need(rates Rates, currency string) {
	if currency == p.nat {
		return
	}
	for i := range p.rates {
		if p.rates[i].currency == currency {
			return
		}
	}
	if r, ok := rates(currency); ok {
		p.addRate(currency, &r)
	} else {
		p.rates = append(p.rates, rateEntry{currency: currency, missing: true})
	}
}

// preparedPool holds the Prepared of one-shot Computes.
var preparedPool = sync.Pool{New: func() any { return new(Prepared) }}

// release returns a Prepared of a one-shot Compute to the pool, keeping its
// buffers and no reference to the input. The Result keeps none of it: its
// steps' bases are a fresh slice or the package's.
func (p *Prepared) release() {
	if cap(p.pre.buf) > maxPooledBytes {
		return
	}
	clear(p.a.shared)
	clear(p.cats)
	clear(p.prefixes)
	clear(p.taxes)
	clear(p.rates)
	// Field by field: the pointers of a whole new Prepared would each cost
	// a GC write barrier.
	p.a = arith{shared: p.a.shared[:0]}
	p.nat, p.figures = "", figures{}
	p.cats, p.prefixes, p.taxes, p.bases = p.cats[:0], p.prefixes[:0], p.taxes[:0], nil
	p.rates, p.rateIndex = p.rates[:0], nil
	p.pre, p.shared, p.inline = stepWriter{buf: p.pre.buf[:0], refs: p.pre.refs[:0]}, "", false
	p.byValue, p.group = p.byValue[:0], p.group[:0]
	preparedPool.Put(p)
}
