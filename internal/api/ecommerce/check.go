package ecommerce

import (
	"context"
	"fmt"
	"time"

	authv1 "github.com/eaeu/customs-exchange/gen/eaeu/auth/v1"
	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/rules/currency"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	rules "github.com/eaeu/customs-exchange/internal/rules/ecommerce"
)

type violations []errs.Violation

func (v *violations) add(field, format string, args ...any) {
	*v = append(*v, errs.Violation{Field: field, Description: fmt.Sprintf(format, args...)})
}

// checkParcels finds what the proto rules cannot: duplicate parcel and item
// numbers, zero weights and quantities, unknown currencies.
func checkParcels(ps []*ecommercev1.Parcel, field string, v *violations) {
	parcelSeen := map[string]int{}
	itemSeen := map[string]string{}
	for i, p := range ps {
		pf := fmt.Sprintf("%s[%d]", field, i)
		if j, dup := parcelSeen[p.GetParcelNumber()]; dup {
			v.add(pf+".parcel_number", "duplicate: the same number as %s[%d]", field, j)
		}
		parcelSeen[p.GetParcelNumber()] = i
		if w, err := decimal(p.GetGrossWeightKg()); err != nil || w.Sign() <= 0 {
			v.add(pf+".gross_weight_kg", "must be a positive weight in kg")
		}
		for k, it := range p.GetItems() {
			f := fmt.Sprintf("%s.items[%d]", pf, k)
			if prev, dup := itemSeen[it.GetItemId()]; dup {
				v.add(f+".item_id", "duplicate: already used by %s", prev)
			}
			itemSeen[it.GetItemId()] = f
			if q, err := decimal(it.GetQuantity()); err != nil || q.Sign() <= 0 {
				v.add(f+".quantity", "must be positive")
			}
			if p, err := decimal(it.GetPrice().GetAmount()); err != nil || p.Sign() < 0 {
				v.add(f+".price.amount", "must not be negative")
			}
			if !currency.Known(it.GetPrice().GetCurrencyCode()) {
				v.add(f+".price.currency_code", "%q is not an active ISO 4217 currency", it.GetPrice().GetCurrencyCode())
			}
		}
	}
}

// checkFiling checks a declaration to be filed by c on the date filed.
func (s *Server) checkFiling(ctx context.Context, refs refView, c caller.Caller, d *ecommercev1.Declaration, filed time.Time) error {
	var v violations
	switch d.GetDeclarant().GetKind() {
	case ecommercev1.DeclarantKind_DECLARANT_KIND_OPERATOR:
		if c.Role != authv1.Role_ROLE_OPERATOR {
			v.add("declaration.declarant.kind", "only an e-commerce operator may declare as one")
			break
		}
		// art. 429.1: only an operator on the register declares.
		op, err := refs.activeOperator(ctx, c.Subject.ID)
		if err != nil {
			return err
		}
		switch number := op.number; {
		case !op.active:
			v.add("declaration.declarant.operator_register_number", "the caller is not on the register of e-commerce operators (or was excluded)")
		case d.GetDeclarant().GetOperatorRegisterNumber() != number:
			v.add("declaration.declarant.operator_register_number", "must be the caller's own register number %q", number)
		}
	case ecommercev1.DeclarantKind_DECLARANT_KIND_INDIVIDUAL:
		if c.Role != authv1.Role_ROLE_INDIVIDUAL {
			v.add("declaration.declarant.kind", "an operator declares as DECLARANT_KIND_OPERATOR")
		} else if recipientID(d.GetRecipient()) != c.Subject.ID {
			v.add("declaration.recipient", "an individual declares only goods for itself (its certificate id)")
		}
		if d.GetDeclarant().GetOperatorRegisterNumber() != "" {
			v.add("declaration.declarant.operator_register_number", "must be empty when the individual declares")
		}
	}
	r := d.GetRecipient()
	if r.GetIndividualNumber() == "" && (r.GetIdDocumentKind() == "" || r.GetIdDocumentNumber() == "") {
		v.add("declaration.recipient", "give the individual number, or the identity document kind and number")
	}
	if birth, err := dates.Parse(r.GetBirthDate()); err != nil {
		v.add("declaration.recipient.birth_date", "not a date (YYYY-MM-DD)")
	} else if !rules.OldEnough(birth, filed) {
		v.add("declaration.recipient.birth_date", "the recipient is under %d on the filing date %s and cannot be the declarant's principal (art. 309.2)",
			rules.MinimumDeclarantAge, dates.Format(filed))
	}
	checkParcels(d.GetParcels(), "declaration.parcels", &v)
	if err := s.checkCustomsBody(ctx, refs, d.GetCustomsBodyCode(), &v); err != nil {
		return err
	}
	// The rates must exist for the filing date, so that registration can
	// compute the duty.
	t, err := refs.tariff(ctx, s.NodeState, filed)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, p := range d.GetParcels() {
		for k, it := range p.GetItems() {
			code := it.GetPrice().GetCurrencyCode()
			if seen[code] || code == s.NationalCurrency || !currency.Known(code) {
				continue
			}
			seen[code] = true
			if _, ok := t.rates[code]; !ok {
				v.add(fmt.Sprintf("declaration.parcels[%d].items[%d].price.currency_code", i, k),
					"no exchange rate of %s is in force on %s", code, dates.Format(filed))
			}
		}
	}
	if len(v) > 0 {
		return errs.Invalid(v...)
	}
	return nil
}

// checkCustomsBody requires a customs body of this node's state in the
// directory.
func (s *Server) checkCustomsBody(ctx context.Context, r refView, code string, v *violations) error {
	b, err := r.customsBody(ctx, code)
	switch {
	case err != nil:
		return err
	case !b.found:
		v.add("declaration.customs_body_code", "customs body %s is not in the directory", code)
	case b.memberState != s.NodeState:
		v.add("declaration.customs_body_code", "customs body %s is of %s; declarations are filed in %s here", code, b.memberState, s.NodeState)
	}
	return nil
}
