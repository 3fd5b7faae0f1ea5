package ecommerce

import (
	"context"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	"github.com/eaeu/customs-exchange/internal/api/mutation"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	"github.com/eaeu/customs-exchange/internal/store"
)

// RecordPayment implements the RPC. A payment is in the national currency
// and at most the balance still due; an overpayment can only arise when an
// amendment lowers the duty afterwards, and is then shown as refundable.
func (s *Server) RecordPayment(ctx context.Context, req *ecommercev1.RecordPaymentRequest) (*ecommercev1.RecordPaymentResponse, error) {
	c := caller.From(ctx)
	p := req.GetPayment()
	amount, err := decimal(p.GetAmount().GetAmount())
	if err != nil || amount.Sign() <= 0 {
		return nil, errs.Field("payment.amount.amount", "must be a positive amount")
	}
	if p.GetAmount().GetCurrencyCode() != s.NationalCurrency {
		return nil, errs.Field("payment.amount.currency_code", "payments are in %s, the national currency", s.NationalCurrency)
	}
	if _, err := dates.Parse(p.GetPaymentDate()); err != nil {
		return nil, errs.Field("payment.payment_date", "not a date (YYYY-MM-DD)")
	}
	return mutation.Run(ctx, s.Store, req, func() *ecommercev1.RecordPaymentResponse { return &ecommercev1.RecordPaymentResponse{} },
		func(ctx context.Context, tx store.Tx) (*ecommercev1.RecordPaymentResponse, mutation.Result, error) {
			row, d, err := load(ctx, tx, c, req.GetName())
			if err != nil {
				return nil, mutation.Result{}, err
			}
			switch d.GetStatus() {
			case ecommercev1.DeclarationStatus_DECLARATION_STATUS_REGISTERED,
				ecommercev1.DeclarationStatus_DECLARATION_STATUS_PARTIALLY_RELEASED,
				ecommercev1.DeclarationStatus_DECLARATION_STATUS_RELEASED:
			default:
				return nil, mutation.Result{}, errs.WrongState("%s is %s: there is no obligation to pay", d.GetName(), d.GetStatus())
			}
			for _, prev := range d.GetPayments() {
				if prev.GetReference() == p.GetReference() {
					return nil, mutation.Result{}, errs.AlreadyExists("payment " + p.GetReference() + " of " + d.GetName())
				}
			}
			balance, _ := decimal(d.GetObligation().GetBalance().GetAmount())
			if amount.Cmp(&balance) > 0 {
				return nil, mutation.Result{}, errs.Field("payment.amount.amount", "%s is more than the balance due, %s %s",
					amount.Text('f'), balance.Text('f'), s.NationalCurrency)
			}
			rec := proto.Clone(p).(*ecommercev1.Payment)
			rec.RecordTime = timestamppb.New(s.now())
			d.Payments = append(d.Payments, rec)
			setObligation(d.GetObligation(), assessedOf(d), d.GetPayments(), s.NationalCurrency)
			if d, err = s.save(ctx, tx, row, d); err != nil {
				return nil, mutation.Result{}, err
			}
			return &ecommercev1.RecordPaymentResponse{Declaration: d}, mutation.Result{Resource: d.GetName(), Detail: "payment " + p.GetReference()}, nil
		})
}
