package operators

import (
	"fmt"
	"regexp"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/eaeu/customs-exchange/internal/rules/dates"
)

// Premises is what the conditions need to know of a premises.
type Premises struct {
	Owned         bool
	LeaseEnd      time.Time // zero when owned
	Warehouse     bool      // a customs warehouse (else temporary storage)
	UnderCWProced bool      // placed under the customs warehouse procedure
}

// Applicant is an application as the conditions see it, with every amount
// already converted into the national currency at the application date's
// rates.
type Applicant struct {
	Premises               []Premises
	ForSale                bool // the scope includes goods for sale to individuals
	SecurityAmount         apd.Decimal
	SecurityValidUntil     time.Time
	InsuranceAmount        apd.Decimal
	InsuranceFrom          time.Time
	InsuranceUntil         time.Time
	InformationSystem      string
	QualifiedEmployees     []string
	OverdueCustomsPayments bool
	BankruptcyProceedings  bool
	ExtraConditionEvidence map[string]string
}

// Requirements are the member state's settings for the conditions.
type Requirements struct {
	// SecurityMinimum is the Commission's amount or a higher national one
	// (art. 429.2(4)), in national currency; SecurityMinimumForSale applies
	// instead when the scope includes goods for sale to individuals (zero:
	// the same).
	SecurityMinimum        apd.Decimal
	SecurityMinimumForSale apd.Decimal
	// QualifiedEmployees: the state requires at least 2 (art. 429.2(3)).
	QualifiedEmployees bool
	// ExtraConditions are the state's additional conditions (art. 429.2(2)),
	// code -> description; each is met by evidence in the application.
	ExtraConditions map[string]string
}

// Result is one condition, met or not, with its article.
type Result struct {
	Code    string
	Article string
	Met     bool
	Detail  string
}

// MinimumLeaseYears is how long a lease must still run on the application
// date (art. 429.2(1)(1)).
const MinimumLeaseYears = 1

var endpoint = regexp.MustCompile(`^(https?://)?[A-Za-z0-9.-]+(:[0-9]{1,5})?(/.*)?$`)

// Check evaluates every condition of art. 429.2 on the application date and
// returns all of them, in a fixed order.
func Check(a Applicant, req Requirements, on time.Time) []Result {
	var out []Result
	add := func(code, article string, met bool, format string, args ...any) {
		out = append(out, Result{Code: code, Article: article, Met: met, Detail: fmt.Sprintf(format, args...)})
	}

	// Premises, and the lease of each leased one.
	add("premises", "EAEU Customs Code art. 429.2(1)(1)", len(a.Premises) > 0, "%d premises declared", len(a.Premises))
	leaseOK, leaseDetail := true, "no leased premises"
	for i, p := range a.Premises {
		if p.Owned {
			continue
		}
		min := dates.AddMonthsClamped(on, 12*MinimumLeaseYears)
		if p.LeaseEnd.IsZero() || p.LeaseEnd.Before(min) {
			leaseOK = false
			leaseDetail = fmt.Sprintf("premises %d: the lease ends %s, before %s (one year from the application date)", i+1, fmtDate(p.LeaseEnd), dates.Format(min))
			break
		}
		leaseDetail = "every lease runs at least one year from the application date"
	}
	add("lease-one-year", "EAEU Customs Code art. 429.2(1)(1)", leaseOK, "%s", leaseDetail)
	if a.ForSale {
		ok := false
		for _, p := range a.Premises {
			ok = ok || (p.Warehouse && p.UnderCWProced)
		}
		add("customs-warehouse", "EAEU Customs Code art. 429.2(1)(1), 309.6", ok,
			"goods for sale to individuals need premises placed under the customs warehouse procedure")
	}

	// Security.
	min := req.SecurityMinimum
	if a.ForSale && req.SecurityMinimumForSale.Sign() > 0 {
		min = req.SecurityMinimumForSale
	}
	enough := a.SecurityAmount.Cmp(&min) >= 0
	add("security-amount", "EAEU Customs Code art. 429.2(1)(2), 429.2(4)", enough,
		"security %s against the minimum %s (national currency)", a.SecurityAmount.Text('f'), min.Text('f'))
	add("security-valid", "EAEU Customs Code art. 429.2(1)(2)", !a.SecurityValidUntil.Before(on),
		"the security is valid until %s", fmtDate(a.SecurityValidUntil))

	// No overdue payments, no bankruptcy, on the application date.
	add("no-overdue-payments", "EAEU Customs Code art. 429.2(1)(3)", !a.OverdueCustomsPayments,
		"%s", map[bool]string{true: "customs payments overdue on the application date", false: "no customs payments overdue"}[a.OverdueCustomsPayments])
	add("no-bankruptcy", "EAEU Customs Code art. 429.2(1)(3)", !a.BankruptcyProceedings,
		"%s", map[bool]string{true: "bankruptcy proceedings opened", false: "no bankruptcy proceedings"}[a.BankruptcyProceedings])

	// Information system.
	add("information-system", "EAEU Customs Code art. 429.2(1)(4)", a.InformationSystem != "" && endpoint.MatchString(a.InformationSystem),
		"information system endpoint %q", a.InformationSystem)

	// Insurance valid on the date.
	insured := a.InsuranceAmount.Sign() > 0 && !a.InsuranceFrom.After(on) && !a.InsuranceUntil.Before(on)
	add("insurance", "EAEU Customs Code art. 429.2(1)(5)", insured,
		"civil liability insured for %s from %s to %s", a.InsuranceAmount.Text('f'), fmtDate(a.InsuranceFrom), fmtDate(a.InsuranceUntil))

	// Qualified employees where required.
	if req.QualifiedEmployees {
		distinct := map[string]bool{}
		for _, c := range a.QualifiedEmployees {
			distinct[c] = true
		}
		add("qualified-employees", "EAEU Customs Code art. 429.2(3)", len(distinct) >= 2,
			"%d qualified employees with distinct certificates; at least 2 required", len(distinct))
	}

	// The state's extra conditions, in code order.
	for _, code := range sortedKeys(req.ExtraConditions) {
		ev := a.ExtraConditionEvidence[code]
		add("extra-"+code, "EAEU Customs Code art. 429.2(2)", ev != "", "%s: evidence %q", req.ExtraConditions[code], ev)
	}
	return out
}

// AllMet reports whether every condition is met.
func AllMet(rs []Result) bool {
	for _, r := range rs {
		if !r.Met {
			return false
		}
	}
	return true
}

func fmtDate(t time.Time) string {
	if t.IsZero() {
		return "(none)"
	}
	return dates.Format(t)
}
