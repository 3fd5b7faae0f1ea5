package ecommerce

import (
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	typev1 "github.com/eaeu/customs-exchange/gen/eaeu/type/v1"
	"github.com/eaeu/customs-exchange/internal/api/reference"
)

func TestPenaltyAccruesDailyAfterTheNotice(t *testing.T) {
	// 12:00 UTC on 3 Dec 2026 is 3 Dec in Almaty.
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	s := New(Deps{Deps: reference.Deps{NodeState: "KZ", NationalCurrency: "KZT", Now: func() time.Time { return now }}, MinorUnits: 2})
	s.PenaltyDailyRate = *apd.New(1, -4) // 0.01 % a day
	due := func(balance, notice string, state ecommercev1.ObligationState) *ecommercev1.Declaration {
		return &ecommercev1.Declaration{Obligation: &ecommercev1.Obligation{State: state, NoticeDate: notice,
			Balance: &typev1.Money{CurrencyCode: "KZT", Amount: balance}}}
	}
	cases := []struct {
		name    string
		d       *ecommercev1.Declaration
		penalty string
	}{
		{"art. 309.8: 10 days after the notice", due("6750.00", "2026-11-23", ecommercev1.ObligationState_OBLIGATION_STATE_DUE), "6.75"},
		{"art. 309.8: the day of the notice", due("6750.00", "2026-12-03", ecommercev1.ObligationState_OBLIGATION_STATE_DUE), "0.00"},
		{"rounded half up once: 1234.56 x 0.0001 x 3 = 0.370368", due("1234.56", "2026-11-30", ecommercev1.ObligationState_OBLIGATION_STATE_DUE), "0.37"},
		{"no penalty on an obligation that is not due", due("6750.00", "2026-11-23", ecommercev1.ObligationState_OBLIGATION_STATE_ARISEN), ""},
	}
	for _, c := range cases {
		got := s.withPenalty(c.d).GetObligation().GetPenalty().GetAmount()
		if got != c.penalty {
			t.Errorf("%s: got %q, want %q", c.name, got, c.penalty)
		}
	}
}
