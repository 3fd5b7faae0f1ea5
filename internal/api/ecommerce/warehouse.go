package ecommerce

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	authv1 "github.com/eaeu/customs-exchange/gen/eaeu/auth/v1"
	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	operatorsv1 "github.com/eaeu/customs-exchange/gen/eaeu/operators/v1"
	"github.com/eaeu/customs-exchange/internal/api/reference"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/register"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	wrules "github.com/eaeu/customs-exchange/internal/rules/warehouse"
	"github.com/eaeu/customs-exchange/internal/store"
)

// Warehouse serves eaeu.ecommerce.v1.WarehouseService: goods for sale to
// individuals in an operator's customs warehouse (art. 309.6).
type Warehouse struct {
	ecommercev1.UnimplementedWarehouseServiceServer
	reference.Deps
	sweep *DueSweep
}

// NewWarehouse returns the service; its RunDueSweep runs the same sweep as
// the periodic one.
func NewWarehouse(d Deps) *Warehouse {
	return &Warehouse{Deps: d.Deps, sweep: NewDueSweep(d.Deps, nil)}
}

func depsNow(d reference.Deps) time.Time {
	if d.Now != nil {
		return d.Now().UTC()
	}
	return time.Now().UTC()
}

const purchasePrefix = "warehousePurchases/"

// The proto statuses, reasons and event kinds, and their stored and rules
// forms.
var (
	warehouseStatuses = map[ecommercev1.WarehousePurchaseStatus]struct {
		stored string
		rules  wrules.Status
	}{
		ecommercev1.WarehousePurchaseStatus_WAREHOUSE_PURCHASE_STATUS_OPEN:     {store.WarehouseOpen, wrules.Open},
		ecommercev1.WarehousePurchaseStatus_WAREHOUSE_PURCHASE_STATUS_DECLARED: {store.WarehouseDeclared, wrules.Declared},
		ecommercev1.WarehousePurchaseStatus_WAREHOUSE_PURCHASE_STATUS_DUE:      {store.WarehouseDue, wrules.Due},
	}
	warehouseDueReasons = map[ecommercev1.WarehouseDueReason]wrules.DueReason{
		ecommercev1.WarehouseDueReason_WAREHOUSE_DUE_REASON_LOSS:                   wrules.Loss,
		ecommercev1.WarehouseDueReason_WAREHOUSE_DUE_REASON_MISSED_DEADLINE:        wrules.MissedDeadline,
		ecommercev1.WarehouseDueReason_WAREHOUSE_DUE_REASON_REMOVED_WITHOUT_NOTICE: wrules.RemovedWithoutNotice,
	}
	warehouseEventKinds = map[ecommercev1.WarehouseEventKind]wrules.EventKind{
		ecommercev1.WarehouseEventKind_WAREHOUSE_EVENT_KIND_DECLARED:               wrules.EventDeclared,
		ecommercev1.WarehouseEventKind_WAREHOUSE_EVENT_KIND_RELEASE_REFUSED:        wrules.EventReleaseRefused,
		ecommercev1.WarehouseEventKind_WAREHOUSE_EVENT_KIND_LOST:                   wrules.EventLost,
		ecommercev1.WarehouseEventKind_WAREHOUSE_EVENT_KIND_REMOVED_WITHOUT_NOTICE: wrules.EventRemovedWithoutNotice,
	}
)

// optionalWarehouseDate parses "" as the zero date.
func optionalWarehouseDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return dates.Parse(s)
}

func formatOptionalDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return dates.Format(t)
}

// purchaseRules is what the rules know of a stored purchase; the day of the
// declaration in force and of the last refusal come from its events.
func purchaseRules(p *ecommercev1.WarehousePurchase) (wrules.Purchase, error) {
	var (
		r        wrules.Purchase
		problems []error
	)
	parse := func(s string, dst *time.Time) {
		d, err := optionalWarehouseDate(s)
		problems = append(problems, err)
		*dst = d
	}
	parse(p.GetPurchaseDate(), &r.PurchaseDate)
	parse(p.GetPlacementDate(), &r.PlacementDate)
	parse(p.GetDeclarationDeadline(), &r.Deadline)
	parse(p.GetDueDate(), &r.DueDate)
	r.Status = warehouseStatuses[p.GetStatus()].rules
	r.DueReason = warehouseDueReasons[p.GetDueReason()]
	for _, e := range p.GetEvents() {
		switch e.GetKind() {
		case ecommercev1.WarehouseEventKind_WAREHOUSE_EVENT_KIND_DECLARED:
			parse(e.GetDate(), &r.DeclaredOn)
		case ecommercev1.WarehouseEventKind_WAREHOUSE_EVENT_KIND_RELEASE_REFUSED:
			parse(e.GetDate(), &r.RefusedOn)
			r.DeclaredOn = time.Time{}
		}
	}
	if err := errors.Join(problems...); err != nil {
		return r, err
	}
	if r.Status == 0 {
		return r, errors.New("stored purchase " + p.GetName() + " has no status")
	}
	return r, nil
}

// setPurchaseRules writes the rules' outcome into p.
func setPurchaseRules(p *ecommercev1.WarehousePurchase, r wrules.Purchase) {
	for k, v := range warehouseStatuses {
		if v.rules == r.Status {
			p.Status = k
		}
	}
	p.DeclarationDeadline = formatOptionalDate(r.Deadline)
	p.DueDate = formatOptionalDate(r.DueDate)
	p.DueReason = ecommercev1.WarehouseDueReason_WAREHOUSE_DUE_REASON_UNSPECIFIED
	for k, v := range warehouseDueReasons {
		if v == r.DueReason && r.Status == wrules.Due {
			p.DueReason = k
		}
	}
}

func decodePurchase(row store.WarehousePurchase) (*ecommercev1.WarehousePurchase, error) {
	p := &ecommercev1.WarehousePurchase{}
	if err := unmarshalBody(row.Body, p); err != nil {
		return nil, err
	}
	p.Etag = etag(row.Revision)
	return p, nil
}

// purchaseRow is the stored form of p (without its revision).
func purchaseRow(p *ecommercev1.WarehousePurchase) (store.WarehousePurchase, error) {
	q := proto.Clone(p).(*ecommercev1.WarehousePurchase)
	q.Etag = ""
	body, err := marshalBody(q)
	if err != nil {
		return store.WarehousePurchase{}, err
	}
	return store.WarehousePurchase{
		ID: strings.TrimPrefix(p.GetName(), purchasePrefix), Operator: p.GetOperatorRegisterNumber(),
		Status: warehouseStatuses[p.GetStatus()].stored, Deadline: p.GetDeclarationDeadline(), PurchaseDate: p.GetPurchaseDate(),
		CreateTime: p.GetCreateTime().AsTime(), UpdateTime: p.GetUpdateTime().AsTime(), Body: body,
	}, nil
}

// savePurchase writes p over row if row is still at its revision
// (store.ErrConflict otherwise) and returns p with its new etag.
func savePurchase(ctx context.Context, tx store.Tx, row store.WarehousePurchase, p *ecommercev1.WarehousePurchase, now time.Time) error {
	p.UpdateTime = timestamppb.New(now)
	next, err := purchaseRow(p)
	if err != nil {
		return err
	}
	if err := tx.UpdateWarehousePurchase(ctx, next, row.Revision); err != nil {
		return err
	}
	p.Etag = etag(row.Revision + 1)
	return nil
}

// purchaseVisible: customs sees every purchase of this node, an operator
// those reported under any register number its legal entity (its
// certificate id) has held.
func purchaseVisible(ctx context.Context, tx store.Tx, c caller.Caller, row store.WarehousePurchase) (bool, error) {
	switch c.Role {
	case authv1.Role_ROLE_CUSTOMS:
		return true, nil
	case authv1.Role_ROLE_OPERATOR:
		numbers, err := register.RegisterNumbers(ctx, tx, c.Subject.ID)
		return slices.Contains(numbers, row.Operator), err
	}
	return false, nil
}

// loadPurchase reads a purchase the caller may see; NOT_FOUND otherwise,
// so that its existence is not revealed either.
func loadPurchase(ctx context.Context, tx store.Tx, c caller.Caller, name string) (store.WarehousePurchase, *ecommercev1.WarehousePurchase, error) {
	row, err := tx.GetWarehousePurchase(ctx, strings.TrimPrefix(name, purchasePrefix))
	if errors.Is(err, store.ErrNotFound) {
		return row, nil, errs.NotFound(name)
	}
	if err != nil {
		return row, nil, err
	}
	if ok, err := purchaseVisible(ctx, tx, c, row); err != nil || !ok {
		return row, nil, cmp.Or(err, error(errs.NotFound(name)))
	}
	p, err := decodePurchase(row)
	return row, p, err
}

// warehouseOperator is the register number under which the calling legal
// entity keeps a customs warehouse for goods for sale to individuals: an
// active entry whose scope covers them (art. 309.6(2), 429.4).
func warehouseOperator(ctx context.Context, tx store.Tx, c caller.Caller) (string, error) {
	ops, err := register.OperatorsOf(ctx, tx, c.Subject.ID)
	if err != nil {
		return "", err
	}
	for _, op := range ops {
		if op.GetStatus() != operatorsv1.OperatorStatus_OPERATOR_STATUS_ACTIVE {
			continue
		}
		switch op.GetDetails().GetScope() {
		case operatorsv1.Scope_SCOPE_GOODS_FOR_SALE_TO_INDIVIDUALS, operatorsv1.Scope_SCOPE_BOTH:
			return op.GetRegisterNumber(), nil
		}
		return "", errs.Permission("operator %s limited itself to goods bought by individuals (art. 429.4): it keeps no customs warehouse for goods for sale to individuals",
			op.GetRegisterNumber())
	}
	return "", errs.Permission("the caller is not on the register of e-commerce operators (or was excluded): only an operator on it keeps goods for sale to individuals in a customs warehouse (art. 309.6(2))")
}
