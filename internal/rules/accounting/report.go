package accounting

import (
	"bytes"
	"fmt"
	"sort"
)

// Movement is one event as the report reads it: the item's state before
// and after, and the item's figures. The byte slices are only read during
// Add, so a caller may reuse them (e.g. sql.RawBytes).
type Movement struct {
	Kind       []byte // EventKind name
	OccurredOn []byte // YYYY-MM-DD
	From, To   []byte // State names ("" for None)
	HSCode     []byte
	Quantity   int64
	Currency   []byte
	Amount     []byte
	Flags      int64
}

// Aggregator builds the report of art. 429.5 for a period from an
// operator's events, read one at a time in any order: an event before the
// period moves its item in the opening balances, one in the period is
// incoming to the account it enters and outgoing from the one it leaves;
// later events are ignored. Memory grows with the number of commodity
// codes and currencies, not with the number of events.
type Aggregator struct {
	start, end string
	codes      map[string]*codeAcc
	kinds      [NumEventKinds]EventCount
	found      [numDiscrepancies]int64
	read       int64
}

type codeAcc struct {
	acct [numAccounts]flows
}

type flows struct {
	opening, incoming, outgoing flow
}

type flow struct {
	items, quantity int64
	value           []currencySum
}

type currencySum struct {
	currency string
	sum      DecimalSum
}

func (f *flow) add(sign int64, qty int64, currency, amount []byte) error {
	f.items += sign
	f.quantity += sign * qty
	for i := range f.value {
		if f.value[i].currency == string(currency) {
			return f.value[i].sum.Add(amount, sign < 0)
		}
	}
	f.value = append(f.value, currencySum{currency: string(currency)})
	return f.value[len(f.value)-1].sum.Add(amount, sign < 0)
}

// NewAggregator reports on the period [start, end] (YYYY-MM-DD, inclusive).
func NewAggregator(start, end string) *Aggregator {
	return &Aggregator{start: start, end: end, codes: make(map[string]*codeAcc)}
}

func stateOf(b []byte) (State, bool) {
	switch string(b) {
	case "":
		return None, true
	case "IN_TEMPORARY_STORAGE":
		return InTemporaryStorage, true
	case "IN_CUSTOMS_WAREHOUSE":
		return InCustomsWarehouse, true
	case "REMOVAL_NOTIFIED":
		return RemovalNotified, true
	case "REMOVED":
		return Removed, true
	case "RELEASED":
		return Released, true
	case "TRANSFERRED":
		return Transferred, true
	case "IN_TRANSIT":
		return InTransit, true
	case "RE_EXPORTED":
		return ReExported, true
	case "DESTROYED_OR_LOST":
		return DestroyedOrLost, true
	}
	return None, false
}

func kindOf(b []byte) (EventKind, bool) {
	for k := TemporaryStoragePlacement; k < NumEventKinds; k++ {
		if string(b) == kindNames[k] {
			return k, true
		}
	}
	return UnknownEvent, false
}

// Add reads one event.
func (a *Aggregator) Add(m *Movement) error {
	on := string(m.OccurredOn) // compared only: no copy is kept
	if on > a.end {
		return nil
	}
	a.read++
	from, ok1 := stateOf(m.From)
	to, ok2 := stateOf(m.To)
	kind, ok3 := kindOf(m.Kind)
	if !ok1 || !ok2 || !ok3 {
		return fmt.Errorf("accounting: event with kind %q from %q to %q", m.Kind, m.From, m.To)
	}
	before := on < a.start
	if !before {
		a.kinds[kind].Events++
		a.kinds[kind].Quantity += m.Quantity
		if m.Flags != 0 {
			for _, d := range Discrepancies {
				if Has(m.Flags, d) {
					a.found[d]++
				}
			}
		}
	}
	fa, ta := AccountOf(from), AccountOf(to)
	if fa == ta {
		return nil
	}
	acc := a.codes[string(m.HSCode)]
	if acc == nil {
		acc = new(codeAcc)
		a.codes[string(bytes.Clone(m.HSCode))] = acc
	}
	if fa != NoAccount {
		f := &acc.acct[fa].outgoing
		sign := int64(1)
		if before {
			f, sign = &acc.acct[fa].opening, -1
		}
		if err := f.add(sign, m.Quantity, m.Currency, m.Amount); err != nil {
			return fmt.Errorf("accounting: amount %q: %w", m.Amount, err)
		}
	}
	if ta != NoAccount {
		f := &acc.acct[ta].incoming
		if before {
			f = &acc.acct[ta].opening
		}
		if err := f.add(1, m.Quantity, m.Currency, m.Amount); err != nil {
			return fmt.Errorf("accounting: amount %q: %w", m.Amount, err)
		}
	}
	return nil
}

// Money is an amount in a currency.
type Money struct {
	Currency, Amount string
}

// Balance is a number of items, their units and their value per currency
// (by currency code).
type Balance struct {
	Items, Quantity int64
	Value           []Money
}

// Line is one commodity code of an account (HSCode "" on the totals).
type Line struct {
	HSCode                               string
	Opening, Incoming, Outgoing, Closing Balance
}

// Section is one account.
type Section struct {
	Account Account
	Lines   []Line
	Totals  Line
}

// EventCount counts the events of one kind in the period.
type EventCount struct {
	Kind             EventKind
	Events, Quantity int64
}

// DiscrepancyCount counts one kind of discrepancy.
type DiscrepancyCount struct {
	Kind  Discrepancy
	Count int64
}

// Summary is the report's content.
type Summary struct {
	Sections      []Section
	EventCounts   []EventCount
	Discrepancies []DiscrepancyCount
	EventsRead    int64
}

// totals of one balance across lines.
type balanceAcc struct {
	items, quantity int64
	value           map[string]*DecimalSum
}

func (b *balanceAcc) addFlow(f *flow, sign int64) {
	b.items += sign * f.items
	b.quantity += sign * f.quantity
	for i := range f.value {
		s := b.value[f.value[i].currency]
		if s == nil {
			s = new(DecimalSum)
			b.value[f.value[i].currency] = s
		}
		s.AddSum(&f.value[i].sum, sign < 0)
	}
}

func (b *balanceAcc) balance() Balance {
	out := Balance{Items: b.items, Quantity: b.quantity}
	curs := make([]string, 0, len(b.value))
	for c := range b.value {
		curs = append(curs, c)
	}
	sort.Strings(curs)
	for _, c := range curs {
		out.Value = append(out.Value, Money{Currency: c, Amount: b.value[c].String()})
	}
	return out
}

func newBalanceAcc() *balanceAcc { return &balanceAcc{value: map[string]*DecimalSum{}} }

// Summary closes the period. overdue is the number of items past their
// declaration deadline, counted by the caller on the items.
func (a *Aggregator) Summary(overdue int64) Summary {
	codes := make([]string, 0, len(a.codes))
	for c := range a.codes {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	var s Summary
	s.EventsRead = a.read
	for _, account := range Accounts {
		sec := Section{Account: account}
		tot := [4]*balanceAcc{newBalanceAcc(), newBalanceAcc(), newBalanceAcc(), newBalanceAcc()}
		for _, code := range codes {
			f := &a.codes[code].acct[account]
			if f.opening.items == 0 && f.incoming.items == 0 && f.outgoing.items == 0 &&
				f.opening.value == nil && f.incoming.value == nil && f.outgoing.value == nil {
				continue
			}
			line := [4]*balanceAcc{newBalanceAcc(), newBalanceAcc(), newBalanceAcc(), newBalanceAcc()}
			for i, fl := range []*flow{&f.opening, &f.incoming, &f.outgoing} {
				line[i].addFlow(fl, 1)
				tot[i].addFlow(fl, 1)
			}
			// closing = opening + incoming - outgoing
			line[3].addFlow(&f.opening, 1)
			line[3].addFlow(&f.incoming, 1)
			line[3].addFlow(&f.outgoing, -1)
			tot[3].addFlow(&f.opening, 1)
			tot[3].addFlow(&f.incoming, 1)
			tot[3].addFlow(&f.outgoing, -1)
			sec.Lines = append(sec.Lines, Line{HSCode: code, Opening: line[0].balance(), Incoming: line[1].balance(),
				Outgoing: line[2].balance(), Closing: line[3].balance()})
		}
		sec.Totals = Line{Opening: tot[0].balance(), Incoming: tot[1].balance(), Outgoing: tot[2].balance(), Closing: tot[3].balance()}
		s.Sections = append(s.Sections, sec)
	}
	for k := TemporaryStoragePlacement; k < NumEventKinds; k++ {
		if a.kinds[k].Events > 0 {
			c := a.kinds[k]
			c.Kind = k
			s.EventCounts = append(s.EventCounts, c)
		}
	}
	found := a.found
	found[DeclarationOverdue] += overdue
	for _, d := range Discrepancies {
		if found[d] > 0 {
			s.Discrepancies = append(s.Discrepancies, DiscrepancyCount{Kind: d, Count: found[d]})
		}
	}
	return s
}
