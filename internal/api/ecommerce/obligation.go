package ecommerce

import (
	"github.com/cockroachdb/apd/v3"

	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	rules "github.com/eaeu/customs-exchange/internal/rules/ecommerce"
)

// setObligation recomputes the amounts of o from the amount assessed and the
// payments, and moves it to PAID when paid in full (art. 309.9).
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
	if o.GetState() == ecommercev1.ObligationState_OBLIGATION_STATE_ARISEN && st.PaidInFull && assessed.Sign() > 0 {
		o.State = ecommercev1.ObligationState_OBLIGATION_STATE_PAID
		o.TerminationReason = ecommercev1.TerminationReason_TERMINATION_REASON_PAID
	}
	return st
}

func assessedOf(d *ecommercev1.Declaration) apd.Decimal {
	a, _ := decimal(d.GetObligation().GetAssessed().GetAmount())
	return a
}
