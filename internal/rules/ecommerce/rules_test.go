package ecommerce

import (
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestOldEnough(t *testing.T) {
	cases := []struct {
		name          string
		birth, filing string
		want          bool
	}{
		{"art. 309.2: 16th birthday is the filing day", "2010-11-23", "2026-11-23", true},
		{"art. 309.2: one day short of 16", "2010-11-24", "2026-11-23", false},
		{"art. 309.2: adult", "1980-01-01", "2026-11-23", true},
		{"art. 309.2: born 29 Feb, 16 on 1 Mar of a common year", "2008-02-29", "2024-02-28", false},
		{"art. 309.2: born 29 Feb, 16 on 29 Feb of a leap year", "2008-02-29", "2024-02-29", true},
		{"art. 309.2: born 29 Feb, on 1 Mar of a common year", "2009-02-28", "2025-03-01", true},
	}
	for _, c := range cases {
		if got := OldEnough(day(c.birth), day(c.filing)); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func TestNumber(t *testing.T) {
	cases := []struct {
		name   string
		body   string
		date   string
		serial int64
		want   string
	}{
		{"EAEU form: body/DDMMYY/7-digit serial", "55201000", "2026-11-23", 1, "55201000/231126/0000001"},
		{"serial fills seven digits", "10702070", "2027-01-05", 1234567, "10702070/050127/1234567"},
	}
	for _, c := range cases {
		if got := Number(c.body, day(c.date), c.serial); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
	if SerialCounter("55201000", day("2026-11-23")) == SerialCounter("55201000", day("2026-11-24")) {
		t.Error("each registration date numbers from 1 again: counters must differ by date")
	}
}

func dec(s string) apd.Decimal {
	var d apd.Decimal
	if _, _, err := d.SetString(s); err != nil {
		panic(err)
	}
	return d
}

func TestSettle(t *testing.T) {
	cases := []struct {
		name                string
		assessed, paid      string
		balance, refundable string
		inFull              bool
	}{
		{"art. 309.9: nothing paid", "1234.50", "0", "1234.50", "0", false},
		{"art. 309.9: partial payment", "1234.50", "1000", "234.50", "0", false},
		{"art. 309.9: paid exactly", "1234.50", "1234.50", "0", "0", true},
		{"overpaid after an amendment lowered the duty: refundable", "1000.00", "1234.50", "0", "234.50", true},
		{"duty-free: nothing to pay", "0", "0", "0", "0", true},
	}
	for _, c := range cases {
		s := Settle(dec(c.assessed), dec(c.paid))
		if s.Balance.Cmp(ptr(dec(c.balance))) != 0 || s.Refundable.Cmp(ptr(dec(c.refundable))) != 0 || s.PaidInFull != c.inFull {
			t.Errorf("%s: got balance %s refundable %s inFull %v", c.name, s.Balance.String(), s.Refundable.String(), s.PaidInFull)
		}
	}
}

func ptr(d apd.Decimal) *apd.Decimal { return &d }

func TestReleaseObstacle(t *testing.T) {
	r := Restrictions{Prohibited: []string{"9302"}, NeedsPermit: []string{"3004"}}
	cases := []struct {
		name     string
		item     ItemCheck
		paid     bool
		fees     bool
		contains string
	}{
		{"art. 309.5(1): all conditions met", ItemCheck{HSCode: "6109100000"}, true, true, ""},
		{"art. 309.5(1)(1): duty unpaid", ItemCheck{HSCode: "6109100000"}, false, true, "not paid"},
		{"art. 309.5(1)(2): prohibited goods", ItemCheck{HSCode: "9302000000"}, true, true, "prohibited"},
		{"art. 309.5(1)(2): permit missing", ItemCheck{HSCode: "3004900009"}, true, true, "permit"},
		{"art. 309.5(1)(2): permit present", ItemCheck{HSCode: "3004900009", PermitNumber: "P-1"}, true, true, ""},
		{"art. 309.5(1)(3): fees before release unpaid", ItemCheck{HSCode: "6109100000"}, true, false, "fees"},
	}
	for _, c := range cases {
		got := r.Obstacle(c.item, c.paid, c.fees)
		if (c.contains == "") != (got == "") || !strings.Contains(got, c.contains) {
			t.Errorf("%s: got %q, want one containing %q", c.name, got, c.contains)
		}
	}
}
