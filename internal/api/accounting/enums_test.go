package accounting

import (
	"testing"

	operatorsv1 "github.com/eaeu/customs-exchange/gen/eaeu/operators/v1"
	rules "github.com/eaeu/customs-exchange/internal/rules/accounting"
)

// TestEnumsMatchRules: the handlers convert between the proto enums and
// the rules' types by number; the names must agree too.
func TestEnumsMatchRules(t *testing.T) {
	for s := rules.InTemporaryStorage; s <= rules.DestroyedOrLost; s++ {
		if got := operatorsv1.AccountingItemState(s).String(); got != "ACCOUNTING_ITEM_STATE_"+s.Name() {
			t.Errorf("state %d: proto %s, rules %s", s, got, s.Name())
		}
	}
	for k := rules.TemporaryStoragePlacement; k < rules.NumEventKinds; k++ {
		if got := operatorsv1.AccountingEventKind(k).String(); got != "ACCOUNTING_EVENT_KIND_"+k.Name() {
			t.Errorf("kind %d: proto %s, rules %s", k, got, k.Name())
		}
	}
	for _, d := range rules.Discrepancies {
		if got := operatorsv1.AccountingDiscrepancyKind(d).String(); got != "ACCOUNTING_DISCREPANCY_KIND_"+d.String() {
			t.Errorf("discrepancy %d: proto %s, rules %s", d, got, d)
		}
	}
	for _, a := range rules.Accounts {
		if got := operatorsv1.AccountingReportAccount(a).String(); got != "ACCOUNTING_REPORT_ACCOUNT_"+a.Name() {
			t.Errorf("account %d: proto %s, rules %s", a, got, a.Name())
		}
	}
	if n := len(operatorsv1.AccountingItemState_name); n != int(rules.DestroyedOrLost)+1 {
		t.Errorf("%d proto states", n)
	}
	if n := len(operatorsv1.AccountingEventKind_name); n != int(rules.NumEventKinds) {
		t.Errorf("%d proto event kinds", n)
	}
}
