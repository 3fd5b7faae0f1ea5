package ecommerce

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	authv1 "github.com/eaeu/customs-exchange/gen/eaeu/auth/v1"
	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	typev1 "github.com/eaeu/customs-exchange/gen/eaeu/type/v1"
	"github.com/eaeu/customs-exchange/internal/api/mutation"
	"github.com/eaeu/customs-exchange/internal/api/paging"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/register"
	"github.com/eaeu/customs-exchange/internal/rules/currency"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	wrules "github.com/eaeu/customs-exchange/internal/rules/warehouse"
	"github.com/eaeu/customs-exchange/internal/store"
)

// checkPurchaseReport checks a reported purchase on today and opens it in the
// rules, with its deadline.
func checkPurchaseReport(in *ecommercev1.WarehousePurchase, today time.Time) (wrules.Purchase, error) {
	var v violations
	if a, err := decimal(in.GetValue().GetAmount()); err != nil || a.Sign() < 0 {
		v.add("purchase.value.amount", "must not be negative")
	}
	if code := in.GetValue().GetCurrencyCode(); !currency.Known(code) {
		v.add("purchase.value.currency_code", "%q is not an active ISO 4217 currency", code)
	}
	purchase, perr := dates.Parse(in.GetPurchaseDate())
	if perr != nil {
		v.add("purchase.purchase_date", "not a date (YYYY-MM-DD)")
	}
	placement, lerr := dates.Parse(in.GetPlacementDate())
	if lerr != nil {
		v.add("purchase.placement_date", "not a date (YYYY-MM-DD)")
	}
	var opened wrules.Purchase
	if perr == nil && lerr == nil {
		var err error
		if opened, err = wrules.NewPurchase(purchase, placement, today); err != nil {
			for _, e := range unjoinErrors(err) {
				switch {
				case errors.Is(e, wrules.ErrPurchaseInFuture):
					v.add("purchase.purchase_date", "%s", strings.TrimPrefix(e.Error(), "warehouse: "))
				case errors.Is(e, wrules.ErrPlacementAfterPurchase):
					v.add("purchase.placement_date", "%s", strings.TrimPrefix(e.Error(), "warehouse: "))
				default:
					return opened, e
				}
			}
		}
	}
	if len(v) > 0 {
		return opened, errs.Invalid(v...)
	}
	return opened, nil
}

func unjoinErrors(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// ReportPurchase implements the RPC.
func (w *Warehouse) ReportPurchase(ctx context.Context, req *ecommercev1.ReportPurchaseRequest) (*ecommercev1.ReportPurchaseResponse, error) {
	c := caller.From(ctx)
	in := req.GetPurchase()
	opened, err := checkPurchaseReport(in, dates.Local(depsNow(w.Deps), w.NodeState))
	if err != nil {
		return nil, err
	}
	return mutation.Run(ctx, w.Store, req, func() *ecommercev1.ReportPurchaseResponse { return &ecommercev1.ReportPurchaseResponse{} },
		func(ctx context.Context, tx store.Tx) (*ecommercev1.ReportPurchaseResponse, mutation.Result, error) {
			number, err := warehouseOperator(ctx, tx, c)
			if err != nil {
				return nil, mutation.Result{}, err
			}
			now := depsNow(w.Deps)
			p := &ecommercev1.WarehousePurchase{
				Name: purchasePrefix + uuid.NewString(), OperatorRegisterNumber: number,
				ItemDescription: in.GetItemDescription(), HsCode: in.GetHsCode(), Value: proto.Clone(in.GetValue()).(*typev1.Money),
				PurchaseDate: in.GetPurchaseDate(), PlacementDate: in.GetPlacementDate(), BuyerReference: in.GetBuyerReference(),
				CreateTime: timestamppb.New(now), UpdateTime: timestamppb.New(now),
			}
			setPurchaseRules(p, opened)
			row, err := purchaseRow(p)
			if err != nil {
				return nil, mutation.Result{}, err
			}
			if err := tx.CreateWarehousePurchase(ctx, row); err != nil {
				return nil, mutation.Result{}, err
			}
			p.Etag = etag(1)
			return &ecommercev1.ReportPurchaseResponse{Purchase: p}, mutation.Result{
				Resource: p.GetName(), Detail: "reported; declare by " + p.GetDeclarationDeadline() + " (art. 309.6(13))",
			}, nil
		})
}

// GetPurchase implements the RPC.
func (w *Warehouse) GetPurchase(ctx context.Context, req *ecommercev1.GetPurchaseRequest) (*ecommercev1.GetPurchaseResponse, error) {
	c := caller.From(ctx)
	var out *ecommercev1.WarehousePurchase
	err := w.Store.View(ctx, func(tx store.Tx) error {
		var err error
		_, out, err = loadPurchase(ctx, tx, c, req.GetName())
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ecommercev1.GetPurchaseResponse{Purchase: out}, nil
}

// ListPurchases implements the RPC. An operator's listing is narrowed to
// its own register numbers whatever it asks.
func (w *Warehouse) ListPurchases(ctx context.Context, req *ecommercev1.ListPurchasesRequest) (*ecommercev1.ListPurchasesResponse, error) {
	c := caller.From(ctx)
	q := store.WarehousePurchaseQuery{Operator: req.GetOperatorRegisterNumber()}
	if req.GetStatus() != ecommercev1.WarehousePurchaseStatus_WAREHOUSE_PURCHASE_STATUS_UNSPECIFIED {
		q.Status = warehouseStatuses[req.GetStatus()].stored
	}
	query := q.Status + "|" + q.Operator
	at, id, ok, err := paging.TimeCursor(req.GetPageToken(), query)
	if err != nil {
		return nil, err
	}
	if ok {
		q.Before = &store.WarehousePurchaseCursor{CreateTime: at, ID: id}
	}
	size := paging.Size(req.GetPageSize(), 50, 500)
	q.Limit = size + 1
	resp := &ecommercev1.ListPurchasesResponse{}
	err = w.Store.View(ctx, func(tx store.Tx) error {
		if c.Role == authv1.Role_ROLE_OPERATOR {
			// Its own register numbers only: the one asked for, else its latest.
			numbers, err := register.RegisterNumbers(ctx, tx, c.Subject.ID)
			if err != nil {
				return err
			}
			switch {
			case q.Operator != "" && !slices.Contains(numbers, q.Operator):
				return errs.Field("operator_register_number", "an operator lists only purchases reported under its own register numbers")
			case q.Operator == "" && len(numbers) == 0:
				return nil
			case q.Operator == "":
				q.Operator = numbers[len(numbers)-1]
			}
		}
		rows, err := tx.ListWarehousePurchases(ctx, q)
		if err != nil {
			return err
		}
		rows, resp.NextPageToken = paging.TimePage(rows, size, query, func(r store.WarehousePurchase) (time.Time, string) { return r.CreateTime, r.ID })
		for _, r := range rows {
			p, err := decodePurchase(r)
			if err != nil {
				return err
			}
			resp.Purchases = append(resp.Purchases, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}
