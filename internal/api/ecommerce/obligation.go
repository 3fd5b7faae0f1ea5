package ecommerce

import (
	"context"
	"time"

	"github.com/cockroachdb/apd/v3"

	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	"github.com/eaeu/customs-exchange/internal/rules/duty"
	rules "github.com/eaeu/customs-exchange/internal/rules/ecommerce"
	"github.com/eaeu/customs-exchange/internal/store"
)

func zero() apd.Decimal { return apd.Decimal{} }

// setObligation recomputes the amounts of o from the amount assessed and the
// payments (art. 309.9): an open obligation paid in full becomes PAID; a
// PAID one whose duty an amendment raised is open again.
func setObligation(o *ecommercev1.Obligation, assessed apd.Decimal, payments []*ecommercev1.Payment, cur string) rules.Settlement {
	var paid apd.Decimal
	for _, p := range payments {
		a, _ := decimal(p.GetAmount().GetAmount())
		_, _ = apd.BaseContext.Add(&paid, &paid, &a)
	}
	st := rules.Settle(assessed, paid)
	o.Assessed = money(cur, assessed.Text('f'))
	o.Paid = money(cur, paid.Text('f'))
	o.Balance = money(cur, st.Balance.Text('f'))
	o.Refundable = money(cur, st.Refundable.Text('f'))
	switch o.GetState() {
	case ecommercev1.ObligationState_OBLIGATION_STATE_ARISEN, ecommercev1.ObligationState_OBLIGATION_STATE_DUE:
		if st.PaidInFull && assessed.Sign() > 0 {
			o.State = ecommercev1.ObligationState_OBLIGATION_STATE_PAID
			o.TerminationReason = ecommercev1.TerminationReason_TERMINATION_REASON_PAID
		}
	case ecommercev1.ObligationState_OBLIGATION_STATE_PAID:
		if !st.PaidInFull {
			o.State = ecommercev1.ObligationState_OBLIGATION_STATE_ARISEN
			o.TerminationReason = ecommercev1.TerminationReason_TERMINATION_REASON_UNSPECIFIED
		}
	}
	return st
}

// feesOf is the customs fees due before release fixed on d's obligation
// at registration (zero when none).
func feesOf(d *ecommercev1.Declaration) apd.Decimal {
	amount := d.GetObligation().GetFees().GetAmount()
	if amount == "" {
		return apd.Decimal{}
	}
	f, _ := decimal(amount)
	return f
}

// withFees is the amount assessed: the duty's total and the fees.
func withFees(dutyTotal, fees apd.Decimal) apd.Decimal {
	var a apd.Decimal
	_, _ = apd.BaseContext.Add(&a, &dutyTotal, &fees)
	return a
}

// releaseFee is the node's customs fees due before release for one
// declaration, at the national currency's minor units (art. 309.5).
func (s *Server) releaseFee() (apd.Decimal, error) {
	var f apd.Decimal
	ctx := apd.BaseContext.WithPrecision(34)
	ctx.Rounding = apd.RoundHalfUp
	_, err := ctx.Quantize(&f, &s.ReleaseFee, -s.MinorUnits)
	return f, err
}

func assessedOf(d *ecommercev1.Declaration) apd.Decimal {
	a, _ := decimal(d.GetObligation().GetAssessed().GetAmount())
	return a
}

func balanceOf(d *ecommercev1.Declaration) apd.Decimal {
	b, _ := decimal(d.GetObligation().GetBalance().GetAmount())
	return b
}

// afterRelease applies art. 309.8-309.9 to an amount left unpaid once goods
// are released: at most the equivalent of 5 EUR (at the registration
// date's rate) for one declaration of one individual ends the obligation
// with no notice; more is due, with a notice of unpaid amounts from today
// and a penalty accruing until paid.
func (s *Server) afterRelease(ctx context.Context, tx store.Tx, d *ecommercev1.Declaration) error {
	switch d.GetStatus() {
	case ecommercev1.DeclarationStatus_DECLARATION_STATUS_PARTIALLY_RELEASED, ecommercev1.DeclarationStatus_DECLARATION_STATUS_RELEASED:
	default:
		return nil
	}
	o := d.GetObligation()
	if o.GetState() != ecommercev1.ObligationState_OBLIGATION_STATE_ARISEN {
		return nil
	}
	unpaid := balanceOf(d)
	if unpaid.Sign() <= 0 {
		return nil
	}
	regDay, err := dates.Parse(d.GetRegistrationDate())
	if err != nil {
		return err
	}
	eur, err := s.rates.Resolve(ctx, tx, "EUR", regDay)
	if err != nil {
		return err
	}
	if duty.FiveEuroRule(unpaid, eur.Rate) {
		o.State, o.TerminationReason = ecommercev1.ObligationState_OBLIGATION_STATE_TERMINATED, ecommercev1.TerminationReason_TERMINATION_REASON_FIVE_EURO
		return nil
	}
	o.State = ecommercev1.ObligationState_OBLIGATION_STATE_DUE
	o.NoticeDate = dates.Format(s.today())
	return nil
}

// withPenalty fills the penalty of a DUE obligation as of today: the unpaid
// balance x the daily rate x the days since the notice, rounded half up to
// the currency's minor unit.
func (s *Server) withPenalty(d *ecommercev1.Declaration) *ecommercev1.Declaration {
	o := d.GetObligation()
	if o.GetState() != ecommercev1.ObligationState_OBLIGATION_STATE_DUE || s.PenaltyDailyRate.Sign() == 0 {
		return d
	}
	notice, err := dates.Parse(o.GetNoticeDate())
	if err != nil {
		return d
	}
	days := int64(s.today().Sub(notice) / (24 * time.Hour))
	if days < 0 {
		days = 0
	}
	unpaid := balanceOf(d)
	var p apd.Decimal
	ctx := apd.BaseContext.WithPrecision(34)
	_, _ = ctx.Mul(&p, &unpaid, &s.PenaltyDailyRate)
	_, _ = ctx.Mul(&p, &p, apd.New(days, 0))
	ctx.Rounding = apd.RoundHalfUp
	_, _ = ctx.Quantize(&p, &p, -s.MinorUnits)
	o.Penalty = money(s.NationalCurrency, p.Text('f'))
	return d
}

// statusOf is the declaration's status from its items' decisions.
func statusOf(d *ecommercev1.Declaration) ecommercev1.DeclarationStatus {
	released, pending := 0, 0
	for _, p := range d.GetParcels() {
		for _, it := range p.GetItems() {
			switch it.GetReleaseStatus() {
			case ecommercev1.ItemReleaseStatus_ITEM_RELEASE_STATUS_RELEASED:
				released++
			case ecommercev1.ItemReleaseStatus_ITEM_RELEASE_STATUS_PENDING:
				pending++
			}
		}
	}
	switch {
	case pending > 0 && released > 0:
		return ecommercev1.DeclarationStatus_DECLARATION_STATUS_PARTIALLY_RELEASED
	case pending > 0:
		return ecommercev1.DeclarationStatus_DECLARATION_STATUS_REGISTERED
	case released > 0:
		return ecommercev1.DeclarationStatus_DECLARATION_STATUS_RELEASED
	}
	return ecommercev1.DeclarationStatus_DECLARATION_STATUS_REFUSED
}
