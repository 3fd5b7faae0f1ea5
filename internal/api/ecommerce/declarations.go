package ecommerce

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	authv1 "github.com/eaeu/customs-exchange/gen/eaeu/auth/v1"
	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	typev1 "github.com/eaeu/customs-exchange/gen/eaeu/type/v1"
	"github.com/eaeu/customs-exchange/internal/api/mutation"
	"github.com/eaeu/customs-exchange/internal/api/paging"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/register"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	rules "github.com/eaeu/customs-exchange/internal/rules/ecommerce"
	"github.com/eaeu/customs-exchange/internal/store"
)

// FileDeclaration implements the RPC. The checks, and at a node that
// registers at filing the duty, are done outside the single writer
// (mutation.RunPlanned); the writer only numbers and stores (filing.go).
func (s *Server) FileDeclaration(ctx context.Context, req *ecommercev1.FileDeclarationRequest) (*ecommercev1.FileDeclarationResponse, error) {
	c := caller.From(ctx)
	return mutation.RunPlanned(ctx, s.Store, req, func() *ecommercev1.FileDeclarationResponse { return &ecommercev1.FileDeclarationResponse{} },
		func(ctx context.Context, tx store.Tx, gen int64) (*filing, error) {
			return s.planFiling(ctx, s.refsAt(tx, gen), c, req.GetDeclaration())
		},
		func(ctx context.Context, tx store.Tx, f *filing) (*ecommercev1.FileDeclarationResponse, mutation.Result, error) {
			d, err := s.storeFiling(ctx, tx, f)
			if err != nil {
				return nil, mutation.Result{}, err
			}
			return &ecommercev1.FileDeclarationResponse{Declaration: d}, mutation.Result{Resource: d.GetName(), Detail: "filed " + d.GetStatus().String()}, nil
		})
}

// register assigns the number, fixes the registration date, computes the
// duty with that date's rates, and makes the obligation arise (art. 309.9).
func (s *Server) register(ctx context.Context, tx store.Tx, row store.Declaration, d *ecommercev1.Declaration) (*ecommercev1.Declaration, error) {
	if d.GetStatus() != ecommercev1.DeclarationStatus_DECLARATION_STATUS_FILED {
		return nil, errs.WrongState("%s is %s; only a filed declaration can be registered", d.GetName(), d.GetStatus())
	}
	day := s.today()
	refs, err := s.refsOf(ctx, tx)
	if err != nil {
		return nil, err
	}
	if err := s.price(ctx, refs, d, day); err != nil {
		return nil, err
	}
	if err := s.number(ctx, tx, d, day); err != nil {
		return nil, err
	}
	return s.save(ctx, tx, row, d)
}

// price fixes the registration date day, computes the duty with that
// date's rates, and makes the obligation arise (art. 309.9): all of the
// registration but the number.
func (s *Server) price(ctx context.Context, r refView, d *ecommercev1.Declaration, day time.Time) error {
	assessment, res, err := s.assess(ctx, r, s.NodeState, day, d.GetParcels())
	if err != nil {
		return err
	}
	d.RegistrationDate = dates.Format(day)
	d.Status = ecommercev1.DeclarationStatus_DECLARATION_STATUS_REGISTERED
	d.Duty = assessment
	debtor := "declarant individual"
	if op := d.GetDeclarant().GetOperatorRegisterNumber(); op != "" {
		debtor = "operator " + op
	}
	d.Obligation = &ecommercev1.Obligation{State: ecommercev1.ObligationState_OBLIGATION_STATE_ARISEN, Debtor: debtor}
	fees, err := s.releaseFee()
	if err != nil {
		return err
	}
	if fees.Sign() > 0 {
		d.Obligation.Fees = money(s.NationalCurrency, fees.Text('f'))
	}
	setObligation(d.Obligation, withFees(res.Total, fees), d.GetPayments(), s.NationalCurrency)
	return nil
}

// number assigns the registration number: the customs body, the
// registration date day and the body's next serial of that day.
func (s *Server) number(ctx context.Context, tx store.Tx, d *ecommercev1.Declaration, day time.Time) error {
	serial, err := tx.NextSerial(ctx, rules.SerialCounter(d.GetCustomsBodyCode(), day))
	if err != nil {
		return err
	}
	d.Number = rules.Number(d.GetCustomsBodyCode(), day, serial)
	return nil
}

// RegisterDeclaration implements the RPC.
func (s *Server) RegisterDeclaration(ctx context.Context, req *ecommercev1.RegisterDeclarationRequest) (*ecommercev1.RegisterDeclarationResponse, error) {
	c := caller.From(ctx)
	return mutation.Run(ctx, s.Store, req, func() *ecommercev1.RegisterDeclarationResponse { return &ecommercev1.RegisterDeclarationResponse{} },
		func(ctx context.Context, tx store.Tx) (*ecommercev1.RegisterDeclarationResponse, mutation.Result, error) {
			row, d, err := load(ctx, tx, c, req.GetName())
			if err != nil {
				return nil, mutation.Result{}, err
			}
			if d, err = s.register(ctx, tx, row, d); err != nil {
				return nil, mutation.Result{}, err
			}
			return &ecommercev1.RegisterDeclarationResponse{Declaration: d}, mutation.Result{Resource: d.GetName(), Detail: "registered " + d.GetNumber()}, nil
		})
}

// GetDeclaration implements the RPC.
func (s *Server) GetDeclaration(ctx context.Context, req *ecommercev1.GetDeclarationRequest) (*ecommercev1.GetDeclarationResponse, error) {
	c := caller.From(ctx)
	var out *ecommercev1.Declaration
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		_, out, err = load(ctx, tx, c, req.GetName())
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ecommercev1.GetDeclarationResponse{Declaration: s.withPenalty(out)}, nil
}

// LookupDeclaration implements the RPC.
func (s *Server) LookupDeclaration(ctx context.Context, req *ecommercev1.LookupDeclarationRequest) (*ecommercev1.LookupDeclarationResponse, error) {
	c := caller.From(ctx)
	var out *ecommercev1.Declaration
	err := s.Store.View(ctx, func(tx store.Tx) error {
		row, err := tx.GetDeclarationByNumber(ctx, req.GetNumber())
		if errors.Is(err, store.ErrNotFound) {
			return errs.NotFound("declaration " + req.GetNumber())
		}
		if err != nil {
			return err
		}
		if ok, err := visible(ctx, tx, c, row); err != nil || !ok {
			return cmp.Or(err, error(errs.NotFound("declaration "+req.GetNumber())))
		}
		out, err = decode(row)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ecommercev1.LookupDeclarationResponse{Declaration: s.withPenalty(out)}, nil
}

// ListDeclarations implements the RPC. An operator's and an individual's
// listings are narrowed to their own declarations whatever they ask.
func (s *Server) ListDeclarations(ctx context.Context, req *ecommercev1.ListDeclarationsRequest) (*ecommercev1.ListDeclarationsResponse, error) {
	c := caller.From(ctx)
	q := store.DeclarationQuery{Operator: req.GetOperatorRegisterNumber(), FiledFrom: req.GetFiledFrom(), FiledTo: req.GetFiledTo()}
	if req.GetStatus() != ecommercev1.DeclarationStatus_DECLARATION_STATUS_UNSPECIFIED {
		q.Status = req.GetStatus().String()
	}
	if req.GetRecipientId() != "" {
		q.RecipientKey = recipientKey(req.GetRecipientId())
	}
	switch c.Role {
	case authv1.Role_ROLE_OPERATOR:
		// Its own register numbers only: the one asked for, else its latest.
		var numbers []string
		if err := s.Store.View(ctx, func(tx store.Tx) error {
			var err error
			numbers, err = register.RegisterNumbers(ctx, tx, c.Subject.ID)
			return err
		}); err != nil {
			return nil, err
		}
		switch {
		case q.Operator != "" && !slices.Contains(numbers, q.Operator):
			return nil, errs.Field("operator_register_number", "an operator lists only declarations filed under its own register numbers")
		case q.Operator == "" && len(numbers) == 0:
			return &ecommercev1.ListDeclarationsResponse{}, nil
		case q.Operator == "":
			q.Operator = numbers[len(numbers)-1]
		}
	case authv1.Role_ROLE_INDIVIDUAL:
		q.RecipientKey = recipientKey(c.Subject.ID)
	}
	query := strings.Join([]string{q.Status, q.Operator, q.RecipientKey, q.FiledFrom, q.FiledTo}, "|")
	at, id, ok, err := paging.TimeCursor(req.GetPageToken(), query)
	if err != nil {
		return nil, err
	}
	if ok {
		q.Before = &store.DeclarationCursor{FilingTime: at, ID: id}
	}
	size := paging.Size(req.GetPageSize(), 50, 500)
	q.Limit = size + 1
	resp := &ecommercev1.ListDeclarationsResponse{}
	err = s.Store.View(ctx, func(tx store.Tx) error {
		rows, err := tx.ListDeclarations(ctx, q)
		if err != nil {
			return err
		}
		rows, resp.NextPageToken = paging.TimePage(rows, size, query, func(r store.Declaration) (time.Time, string) { return r.FilingTime, r.ID })
		for _, r := range rows {
			d, err := decode(r)
			if err != nil {
				return err
			}
			resp.Declarations = append(resp.Declarations, s.withPenalty(d))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

func money(code, amount string) *typev1.Money {
	return &typev1.Money{CurrencyCode: code, Amount: amount}
}
