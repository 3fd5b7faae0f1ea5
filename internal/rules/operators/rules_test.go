package operators

import (
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/eaeu/customs-exchange/internal/rules/calendar"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
)

func d(s string) time.Time { return dates.MustParse(s) }

func good() Applicant {
	return Applicant{
		Premises:           []Premises{{Owned: false, LeaseEnd: d("2028-01-01")}, {Owned: true, Warehouse: true, UnderCWProced: true}},
		ForSale:            true,
		SecurityAmount:     *apd.New(600_000_000, 0),
		SecurityValidUntil: d("2027-12-31"),
		InsuranceAmount:    *apd.New(10_000_000, 0),
		InsuranceFrom:      d("2026-01-01"), InsuranceUntil: d("2026-12-31"),
		InformationSystem:      "https://is.operator.example:443/customs",
		QualifiedEmployees:     []string{"QC-1", "QC-2"},
		ExtraConditionEvidence: map[string]string{"capital": "charter No 5"},
	}
}

var req = Requirements{SecurityMinimum: *apd.New(500_000_000, 0), QualifiedEmployees: true,
	ExtraConditions: map[string]string{"capital": "charter capital of at least 10 million"}}

func TestCheck(t *testing.T) {
	on := d("2026-11-23")
	cases := []struct {
		name  string
		edit  func(*Applicant, *Requirements)
		unmet string // the one condition expected unmet; "" for none
	}{
		{"art. 429.2: every condition met", func(*Applicant, *Requirements) {}, ""},
		{"art. 429.2(1)(1): lease ends in less than a year", func(a *Applicant, _ *Requirements) { a.Premises[0].LeaseEnd = d("2027-11-22") }, "lease-one-year"},
		{"art. 429.2(1)(1): lease ends exactly a year later", func(a *Applicant, _ *Requirements) { a.Premises[0].LeaseEnd = d("2027-11-23") }, ""},
		{"art. 429.2(1)(1): no premises at all", func(a *Applicant, _ *Requirements) { a.Premises, a.ForSale = nil, false }, "premises"},
		{"art. 309.6: goods for sale need a customs warehouse", func(a *Applicant, _ *Requirements) { a.Premises[1].UnderCWProced = false }, "customs-warehouse"},
		{"art. 429.2(4): security below the minimum", func(a *Applicant, _ *Requirements) { a.SecurityAmount = *apd.New(499_999_999, 0) }, "security-amount"},
		{"art. 429.2(4): higher national amount for goods for sale", func(_ *Applicant, r *Requirements) { r.SecurityMinimumForSale = *apd.New(700_000_000, 0) }, "security-amount"},
		{"art. 429.2(1)(2): security expired", func(a *Applicant, _ *Requirements) { a.SecurityValidUntil = d("2026-11-22") }, "security-valid"},
		{"art. 429.2(1)(3): overdue customs payments", func(a *Applicant, _ *Requirements) { a.OverdueCustomsPayments = true }, "no-overdue-payments"},
		{"art. 429.2(1)(3): bankruptcy proceedings", func(a *Applicant, _ *Requirements) { a.BankruptcyProceedings = true }, "no-bankruptcy"},
		{"art. 429.2(1)(4): no information system", func(a *Applicant, _ *Requirements) { a.InformationSystem = "" }, "information-system"},
		{"art. 429.2(1)(5): insurance not yet in force", func(a *Applicant, _ *Requirements) { a.InsuranceFrom = d("2026-11-24") }, "insurance"},
		{"art. 429.2(3): one qualified employee", func(a *Applicant, _ *Requirements) { a.QualifiedEmployees = []string{"QC-1", "QC-1"} }, "qualified-employees"},
		{"art. 429.2(3): not required by the state", func(a *Applicant, r *Requirements) { a.QualifiedEmployees = nil; r.QualifiedEmployees = false }, ""},
		{"art. 429.2(2): extra national condition without evidence", func(a *Applicant, _ *Requirements) { a.ExtraConditionEvidence = nil }, "extra-capital"},
	}
	for _, c := range cases {
		a, r := good(), req
		c.edit(&a, &r)
		rs := Check(a, r, on)
		var unmet []string
		for _, x := range rs {
			if !x.Met {
				unmet = append(unmet, x.Code)
			}
			if x.Article == "" {
				t.Errorf("%s: condition %s has no article", c.name, x.Code)
			}
		}
		want := 0
		if c.unmet != "" {
			want = 1
		}
		if len(unmet) != want || (want == 1 && unmet[0] != c.unmet) || AllMet(rs) != (want == 0) {
			t.Errorf("%s: unmet %v, want [%s]", c.name, unmet, c.unmet)
		}
	}
}

func TestFollowUpsAndNotices(t *testing.T) {
	cal, err := calendar.New("KZ", []calendar.Exception{{Date: d("2026-12-16"), Kind: calendar.Holiday, Description: "Independence Day"}})
	if err != nil {
		t.Fatal(err)
	}
	fs := FollowUps(cal, d("2026-12-11"), true, true) // a Friday
	want := map[FollowUpKind]string{
		TemporaryStorageOperations:  "2027-01-25", // art. 429.5: 30 working days, 16 Dec a holiday
		NotifyOtherOperators:        "2026-12-17", // art. 429.5: 3 working days over a weekend and a holiday
		DeclareBoughtWarehouseGoods: "2027-01-15", // art. 429.5, 309.6: 15th of the next month, over the year end
		EndUnsoldWarehouseGoods:     "2027-02-09", // art. 429.5: 60 calendar days
	}
	if len(fs) != 4 {
		t.Fatalf("got %d follow-ups", len(fs))
	}
	for _, f := range fs {
		if got := dates.Format(f.Due); got != want[f.Kind] {
			t.Errorf("follow-up %d: due %s, want %s", f.Kind, got, want[f.Kind])
		}
	}
	if n := len(FollowUps(cal, d("2026-12-11"), true, false)); n != 2 {
		t.Errorf("temporary storage only: %d follow-ups, want 2", n)
	}
	// art. 429.5: a change on Thursday 10 Dec must be notified by Friday 18
	// Dec (5 working days, 16 Dec a holiday).
	if got := dates.Format(ChangeNoticeDue(cal, d("2026-12-10"))); got != "2026-12-18" {
		t.Errorf("notice due %s, want 2026-12-18", got)
	}
}
