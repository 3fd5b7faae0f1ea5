package ecommerce

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	authv1 "github.com/eaeu/customs-exchange/gen/eaeu/auth/v1"
	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	"github.com/eaeu/customs-exchange/internal/api/mutation"
	"github.com/eaeu/customs-exchange/internal/api/reference"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/rules/calendar"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	wrules "github.com/eaeu/customs-exchange/internal/rules/warehouse"
	"github.com/eaeu/customs-exchange/internal/store"
)

// checkWarehouseEvent checks what an event can be checked for without the purchase:
// who may record it and its fields.
func checkWarehouseEvent(c caller.Caller, e *ecommercev1.WarehousePurchaseEvent) error {
	kind := warehouseEventKinds[e.GetKind()]
	if c.Role == authv1.Role_ROLE_OPERATOR && (kind == wrules.EventReleaseRefused || kind == wrules.EventRemovedWithoutNotice) {
		return errs.Permission("only customs records a refusal of release or a removal without notice (art. 309.6)")
	}
	var v violations
	if _, err := optionalWarehouseDate(e.GetDate()); err != nil {
		v.add("event.date", "not a date (YYYY-MM-DD)")
	}
	switch {
	case kind == wrules.EventDeclared && e.GetDeclarationNumber() == "":
		v.add("event.declaration_number", "required with DECLARED: the number of the declaration filed")
	case kind != wrules.EventDeclared && e.GetDeclarationNumber() != "":
		v.add("event.declaration_number", "only with DECLARED")
	}
	if len(v) > 0 {
		return errs.Invalid(v...)
	}
	return nil
}

// warehouseRuleError maps a refusal of the rules to the caller's error.
func warehouseRuleError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "warehouse: ")
	switch {
	case errors.Is(err, wrules.ErrEventDate):
		return errs.Field("event.date", "%s", msg)
	case errors.Is(err, wrules.ErrNotAllowed), errors.Is(err, wrules.ErrDeadlinePassed):
		return errs.WrongState("%s", msg)
	}
	return err
}

// RecordPurchaseEvent implements the RPC.
func (w *Warehouse) RecordPurchaseEvent(ctx context.Context, req *ecommercev1.RecordPurchaseEventRequest) (*ecommercev1.RecordPurchaseEventResponse, error) {
	c := caller.From(ctx)
	in := req.GetEvent()
	if err := checkWarehouseEvent(c, in); err != nil {
		return nil, err
	}
	kind := warehouseEventKinds[in.GetKind()]
	date, _ := optionalWarehouseDate(in.GetDate())
	return mutation.Run(ctx, w.Store, req, func() *ecommercev1.RecordPurchaseEventResponse { return &ecommercev1.RecordPurchaseEventResponse{} },
		func(ctx context.Context, tx store.Tx) (*ecommercev1.RecordPurchaseEventResponse, mutation.Result, error) {
			row, p, err := loadPurchase(ctx, tx, c, req.GetName())
			if err != nil {
				return nil, mutation.Result{}, err
			}
			if req.GetEtag() != "" && req.GetEtag() != etag(row.Revision) {
				return nil, mutation.Result{}, errs.EtagMismatch(req.GetName())
			}
			var cal *calendar.Calendar
			if kind == wrules.EventReleaseRefused {
				if cal, err = reference.LoadCalendar(ctx, tx, w.NodeState); err != nil {
					return nil, mutation.Result{}, err
				}
			}
			before, err := purchaseRules(p)
			if err != nil {
				return nil, mutation.Result{}, err
			}
			now := depsNow(w.Deps)
			after, err := wrules.Apply(before, wrules.Event{Kind: kind, Date: date}, dates.Local(now, w.NodeState), cal)
			if err != nil {
				return nil, mutation.Result{}, warehouseRuleError(err)
			}
			ev := &ecommercev1.WarehousePurchaseEvent{Kind: in.GetKind(), Date: in.GetDate(), DeclarationNumber: in.GetDeclarationNumber(),
				Note: in.GetNote(), RecordedBy: c.Subject.URI, RecordTime: timestamppb.New(now)}
			switch kind {
			case wrules.EventDeclared:
				ev.Date = dates.Format(after.DeclaredOn) // today when not given
				p.DeclarationNumber = in.GetDeclarationNumber()
			case wrules.EventReleaseRefused:
				p.DeclarationNumber = ""
			}
			p.Events = append(p.Events, ev)
			setPurchaseRules(p, after)
			if err := savePurchase(ctx, tx, row, p, now); err != nil {
				if errors.Is(err, store.ErrConflict) {
					return nil, mutation.Result{}, errs.EtagMismatch(req.GetName())
				}
				return nil, mutation.Result{}, err
			}
			detail := fmt.Sprintf("%s; now %s", kind, after.Status)
			switch after.Status {
			case wrules.Open:
				detail += ", declare by " + p.GetDeclarationDeadline()
			case wrules.Due:
				detail += fmt.Sprintf(" on %s: %s", p.GetDueDate(), after.DueReason)
			}
			return &ecommercev1.RecordPurchaseEventResponse{Purchase: p}, mutation.Result{Resource: p.GetName(), Detail: detail}, nil
		})
}
