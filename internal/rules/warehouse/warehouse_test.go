package warehouse

import (
	"errors"
	"testing"
	"time"

	"github.com/eaeu/customs-exchange/internal/rules/calendar"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
)

func day(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	return dates.MustParse(s)
}

func format(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return dates.Format(t)
}

// kz is a Kazakh calendar with the public holidays the cases cross and one
// Saturday made a working day.
func kz(t *testing.T) *calendar.Calendar {
	t.Helper()
	c, err := calendar.New("KZ", []calendar.Exception{
		{Date: day("2026-12-16"), Kind: calendar.Holiday, Description: "Independence Day"},
		{Date: day("2027-01-01"), Kind: calendar.Holiday, Description: "New Year"},
		{Date: day("2027-01-02"), Kind: calendar.Holiday, Description: "New Year"},
		{Date: day("2027-01-07"), Kind: calendar.Holiday, Description: "Orthodox Christmas"},
		{Date: day("2026-11-28"), Kind: calendar.Working, Description: "transfer"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDeclarationDeadline(t *testing.T) {
	cases := []struct {
		name, purchase, want string
	}{
		{"art. 309.6(13): mid-month purchase, the 15th of the next month", "2026-11-23", "2026-12-15"},
		{"art. 309.6(13): first day of the month", "2026-03-01", "2026-04-15"},
		{"art. 309.6(13): month end, 31 January to 15 February", "2026-01-31", "2026-02-15"},
		{"art. 309.6(13): month end, 28 February of a common year", "2026-02-28", "2026-03-15"},
		{"art. 309.6(13): month end, 29 February of a leap year", "2028-02-29", "2028-03-15"},
		{"art. 309.6(13): the 15th itself, a month ahead", "2026-06-15", "2026-07-15"},
		{"art. 309.6(13): 1 December to 15 January of the next year", "2026-12-01", "2027-01-15"},
		{"art. 309.6(13): 31 December to 15 January of the next year", "2026-12-31", "2027-01-15"},
		{"art. 309.6(13): the deadline is a calendar date, even on a Saturday", "2026-07-20", "2026-08-15"},
	}
	for _, c := range cases {
		if got := format(DeclarationDeadline(day(c.purchase))); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

func TestRefusalDeadline(t *testing.T) {
	cal := kz(t)
	cases := []struct {
		name, refusal, want string
	}{
		{"art. 309.6(13): refusal on a Monday, over a weekend", "2026-11-16", "2026-11-23"},
		{"art. 309.6(13): refusal on a Thursday, over a weekend", "2026-11-19", "2026-11-26"},
		{"art. 309.6(13): refusal on a Friday, counted from the day after", "2026-11-20", "2026-11-27"},
		{"art. 309.6(13): refusal on a Sunday", "2026-11-22", "2026-11-27"},
		{"art. 309.6(13): over a public holiday (16 December)", "2026-12-14", "2026-12-22"},
		{"art. 309.6(13): over a weekend and the New Year and Christmas holidays", "2026-12-30", "2027-01-08"},
		{"art. 309.6(13): a Saturday made a working day counts", "2026-11-24", "2026-11-30"},
	}
	for _, c := range cases {
		if got := format(RefusalDeadline(cal, day(c.refusal))); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

func TestDueDates(t *testing.T) {
	placement := day("2026-10-01")
	cases := []struct {
		name string
		got  time.Time
		want string
	}{
		{"art. 309.6(17)(1): lost on a known day, due that day", DueOnLoss(day("2026-11-02"), placement), "2026-11-02"},
		{"art. 309.6(17)(1): day of loss unknown, due on the day of placement", DueOnLoss(time.Time{}, placement), "2026-10-01"},
		{"art. 309.6(17)(2): deadline missed, due on its last day", DueOnMissedDeadline(day("2026-12-15")), "2026-12-15"},
		{"art. 309.6(17)(3): removed on a known day, due that day", DueOnRemoval(day("2026-11-03"), placement), "2026-11-03"},
		{"art. 309.6(17)(3): day of removal unknown, due on the day of placement", DueOnRemoval(time.Time{}, placement), "2026-10-01"},
	}
	for _, c := range cases {
		if got := format(c.got); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

func TestNewPurchase(t *testing.T) {
	today := day("2026-11-23")
	p, err := NewPurchase(day("2026-11-10"), day("2026-11-01"), today)
	if err != nil || p.Status != Open || format(p.Deadline) != "2026-12-15" {
		t.Fatalf("art. 309.6(13): opened with the deadline: %+v %v", p, err)
	}
	cases := []struct {
		name                string
		purchase, placement string
		want                []error
	}{
		{"art. 309.6: purchase in the future", "2026-11-24", "2026-11-01", []error{ErrPurchaseInFuture}},
		{"art. 309.6: placed after the purchase", "2026-11-10", "2026-11-11", []error{ErrPlacementAfterPurchase}},
		{"art. 309.6: both at once", "2026-11-25", "2026-11-26", []error{ErrPurchaseInFuture, ErrPlacementAfterPurchase}},
		{"art. 309.6: purchase today, placed the same day", "2026-11-23", "2026-11-23", nil},
	}
	for _, c := range cases {
		_, err := NewPurchase(day(c.purchase), day(c.placement), today)
		if (err == nil) != (len(c.want) == 0) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.want)
			continue
		}
		for _, w := range c.want {
			if !errors.Is(err, w) {
				t.Errorf("%s: error %v, want %v", c.name, err, w)
			}
		}
	}
}

type step struct {
	kind EventKind
	date string
}

func TestApply(t *testing.T) {
	cal := kz(t)
	// Bought on 10 November 2026, placed on 1 November: declare by 15 December.
	cases := []struct {
		name   string
		today  string
		steps  []step
		err    error // of the last step
		status Status
		// want deadline, due date and reason after the last step
		deadline, due string
		reason        DueReason
	}{
		{name: "art. 309.6(13): declared in time", today: "2026-11-23",
			steps: []step{{EventDeclared, "2026-11-20"}}, status: Declared, deadline: "2026-12-15"},
		{name: "art. 309.6(13): declared today when no date is given", today: "2026-11-23",
			steps: []step{{EventDeclared, ""}}, status: Declared, deadline: "2026-12-15"},
		{name: "art. 309.6(13): declared twice is refused", today: "2026-11-23",
			steps: []step{{EventDeclared, "2026-11-20"}, {EventDeclared, "2026-11-21"}}, err: ErrNotAllowed},
		{name: "art. 309.6(13): refusal on a Friday reopens with 5 working days", today: "2026-11-23",
			steps: []step{{EventDeclared, "2026-11-19"}, {EventReleaseRefused, "2026-11-20"}}, status: Open, deadline: "2026-11-27"},
		{name: "art. 309.6(13): refusal before a public holiday", today: "2026-12-14",
			steps: []step{{EventDeclared, "2026-12-10"}, {EventReleaseRefused, "2026-12-14"}}, status: Open, deadline: "2026-12-22"},
		{name: "art. 309.6(13): declared again after a refusal", today: "2026-11-24",
			steps:  []step{{EventDeclared, "2026-11-19"}, {EventReleaseRefused, "2026-11-20"}, {EventDeclared, "2026-11-24"}},
			status: Declared, deadline: "2026-11-27"},
		{name: "art. 309.6(13): a new declaration cannot precede the refusal", today: "2026-11-24",
			steps: []step{{EventDeclared, "2026-11-19"}, {EventReleaseRefused, "2026-11-20"}, {EventDeclared, "2026-11-19"}}, err: ErrEventDate},
		{name: "art. 309.6(13): no refusal without a declaration", today: "2026-11-23",
			steps: []step{{EventReleaseRefused, "2026-11-20"}}, err: ErrNotAllowed},
		{name: "art. 309.6(13): a refusal needs its date", today: "2026-11-23",
			steps: []step{{EventDeclared, "2026-11-19"}, {EventReleaseRefused, ""}}, err: ErrEventDate},
		{name: "art. 309.6(13): a refusal cannot precede the declaration", today: "2026-11-23",
			steps: []step{{EventDeclared, "2026-11-19"}, {EventReleaseRefused, "2026-11-18"}}, err: ErrEventDate},
		{name: "art. 309.6(13): a declaration cannot precede the purchase", today: "2026-11-23",
			steps: []step{{EventDeclared, "2026-11-05"}}, err: ErrEventDate},
		{name: "art. 309.6(17)(2): declared after the deadline is refused", today: "2026-12-20",
			steps: []step{{EventDeclared, "2026-12-16"}}, err: ErrDeadlinePassed},
		{name: "art. 309.6(17)(2): declared on the deadline's last day, recorded later", today: "2026-12-20",
			steps: []step{{EventDeclared, "2026-12-15"}}, status: Declared, deadline: "2026-12-15"},
		{name: "art. 309.6(17)(1): lost while open", today: "2026-11-23",
			steps: []step{{EventLost, "2026-11-21"}}, status: Due, deadline: "2026-12-15", due: "2026-11-21", reason: Loss},
		{name: "art. 309.6(17)(1): lost after the declaration, day unknown: placement", today: "2026-11-23",
			steps: []step{{EventDeclared, "2026-11-20"}, {EventLost, ""}}, status: Due, deadline: "2026-12-15", due: "2026-11-01", reason: Loss},
		{name: "art. 309.6(17)(3): removed without notice", today: "2026-11-23",
			steps: []step{{EventRemovedWithoutNotice, "2026-11-22"}}, status: Due, deadline: "2026-12-15", due: "2026-11-22", reason: RemovedWithoutNotice},
		{name: "art. 309.6(17)(3): removed, day unknown: placement", today: "2026-11-23",
			steps: []step{{EventRemovedWithoutNotice, ""}}, status: Due, deadline: "2026-12-15", due: "2026-11-01", reason: RemovedWithoutNotice},
		{name: "art. 309.6(17): lost after the deadline passed: due on the deadline", today: "2026-12-20",
			steps: []step{{EventLost, "2026-12-18"}}, status: Due, deadline: "2026-12-15", due: "2026-12-15", reason: MissedDeadline},
		{name: "art. 309.6(17): lost before the deadline, recorded after it", today: "2026-12-20",
			steps: []step{{EventLost, "2026-12-14"}}, status: Due, deadline: "2026-12-15", due: "2026-12-14", reason: Loss},
		{name: "art. 309.6(17): nothing is recorded once due", today: "2026-11-23",
			steps: []step{{EventLost, "2026-11-21"}, {EventDeclared, "2026-11-22"}}, err: ErrNotAllowed},
		{name: "art. 309.6(17): due twice is refused", today: "2026-11-23",
			steps: []step{{EventRemovedWithoutNotice, ""}, {EventLost, ""}}, err: ErrNotAllowed},
		{name: "art. 309.6: an event in the future is refused", today: "2026-11-23",
			steps: []step{{EventLost, "2026-11-24"}}, err: ErrEventDate},
		{name: "art. 309.6: an event before placement is refused", today: "2026-11-23",
			steps: []step{{EventRemovedWithoutNotice, "2026-10-31"}}, err: ErrEventDate},
	}
	for _, c := range cases {
		p, err := NewPurchase(day("2026-11-10"), day("2026-11-01"), day("2026-11-10"))
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range c.steps {
			p, err = Apply(p, Event{Kind: s.kind, Date: day(s.date)}, day(c.today), cal)
			if err != nil && i < len(c.steps)-1 {
				t.Fatalf("%s: step %d: %v", c.name, i, err)
			}
		}
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("%s: error %v, want %v", c.name, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if p.Status != c.status || format(p.Deadline) != c.deadline || format(p.DueDate) != c.due || p.DueReason != c.reason {
			t.Errorf("%s: got %v deadline %s due %s %v; want %v deadline %s due %s %v", c.name,
				p.Status, format(p.Deadline), format(p.DueDate), p.DueReason, c.status, c.deadline, c.due, c.reason)
		}
	}
}

func TestOverdue(t *testing.T) {
	open := Purchase{PurchaseDate: day("2026-11-10"), PlacementDate: day("2026-11-01"), Status: Open, Deadline: day("2026-12-15")}
	declared := open
	declared.Status = Declared
	due := open
	due.Status, due.DueDate, due.DueReason = Due, day("2026-11-01"), Loss
	cases := []struct {
		name  string
		p     Purchase
		today string
		want  bool
	}{
		{"art. 309.6(17)(2): the day after the deadline, due on the deadline", open, "2026-12-16", true},
		{"art. 309.6(17)(2): months after the deadline, still due on the deadline", open, "2027-03-01", true},
		{"art. 309.6(17)(2): on the deadline's last day, not yet", open, "2026-12-15", false},
		{"art. 309.6(17)(2): declared in time, never overdue", declared, "2027-03-01", false},
		{"art. 309.6(17)(2): due already, not marked again", due, "2027-03-01", false},
	}
	for _, c := range cases {
		got, ok := Overdue(c.p, day(c.today))
		if ok != c.want {
			t.Errorf("%s: got %v, want %v", c.name, ok, c.want)
			continue
		}
		if ok && (got.Status != Due || got.DueReason != MissedDeadline || format(got.DueDate) != "2026-12-15") {
			t.Errorf("%s: marked %+v", c.name, got)
		}
		if !ok && got != c.p {
			t.Errorf("%s: changed a purchase it did not mark: %+v", c.name, got)
		}
	}
}
