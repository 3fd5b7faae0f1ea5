package accounting

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	operatorsv1 "github.com/eaeu/customs-exchange/gen/eaeu/operators/v1"
	"github.com/eaeu/customs-exchange/internal/api/reference"
	"github.com/eaeu/customs-exchange/internal/audit"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/register"
	rules "github.com/eaeu/customs-exchange/internal/rules/accounting"
	"github.com/eaeu/customs-exchange/internal/rules/calendar"
	"github.com/eaeu/customs-exchange/internal/rules/currency"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	"github.com/eaeu/customs-exchange/internal/store"
)

// input is one event to apply, checked as far as it can be without the
// store.
type input struct {
	ev       *operatorsv1.AccountingEvent // as sent, output-only fields cleared
	kind     rules.EventKind
	occurred time.Time
	body     []byte // the event as sent, encoded: what is stored, and what a resend is compared with
	err      error  // malformed: refused before the store
}

// outcome is what became of one event.
type outcome struct {
	duplicate bool
	err       error                        // the refusal
	event     *operatorsv1.AccountingEvent // as recorded (the earlier one for a duplicate)
	item      *operatorsv1.AccountingItem  // the item after it
}

// kindOf is the event's kind and the field name of its oneof case.
func kindOf(ev *operatorsv1.AccountingEvent) (rules.EventKind, string) {
	switch ev.GetKind().(type) {
	case *operatorsv1.AccountingEvent_TemporaryStoragePlacement:
		return rules.TemporaryStoragePlacement, "temporary_storage_placement"
	case *operatorsv1.AccountingEvent_CustomsWarehousePlacement:
		return rules.CustomsWarehousePlacement, "customs_warehouse_placement"
	case *operatorsv1.AccountingEvent_RemovalNotice:
		return rules.RemovalNotice, "removal_notice"
	case *operatorsv1.AccountingEvent_Removal:
		return rules.Removal, "removal"
	case *operatorsv1.AccountingEvent_BuyerReturn:
		return rules.BuyerReturn, "buyer_return"
	case *operatorsv1.AccountingEvent_Release:
		return rules.Release, "release"
	case *operatorsv1.AccountingEvent_Transfer:
		return rules.Transfer, "transfer"
	case *operatorsv1.AccountingEvent_Transit:
		return rules.Transit, "transit"
	case *operatorsv1.AccountingEvent_ReExport:
		return rules.ReExport, "re_export"
	case *operatorsv1.AccountingEvent_DestructionOrLoss:
		return rules.DestructionOrLoss, "destruction_or_loss"
	}
	return rules.UnknownEvent, ""
}

func placementOf(ev *operatorsv1.AccountingEvent) *operatorsv1.AccountingPlacement {
	if p := ev.GetTemporaryStoragePlacement(); p != nil {
		return p
	}
	return ev.GetCustomsWarehousePlacement()
}

// prepare checks what needs no store: the proto rules (when validate: the
// guard has not checked them, as for an uploaded event), dates that
// exist and are not in the future, amounts and currencies. Field paths
// start with "event.". It takes ev over: output-only fields are cleared.
func (s *Server) prepare(ev *operatorsv1.AccountingEvent, validate bool, today time.Time) input {
	in := input{ev: ev}
	if ev == nil {
		in.err = errs.Field("event", "value is required")
		return in
	}
	var vs []errs.Violation
	if validate && !plainValid(ev) {
		if e := s.validator.Check(ev); e != nil {
			for _, v := range e.Violations {
				vs = append(vs, errs.Violation{Field: "event." + v.Field, Description: v.Description})
			}
			in.err = errs.Invalid(vs...)
			return in
		}
	}
	add := func(field, format string, args ...any) {
		vs = append(vs, errs.Violation{Field: "event." + field, Description: fmt.Sprintf(format, args...)})
	}
	ev.Name, ev.EventKind, ev.FromState, ev.ToState = "", 0, 0, 0
	ev.Discrepancies, ev.RecordTime, ev.ReceivedOn = nil, nil, ""
	var oneof string
	in.kind, oneof = kindOf(ev)
	if in.kind == rules.UnknownEvent {
		add("kind", "one of the event kinds is required")
	}
	var err error
	if in.occurred, err = dates.Parse(ev.GetOccurredOn()); err != nil {
		add("occurred_on", "not a date (YYYY-MM-DD)")
	} else if in.occurred.After(today) {
		add("occurred_on", "%s is in the future (today is %s)", ev.GetOccurredOn(), dates.Format(today))
	}
	if p := placementOf(ev); p != nil {
		v := p.GetItem().GetValue()
		if !currency.Known(v.GetCurrencyCode()) {
			add(oneof+".item.value.currency_code", "%q is not an active ISO 4217 currency", v.GetCurrencyCode())
		}
		var d apd.Decimal
		if _, _, err := d.SetString(v.GetAmount()); err != nil {
			add(oneof+".item.value.amount", "not a decimal amount")
		} else if d.Negative && !d.IsZero() {
			add(oneof+".item.value.amount", "must not be negative")
		}
	}
	if n := ev.GetRemovalNotice(); n != nil && n.GetPurchaseDate() != "" {
		if _, err := dates.Parse(n.GetPurchaseDate()); err != nil {
			add("removal_notice.purchase_date", "not a date (YYYY-MM-DD)")
		}
	}
	if r := ev.GetBuyerReturn(); r != nil {
		if _, err := dates.Parse(r.GetReturnDocumentsDate()); err != nil {
			add("buyer_return.return_documents_date", "not a date (YYYY-MM-DD)")
		}
	}
	if len(vs) > 0 {
		in.err = errs.Invalid(vs...)
		return in
	}
	b, err := encode(ev)
	if err != nil {
		in.err = err
		return in
	}
	in.body = b
	return in
}

// itemState is an item as a batch sees it: as stored, then after each of
// the batch's events.
type itemState struct {
	pb     *operatorsv1.AccountingItem // nil: not in the accounts
	state  rules.State
	stored bool  // a row exists
	rev    int64 // the stored revision
	flags  int64
	dirty  bool
}

// batch is the state of one plan: the accounts it read, as its events
// change them.
type batch struct {
	s     *Server
	tx    store.Tx
	sc    scope
	now   time.Time
	today time.Time

	items map[string]*itemState
	cal   *calendar.Calendar
	dests map[string]error // transfer destinations checked
}

// planned is what applying a batch decided: one outcome per input, and
// the writes of the events allowed, with their audit record (linked into
// the chain by commit).
type planned struct {
	number string
	outs   []outcome
	w      store.AccountingWrite
	// record is the audit record of a stream's batch (batchRecord), nil
	// when there is none; linked by commit.
	record *store.AuditRecord
	// readOnly are the items the batch read but does not write, with the
	// revision seen (0: absent): commit checks them when the plan was made
	// outside its transaction.
	readOnly map[string]int64
}

// errStale: the accounts changed between planning and writing.
var errStale = errors.New("accounting: the accounts changed since the batch was planned")

// plan decides every input against the accounts as tx sees them: each
// event allowed becomes an event row and item changes, and (when method
// is given: a stream, where mutation.Run does not write one) the events
// allowed get one audit record; a refused one writes nothing. It writes
// nothing itself.
func (s *Server) plan(ctx context.Context, tx store.Tx, c caller.Caller, number string, ins []*input, method string) (*planned, error) {
	sc, err := resolve(ctx, tx, c, number)
	if err != nil {
		return nil, err
	}
	b := &batch{s: s, tx: tx, sc: sc, now: s.now(), today: s.today(),
		items: make(map[string]*itemState, len(ins)), dests: map[string]error{}}
	eventIDs := make([]string, 0, len(ins))
	itemIDs := make([]string, 0, len(ins))
	seenItem := make(map[string]bool, len(ins))
	for _, in := range ins {
		if in.err != nil {
			continue
		}
		eventIDs = append(eventIDs, in.ev.GetEventId())
		if id := in.ev.GetItemId(); !seenItem[id] {
			seenItem[id] = true
			itemIDs = append(itemIDs, id)
		}
	}
	existing, err := tx.GetAccountingEvents(ctx, sc.number, eventIDs)
	if err != nil {
		return nil, err
	}
	rows, err := tx.GetAccountingItems(ctx, sc.number, itemIDs)
	if err != nil {
		return nil, err
	}
	for _, id := range itemIDs {
		st := &itemState{}
		if row, ok := rows[id]; ok {
			st.pb = &operatorsv1.AccountingItem{}
			if err := proto.Unmarshal(row.Body, st.pb); err != nil {
				return nil, fmt.Errorf("decode accounting item %s: %w", id, err)
			}
			var ok bool
			if st.state, ok = rules.ParseState(row.State); !ok {
				return nil, fmt.Errorf("accounting item %s: unknown state %q", id, row.State)
			}
			st.stored, st.rev, st.flags = true, row.Revision, row.Flags
		}
		b.items[id] = st
	}

	type recorded struct {
		body  []byte // as sent
		event *operatorsv1.AccountingEvent
	}
	seen := make(map[string]recorded, len(ins))
	p := &planned{number: sc.number, outs: make([]outcome, len(ins))}
	p.w.Events = make([]store.AccountingEvent, 0, len(ins))
	for i, in := range ins {
		if in.err != nil {
			p.outs[i].err = in.err
			continue
		}
		id := in.ev.GetEventId()
		r, dup := seen[id]
		if !dup {
			if row, ok := existing[id]; ok {
				ev, err := s.eventOf(row)
				if err != nil {
					return nil, err
				}
				r, dup = recorded{body: row.Body, event: ev}, true
			}
		}
		if dup {
			if !sameEvent(r.body, in.body) {
				p.outs[i].err = &errs.Error{Kind: errs.KindAlreadyExists, Reason: "REASON_ALREADY_EXISTS",
					Message: fmt.Sprintf("event %s was recorded with other content; an event id names one event: use a new one", eventName(sc.number, id))}
				continue
			}
			p.outs[i] = outcome{duplicate: true, event: r.event, item: b.items[in.ev.GetItemId()].pb}
			continue
		}
		st := b.items[in.ev.GetItemId()]
		ev, row, err := b.apply(ctx, st, in)
		if err != nil {
			if _, typed := errs.As(err); typed {
				p.outs[i].err = err
				continue
			}
			return nil, err
		}
		seen[id] = recorded{body: in.body, event: ev}
		p.outs[i] = outcome{event: ev, item: st.pb}
		p.w.Events = append(p.w.Events, row)
	}
	if method != "" && len(p.w.Events) > 0 {
		rec := batchRecord(c, method, sc.number, b.now, p.w.Events)
		p.record = &rec
	}
	for _, id := range itemIDs {
		st := b.items[id]
		if !st.dirty {
			if p.readOnly == nil {
				p.readOnly = map[string]int64{}
			}
			p.readOnly[id] = st.rev
			continue
		}
		row, err := itemRow(sc.number, id, st)
		if err != nil {
			return nil, err
		}
		if st.stored {
			p.w.Updates = append(p.w.Updates, store.AccountingItemUpdate{Item: row, ExpectRevision: st.rev})
		} else {
			p.w.NewItems = append(p.w.NewItems, row)
		}
	}
	return p, nil
}

// commit writes a plan in tx: it links the audit record after the chain
// head (taking it, which on PostgreSQL queues writers) and writes the
// rows. With check (a plan made in an earlier read transaction), it first
// makes sure that the items the plan only read have not changed, and
// reports errStale when they have or when a row it writes was changed or
// taken meanwhile.
func commit(ctx context.Context, tx store.Tx, p *planned, check bool) error {
	head, prev, err := tx.AuditHead(ctx)
	if err != nil {
		return err
	}
	if len(prev) == 0 {
		prev = audit.Genesis
	}
	if check && len(p.readOnly) > 0 {
		ids := make([]string, 0, len(p.readOnly))
		for id := range p.readOnly {
			ids = append(ids, id)
		}
		now, err := tx.GetAccountingItems(ctx, p.number, ids)
		if err != nil {
			return err
		}
		for id, rev := range p.readOnly {
			if now[id].Revision != rev {
				return errStale
			}
		}
	}
	w := p.w
	if rec := p.record; rec != nil {
		// Linked in place: a commit run again links it again.
		rec.Sequence, rec.PrevHash = head+1, prev
		rec.Hash = audit.Hash(*rec)
		w.Audit = []store.AuditRecord{*rec}
		for i := range w.Events {
			w.Events[i].AuditSequence = rec.Sequence // the record vouches for them
		}
	}
	err = tx.WriteAccounting(ctx, w)
	if check && (errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrAlreadyExists) || errors.Is(err, store.ErrNotFound)) {
		return fmt.Errorf("%w: %w", errStale, err)
	}
	return err
}

// applyInTx plans and commits in one transaction, the chain head taken
// first so that on PostgreSQL writers queue before they read what they
// change.
func (s *Server) applyInTx(ctx context.Context, tx store.Tx, c caller.Caller, number string, ins []*input, method string) ([]outcome, error) {
	if _, _, err := tx.AuditHead(ctx); err != nil {
		return nil, err
	}
	p, err := s.plan(ctx, tx, c, number, ins, method)
	if err != nil {
		return nil, err
	}
	if err := commit(ctx, tx, p, false); err != nil {
		return nil, err
	}
	return p.outs, nil
}

// eventOf is a stored event as the API shows it: the body is the event as
// sent; what the service added is in the row's columns.
func (s *Server) eventOf(row store.AccountingEvent) (*operatorsv1.AccountingEvent, error) {
	ev := &operatorsv1.AccountingEvent{}
	if err := proto.Unmarshal(row.Body, ev); err != nil {
		return nil, fmt.Errorf("decode accounting event %s: %w", row.EventID, err)
	}
	kind, _ := rules.ParseEventKind(row.Kind)
	from, _ := rules.ParseState(row.FromState)
	to, _ := rules.ParseState(row.ToState)
	ev.Name, ev.EventKind = eventName(row.Operator, row.EventID), operatorsv1.AccountingEventKind(kind)
	ev.FromState, ev.ToState = operatorsv1.AccountingItemState(from), operatorsv1.AccountingItemState(to)
	ev.Discrepancies = nil
	for _, d := range rules.Discrepancies {
		if rules.Has(row.Flags, d) {
			ev.Discrepancies = append(ev.Discrepancies, operatorsv1.AccountingDiscrepancyKind(d))
		}
	}
	ev.RecordTime, ev.ReceivedOn = timestamppb.New(row.RecordTime), dates.Format(dates.Local(row.RecordTime, s.NodeState))
	return ev, nil
}

// sameEvent reports whether two encodings (the stored one and a resend)
// hold the same event. Equal bytes say so at once; otherwise both are
// decoded and compared, so that a change of the encoder's byte order
// between versions does not turn a resend into a conflict.
func sameEvent(stored, sent []byte) bool {
	if bytes.Equal(stored, sent) {
		return true
	}
	a, b := &operatorsv1.AccountingEvent{}, &operatorsv1.AccountingEvent{}
	if proto.Unmarshal(stored, a) != nil || proto.Unmarshal(sent, b) != nil {
		return false
	}
	for _, m := range []*operatorsv1.AccountingEvent{a, b} {
		// Output-only fields never make a difference (older rows may hold
		// them).
		m.Name, m.EventKind, m.FromState, m.ToState = "", 0, 0, 0
		m.Discrepancies, m.RecordTime, m.ReceivedOn = nil, nil, ""
	}
	return proto.Equal(a, b)
}

// detailOf is the audit note of an event: what, to which item, and the
// discrepancies it shows; no personal data.
func detailOf(ev *operatorsv1.AccountingEvent) string {
	d := strings.TrimPrefix(ev.GetEventKind().String(), "ACCOUNTING_EVENT_KIND_") + " item " + ev.GetItemId()
	for _, x := range ev.GetDiscrepancies() {
		d += " " + strings.TrimPrefix(x.String(), "ACCOUNTING_DISCREPANCY_KIND_")
	}
	return d
}

func itemRow(number, id string, st *itemState) (store.AccountingItem, error) {
	body, err := encode(st.pb)
	if err != nil {
		return store.AccountingItem{}, err
	}
	det := st.pb.GetDetails()
	return store.AccountingItem{Operator: number, ItemID: id, State: st.state.Name(), HSCode: det.GetHsCode(),
		Quantity: det.GetQuantity(), Currency: det.GetValue().GetCurrencyCode(), Amount: det.GetValue().GetAmount(),
		Deadline: st.pb.GetDeclarationDeadline(), Flags: st.flags, LastOccurredOn: st.pb.GetLastEventDate(),
		CreateTime: st.pb.GetCreateTime().AsTime(), UpdateTime: st.pb.GetUpdateTime().AsTime(), Body: body}, nil
}

// refusal turns a rule's refusal into a typed error about the item.
func refusal(r *rules.Refusal, item string) error {
	msg := fmt.Sprintf("%s: %s (%s)", item, r.Message, r.Article)
	switch r.Kind {
	case rules.RefusedInvalid:
		field := "event.item_id"
		if r.Field != "" {
			field = "event." + r.Field
		}
		return errs.Invalid(errs.Violation{Field: field, Description: msg})
	case rules.RefusedExists:
		return &errs.Error{Kind: errs.KindAlreadyExists, Reason: "REASON_ALREADY_EXISTS", Message: msg}
	}
	return errs.WrongState("%s", msg)
}

func parseDate(s string) time.Time {
	d, _ := dates.Parse(s)
	return d
}

// apply checks one event against the item and, when it is allowed,
// changes the item and returns the event as recorded with its row. It
// changes nothing when it refuses.
func (b *batch) apply(ctx context.Context, st *itemState, in *input) (*operatorsv1.AccountingEvent, store.AccountingEvent, error) {
	ev, number := in.ev, b.sc.number
	name := itemName(number, ev.GetItemId())
	if in.kind.Placement() && !b.sc.active {
		return nil, store.AccountingEvent{}, errs.WrongState("operator %s is excluded from the register: it completes its operations but places no goods (%s)",
			number, rules.ArtAccounts)
	}
	to, ref := rules.Next(st.state, in.kind)
	if ref != nil {
		return nil, store.AccountingEvent{}, refusal(ref, name)
	}
	var last time.Time
	if st.pb != nil {
		last = parseDate(st.pb.GetLastEventDate())
	}
	if ref := rules.CheckEventDate(in.occurred, last, b.today); ref != nil {
		return nil, store.AccountingEvent{}, refusal(ref, name)
	}

	// Checks first: nothing is changed until the event is allowed.
	var (
		findings []rules.Finding
		purchase time.Time
		details  = st.pb.GetDetails()
	)
	switch k := ev.GetKind().(type) {
	case *operatorsv1.AccountingEvent_TemporaryStoragePlacement:
		details = k.TemporaryStoragePlacement.GetItem()
	case *operatorsv1.AccountingEvent_CustomsWarehousePlacement:
		next := k.CustomsWarehousePlacement.GetItem()
		if st.state == rules.InTemporaryStorage {
			if next.GetHsCode() != details.GetHsCode() || next.GetQuantity() != details.GetQuantity() {
				return nil, store.AccountingEvent{}, errs.Invalid(errs.Violation{Field: "event.customs_warehouse_placement.item",
					Description: fmt.Sprintf("%s is in temporary storage as %d units of %s: the same goods are placed into the warehouse (%s)",
						name, details.GetQuantity(), details.GetHsCode(), rules.ArtWarehouse)})
			}
		}
		details = next
	case *operatorsv1.AccountingEvent_RemovalNotice:
		var ref *rules.Refusal
		if purchase, ref = rules.PurchaseDate(parseDate(k.RemovalNotice.GetPurchaseDate()), in.occurred); ref != nil {
			return nil, store.AccountingEvent{}, refusal(ref, name)
		}
	case *operatorsv1.AccountingEvent_Removal:
		findings = append(rules.CheckRemoval(parseDate(st.pb.GetRemovalNoticeDate()), in.occurred),
			rules.CheckQuantity(rules.Removal, details.GetQuantity(), k.Removal.GetQuantity(), in.occurred)...)
	case *operatorsv1.AccountingEvent_BuyerReturn:
		docs := parseDate(k.BuyerReturn.GetReturnDocumentsDate())
		if ref := rules.CheckReturnDates(docs, parseDate(st.pb.GetRemovalDate()), in.occurred); ref != nil {
			return nil, store.AccountingEvent{}, refusal(ref, name)
		}
		if b.cal == nil {
			cal, err := reference.LoadCalendar(ctx, b.tx, b.s.NodeState)
			if err != nil {
				return nil, store.AccountingEvent{}, err
			}
			b.cal = cal
		}
		due := rules.ReturnDue(b.cal, docs, parseDate(st.pb.GetDeclarationDeadline()))
		findings = append(rules.CheckReturn(due, in.occurred, b.today),
			rules.CheckQuantity(rules.BuyerReturn, details.GetQuantity(), k.BuyerReturn.GetQuantity(), in.occurred)...)
	case *operatorsv1.AccountingEvent_Transfer:
		if err := b.checkDestination(ctx, k.Transfer.GetDestinationOperator()); err != nil {
			return nil, store.AccountingEvent{}, err
		}
	}

	// The event is allowed: record it and move the item.
	from := st.state
	if st.pb == nil {
		st.pb = &operatorsv1.AccountingItem{Name: name, PlacementDate: ev.GetOccurredOn(), CreateTime: timestamppb.New(b.now)}
	}
	it := st.pb
	it.Details, it.State = details, operatorsv1.AccountingItemState(to)
	it.UnionStatus = to.UnionStatus()
	switch in.kind {
	case rules.RemovalNotice:
		it.PurchaseDate, it.RemovalNoticeDate = dates.Format(purchase), dates.Format(b.today)
		it.DeclarationDeadline = dates.Format(rules.DeclarationDeadline(purchase))
	case rules.Removal:
		it.RemovalDate = ev.GetOccurredOn()
	case rules.BuyerReturn:
		// Back in the warehouse without Union status; a new purchase
		// starts over with a new notice.
		it.PurchaseDate, it.RemovalNoticeDate, it.RemovalDate, it.DeclarationDeadline = "", "", "", ""
	}
	if to.Final() {
		it.DeclarationDeadline = ""
	}
	evName := eventName(number, ev.GetEventId())
	rec := ev // taken over by prepare: completed in place
	rec.Name, rec.EventKind = evName, operatorsv1.AccountingEventKind(in.kind)
	rec.FromState, rec.ToState = operatorsv1.AccountingItemState(from), operatorsv1.AccountingItemState(to)
	rec.RecordTime, rec.ReceivedOn = timestamppb.New(b.now), dates.Format(b.today)
	rec.Discrepancies = nil // the store may run the transaction again
	for _, f := range findings {
		rec.Discrepancies = append(rec.Discrepancies, operatorsv1.AccountingDiscrepancyKind(f.Kind))
		it.Discrepancies = append(it.Discrepancies, &operatorsv1.AccountingDiscrepancy{Item: name,
			Kind: operatorsv1.AccountingDiscrepancyKind(f.Kind), Article: f.Kind.Article(), Date: dates.Format(f.Date),
			Event: evName, Detail: f.Detail})
	}
	it.LastEvent, it.LastEventDate, it.EventCount, it.UpdateTime = evName, ev.GetOccurredOn(), it.GetEventCount()+1, timestamppb.New(b.now)
	it.Events = append(it.Events, evName)
	st.state, st.flags, st.dirty = to, st.flags|rules.Flags(findings), true

	row := store.AccountingEvent{Operator: number, EventID: ev.GetEventId(), ItemID: ev.GetItemId(), Kind: in.kind.Name(),
		OccurredOn: ev.GetOccurredOn(), RecordTime: b.now, FromState: from.Name(), ToState: to.Name(),
		HSCode: details.GetHsCode(), Quantity: details.GetQuantity(), Currency: details.GetValue().GetCurrencyCode(),
		Amount: details.GetValue().GetAmount(), Flags: rules.Flags(findings), Body: in.body}
	return rec, row, nil
}

// checkDestination refuses a transfer to an operator that is not on the
// register, is excluded, or is the operator itself.
func (b *batch) checkDestination(ctx context.Context, dest string) error {
	if err, ok := b.dests[dest]; ok {
		return err
	}
	field := "event.transfer.destination_operator"
	var err error
	if dest == b.sc.number {
		err = errs.Field(field, "the goods are already in this operator's accounts")
	} else if _, op, lerr := register.LoadOperator(ctx, b.tx, operatorName(dest)); lerr != nil {
		if e, ok := errs.As(lerr); ok && e.Kind == errs.KindNotFound {
			err = errs.Field(field, "%s is not on the register of e-commerce operators", dest)
		} else {
			return lerr
		}
	} else if op.GetStatus() != operatorsv1.OperatorStatus_OPERATOR_STATUS_ACTIVE {
		err = errs.Field(field, "%s is excluded from the register", dest)
	}
	b.dests[dest] = err
	return err
}
