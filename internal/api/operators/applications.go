package operators

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	operatorsv1 "github.com/eaeu/customs-exchange/gen/eaeu/operators/v1"
	"github.com/eaeu/customs-exchange/internal/api/mutation"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/register"
	"github.com/eaeu/customs-exchange/internal/rules/currency"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	rules "github.com/eaeu/customs-exchange/internal/rules/operators"
	"github.com/eaeu/customs-exchange/internal/store"
)

// SubmitApplication implements the RPC.
func (s *Server) SubmitApplication(ctx context.Context, req *operatorsv1.SubmitApplicationRequest) (*operatorsv1.SubmitApplicationResponse, error) {
	c := caller.From(ctx)
	det := req.GetApplication().GetDetails()
	if err := s.checkDetails(c, det); err != nil {
		return nil, err
	}
	return mutation.Run(ctx, s.Store, req, func() *operatorsv1.SubmitApplicationResponse { return &operatorsv1.SubmitApplicationResponse{} },
		func(ctx context.Context, tx store.Tx) (*operatorsv1.SubmitApplicationResponse, mutation.Result, error) {
			today := s.today()
			conds, err := s.conditions(ctx, tx, det, today)
			if err != nil {
				return nil, mutation.Result{}, err
			}
			id := uuid.NewString()
			now := s.now()
			app := &operatorsv1.Application{Name: "operatorApplications/" + id, Details: proto.Clone(det).(*operatorsv1.OperatorDetails),
				ApplicationDate: dates.Format(today), Status: operatorsv1.ApplicationStatus_APPLICATION_STATUS_SUBMITTED,
				Conditions: conds, CreateTime: timestamppb.New(now)}
			body, err := register.Encode(app)
			if err != nil {
				return nil, mutation.Result{}, err
			}
			if err := tx.CreateDocument(ctx, store.Document{Kind: register.KindApplication, Name: app.GetName(),
				Scope: det.GetLegalEntityNumber(), SortKey: fmt.Sprintf("%020d/%s", now.UnixNano(), id), Body: body,
				CreateTime: now, UpdateTime: now}); err != nil {
				return nil, mutation.Result{}, err
			}
			met := 0
			for _, x := range conds {
				if x.GetMet() {
					met++
				}
			}
			return &operatorsv1.SubmitApplicationResponse{Application: app}, mutation.Result{Resource: app.GetName(),
				Detail: fmt.Sprintf("%d of %d conditions met", met, len(conds))}, nil
		})
}

// checkDetails finds what the proto rules cannot.
func (s *Server) checkDetails(c caller.Caller, det *operatorsv1.OperatorDetails) error {
	var vs []errs.Violation
	add := func(f, format string, args ...any) {
		vs = append(vs, errs.Violation{Field: "application.details." + f, Description: fmt.Sprintf(format, args...)})
	}
	if det.GetLegalEntityNumber() != c.Subject.ID {
		add("legal_entity_number", "must be the caller's own legal entity number %q", c.Subject.ID)
	}
	if det.GetMemberState() != s.NodeState {
		add("member_state", "this node keeps the register of %s", s.NodeState)
	}
	today := s.today()
	for i, p := range det.GetPremises() {
		if p.GetOwned() {
			continue
		}
		end, err := dates.Parse(p.GetLeaseEndDate())
		switch {
		case err != nil:
			add(fmt.Sprintf("premises[%d].lease_end_date", i), "required for leased premises (YYYY-MM-DD)")
		case end.Before(today):
			add(fmt.Sprintf("premises[%d].lease_end_date", i), "the lease ended on %s, in the past", p.GetLeaseEndDate())
		}
	}
	for _, m := range []struct {
		f   string
		cur string
		amt string
	}{{"security.amount", det.GetSecurity().GetAmount().GetCurrencyCode(), det.GetSecurity().GetAmount().GetAmount()},
		{"insurance.insured_amount", det.GetInsurance().GetInsuredAmount().GetCurrencyCode(), det.GetInsurance().GetInsuredAmount().GetAmount()}} {
		if !currency.Known(m.cur) {
			add(m.f+".currency_code", "%q is not an active ISO 4217 currency", m.cur)
		}
		if strings.HasPrefix(m.amt, "-") {
			add(m.f+".amount", "must not be negative")
		}
	}
	for _, f := range []struct{ field, v string }{{"security.valid_until", det.GetSecurity().GetValidUntil()},
		{"insurance.valid_from", det.GetInsurance().GetValidFrom()}, {"insurance.valid_until", det.GetInsurance().GetValidUntil()}} {
		if _, err := dates.Parse(f.v); err != nil {
			add(f.field, "not a date (YYYY-MM-DD)")
		}
	}
	if len(vs) > 0 {
		return errs.Invalid(vs...)
	}
	return nil
}

// conditions checks art. 429.2 on the application date.
func (s *Server) conditions(ctx context.Context, tx store.Tx, det *operatorsv1.OperatorDetails, on time.Time) ([]*operatorsv1.ConditionResult, error) {
	a := rules.Applicant{
		ForSale:                det.GetScope() != operatorsv1.Scope_SCOPE_GOODS_BOUGHT_BY_INDIVIDUALS,
		InformationSystem:      det.GetInformationSystemEndpoint(),
		QualifiedEmployees:     det.GetQualifiedEmployeeCertificates(),
		BankruptcyProceedings:  det.GetBankruptcyProceedings(),
		ExtraConditionEvidence: det.GetExtraConditionEvidence(),
	}
	for _, p := range det.GetPremises() {
		end, _ := dates.Parse(p.GetLeaseEndDate())
		a.Premises = append(a.Premises, rules.Premises{Owned: p.GetOwned(), LeaseEnd: end,
			Warehouse: p.GetKind() == operatorsv1.PremisesKind_PREMISES_KIND_CUSTOMS_WAREHOUSE, UnderCWProced: p.GetCustomsWarehouseProcedure()})
	}
	var err error
	if a.SecurityAmount, err = s.national(ctx, tx, det.GetSecurity().GetAmount(), on, "application.details.security.amount"); err != nil {
		return nil, err
	}
	if a.InsuranceAmount, err = s.national(ctx, tx, det.GetInsurance().GetInsuredAmount(), on, "application.details.insurance.insured_amount"); err != nil {
		return nil, err
	}
	a.SecurityValidUntil, _ = dates.Parse(det.GetSecurity().GetValidUntil())
	a.InsuranceFrom, _ = dates.Parse(det.GetInsurance().GetValidFrom())
	a.InsuranceUntil, _ = dates.Parse(det.GetInsurance().GetValidUntil())
	if a.OverdueCustomsPayments, err = s.overdue(ctx, tx, det.GetLegalEntityNumber()); err != nil {
		return nil, err
	}
	req := rules.Requirements{QualifiedEmployees: s.Requirements.QualifiedEmployees, ExtraConditions: s.Requirements.ExtraConditions}
	if s.Requirements.SecurityMinimum != nil {
		if req.SecurityMinimum, err = s.national(ctx, tx, s.Requirements.SecurityMinimum, on, "security minimum"); err != nil {
			return nil, fmt.Errorf("the configured security minimum: %w", err)
		}
	}
	if s.Requirements.SecurityMinimumForSale != nil {
		if req.SecurityMinimumForSale, err = s.national(ctx, tx, s.Requirements.SecurityMinimumForSale, on, "security minimum"); err != nil {
			return nil, fmt.Errorf("the configured security minimum for goods for sale: %w", err)
		}
	}
	var out []*operatorsv1.ConditionResult
	for _, r := range rules.Check(a, req, on) {
		out = append(out, &operatorsv1.ConditionResult{Code: r.Code, Article: r.Article, Met: r.Met, Detail: r.Detail})
	}
	return out, nil
}

// overdue reports whether any declaration filed under a register number of
// the legal entity has an obligation due and unpaid (art. 429.2(1)(3)).
func (s *Server) overdue(ctx context.Context, tx store.Tx, legalEntity string) (bool, error) {
	numbers, err := register.RegisterNumbers(ctx, tx, legalEntity)
	if err != nil {
		return false, err
	}
	for _, n := range numbers {
		rows, err := tx.ListDeclarations(ctx, store.DeclarationQuery{Operator: n, Limit: 100000})
		if err != nil {
			return false, err
		}
		for _, r := range rows {
			if strings.Contains(string(r.Body), `"OBLIGATION_STATE_DUE"`) {
				return true, nil
			}
		}
	}
	return false, nil
}

func (s *Server) loadApplication(ctx context.Context, tx store.Tx, c caller.Caller, name string) (store.Document, *operatorsv1.Application, error) {
	doc, err := tx.GetDocument(ctx, register.KindApplication, name)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !ownsEntity(c, doc.Scope)) {
		return doc, nil, errs.NotFound(name)
	}
	if err != nil {
		return doc, nil, err
	}
	app := &operatorsv1.Application{}
	return doc, app, register.Decode(doc, app)
}

// GetApplication implements the RPC.
func (s *Server) GetApplication(ctx context.Context, req *operatorsv1.GetApplicationRequest) (*operatorsv1.GetApplicationResponse, error) {
	c := caller.From(ctx)
	var out *operatorsv1.Application
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		_, out, err = s.loadApplication(ctx, tx, c, req.GetName())
		return err
	})
	if err != nil {
		return nil, err
	}
	return &operatorsv1.GetApplicationResponse{Application: out}, nil
}

// DecideApplication implements the RPC.
func (s *Server) DecideApplication(ctx context.Context, req *operatorsv1.DecideApplicationRequest) (*operatorsv1.DecideApplicationResponse, error) {
	c := caller.From(ctx)
	if !req.GetInclude() && strings.TrimSpace(req.GetNote()) == "" {
		return nil, errs.Field("note", "a rejection states its reasons")
	}
	return mutation.Run(ctx, s.Store, req, func() *operatorsv1.DecideApplicationResponse { return &operatorsv1.DecideApplicationResponse{} },
		func(ctx context.Context, tx store.Tx) (*operatorsv1.DecideApplicationResponse, mutation.Result, error) {
			doc, app, err := s.loadApplication(ctx, tx, c, req.GetName())
			if err != nil {
				return nil, mutation.Result{}, err
			}
			if app.GetStatus() != operatorsv1.ApplicationStatus_APPLICATION_STATUS_SUBMITTED {
				return nil, mutation.Result{}, errs.WrongState("%s is already %s", app.GetName(), app.GetStatus())
			}
			resp := &operatorsv1.DecideApplicationResponse{}
			app.DecisionNote = req.GetNote()
			if !req.GetInclude() {
				app.Status = operatorsv1.ApplicationStatus_APPLICATION_STATUS_REJECTED
			} else {
				var unmet []string
				for _, x := range app.GetConditions() {
					if !x.GetMet() {
						unmet = append(unmet, x.GetCode()+" ("+x.GetArticle()+")")
					}
				}
				if len(unmet) > 0 {
					return nil, mutation.Result{}, errs.WrongState("not every condition is met: %s; reject the application with these reasons", strings.Join(unmet, ", "))
				}
				legal := app.GetDetails().GetLegalEntityNumber()
				if n, active, err := register.ActiveRegisterNumber(ctx, tx, legal); err != nil {
					return nil, mutation.Result{}, err
				} else if active {
					return nil, mutation.Result{}, errs.AlreadyExists("legal entity " + legal + " is already on the register as " + n)
				}
				if resp.Operator, err = s.include(ctx, tx, app); err != nil {
					return nil, mutation.Result{}, err
				}
				app.Status, app.Operator = operatorsv1.ApplicationStatus_APPLICATION_STATUS_INCLUDED, resp.Operator.GetName()
			}
			if doc.Body, err = register.Encode(app); err != nil {
				return nil, mutation.Result{}, err
			}
			doc.UpdateTime = s.now()
			if err := tx.UpdateDocument(ctx, doc, doc.Revision); err != nil {
				return nil, mutation.Result{}, err
			}
			resp.Application = app
			return resp, mutation.Result{Resource: app.GetName(), Detail: app.GetStatus().String() + " " + app.GetOperator()}, nil
		})
}

// include puts the applicant on the register with the next register number.
func (s *Server) include(ctx context.Context, tx store.Tx, app *operatorsv1.Application) (*operatorsv1.Operator, error) {
	serial, err := tx.NextSerial(ctx, "operator-register/"+s.NodeState)
	if err != nil {
		return nil, err
	}
	number := fmt.Sprintf("%s-EO-%07d", s.NodeState, serial)
	op := &operatorsv1.Operator{Name: "operators/" + number, RegisterNumber: number, Details: app.GetDetails(),
		InclusionDate: dates.Format(s.today()), Status: operatorsv1.OperatorStatus_OPERATOR_STATUS_ACTIVE, Application: app.GetName()}
	body, err := register.Encode(op)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if err := tx.CreateDocument(ctx, store.Document{Kind: register.KindOperator, Name: op.GetName(),
		Scope: app.GetDetails().GetLegalEntityNumber(), SortKey: number, Body: body, CreateTime: now, UpdateTime: now}); err != nil {
		return nil, err
	}
	return op, nil
}
