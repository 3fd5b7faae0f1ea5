package exchange

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/eaeu/customs-exchange/internal/rules/dates"
)

func d(s string) time.Time { return dates.MustParse(s) }

func TestInitialDeadline(t *testing.T) {
	cases := []struct {
		name       string
		registered string
		want       string
	}{
		{"art. 371(6): one month, same date of the next month", "2026-03-10", "2026-04-10"},
		{"art. 371(6): month end, 31 January to 28 February", "2026-01-31", "2026-02-28"},
		{"art. 371(6): month end, 31 January to 29 February in a leap year", "2028-01-31", "2028-02-29"},
		{"art. 371(6): month end, 31 March to 30 April", "2026-03-31", "2026-04-30"},
		{"art. 371(6): 30 January to 28 February", "2026-01-30", "2026-02-28"},
		{"art. 371(6): December into the next year", "2026-12-15", "2027-01-15"},
		{"art. 371(6): 28 February to 28 March, not the month end", "2026-02-28", "2026-03-28"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := dates.Format(InitialDeadline(d(c.registered))); got != c.want {
				t.Fatalf("InitialDeadline(%s) = %s, want %s", c.registered, got, c.want)
			}
		})
	}
}

func TestSuspendAndResume(t *testing.T) {
	cases := []struct {
		name               string
		deadline, ask, ans string
		left               int
		resumed            string
		err                error
	}{
		{"art. 371(9): suspension keeps the days left, resumption adds them to the answer day", "2026-04-10", "2026-03-20", "2026-03-25", 21, "2026-04-15", nil},
		{"art. 371(9): suspension and answer the same day leave the deadline", "2026-04-10", "2026-03-20", "2026-03-20", 21, "2026-04-10", nil},
		{"art. 371(9): suspension on the deadline day keeps 0 days, resumes on the answer day", "2026-04-10", "2026-04-10", "2026-05-02", 0, "2026-05-02", nil},
		{"art. 371(9): suspension across a month end counts calendar days", "2026-02-28", "2026-02-10", "2026-03-30", 18, "2026-04-17", nil},
		{"art. 371(9): suspension after the deadline passed is refused", "2026-04-10", "2026-04-11", "", 0, "", ErrLapsed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			left, err := Suspend(d(c.deadline), d(c.ask))
			if !errors.Is(err, c.err) {
				t.Fatalf("Suspend error %v, want %v", err, c.err)
			}
			if err != nil {
				return
			}
			if left != c.left {
				t.Fatalf("days left %d, want %d", left, c.left)
			}
			got, err := Resume(d(c.ask), d(c.ans), left)
			if err != nil {
				t.Fatal(err)
			}
			if dates.Format(got) != c.resumed {
				t.Fatalf("resumed deadline %s, want %s", dates.Format(got), c.resumed)
			}
		})
	}
	t.Run("art. 371(9): an answer dated before the ask is refused", func(t *testing.T) {
		if _, err := Resume(d("2026-03-20"), d("2026-03-19"), 5); !errors.Is(err, ErrBeforeAsk) {
			t.Fatalf("error %v, want ErrBeforeAsk", err)
		}
	})
}

func TestExtend(t *testing.T) {
	cases := []struct {
		name            string
		deadline        string
		extended, asked bool
		want            string
		err             error
	}{
		{"art. 371(8)(2): extension by one month", "2026-04-10", false, true, "2026-05-10", nil},
		{"art. 371(8)(2): extension clamped to the month end, 31 May to 30 June", "2026-05-31", false, true, "2026-06-30", nil},
		{"art. 371(8)(2): a second extension is refused", "2026-05-10", true, true, "", ErrAlreadyExtended},
		{"art. 371(7), (8)(2): no extension without copies asked of other state bodies", "2026-04-10", false, false, "", ErrNoStateBodyRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Extend(d(c.deadline), c.extended, c.asked)
			if !errors.Is(err, c.err) {
				t.Fatalf("error %v, want %v", err, c.err)
			}
			if err == nil && dates.Format(got) != c.want {
				t.Fatalf("Extend = %s, want %s", dates.Format(got), c.want)
			}
		})
	}
}

func TestNoAnswerTwoMonthLimit(t *testing.T) {
	cases := []struct {
		name       string
		ask, today string
		from       string
		due        bool
	}{
		{"art. 371(10)(2): two-month limit, the last day is still in time", "2026-03-10", "2026-05-10", "2026-05-11", false},
		{"art. 371(10)(2): two-month limit, refusal due the day after", "2026-03-10", "2026-05-11", "2026-05-11", true},
		{"art. 371(10)(2): two-month limit clamped, 31 December to 28 February", "2026-12-31", "2027-02-28", "2027-03-01", false},
		{"art. 371(10)(2): two-month limit clamped, due on 1 March", "2026-12-31", "2027-03-01", "2027-03-01", true},
		{"art. 371(10)(2): two-month limit, long before", "2026-03-10", "2026-03-11", "2026-05-11", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := dates.Format(NoAnswerRefusalFrom(d(c.ask))); got != c.from {
				t.Fatalf("NoAnswerRefusalFrom = %s, want %s", got, c.from)
			}
			if got := NoAnswerRefusalDue(d(c.ask), d(c.today)); got != c.due {
				t.Fatalf("NoAnswerRefusalDue on %s = %v, want %v", c.today, got, c.due)
			}
		})
	}
}

func TestOverdue(t *testing.T) {
	cases := []struct {
		name            string
		deadline, today string
		want            bool
	}{
		{"art. 371(6): the deadline day itself is in time", "2026-04-10", "2026-04-10", false},
		{"art. 371(6): overdue the day after the deadline", "2026-04-10", "2026-04-11", true},
		{"art. 371(6): before the deadline", "2026-04-10", "2026-03-01", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Overdue(d(c.deadline), d(c.today)); got != c.want {
				t.Fatalf("Overdue = %v, want %v", got, c.want)
			}
		})
	}
}

func complete() Request {
	return Request{
		Requesting:        Body{Code: "55000000", MemberState: "KZ", Name: "State Revenue Committee"},
		Requested:         Body{Code: "10000000", MemberState: "RU", Name: "Central Excise Customs"},
		ReferencesArt371:  true,
		Circumstances:     "declared value differs from the export declaration",
		ProvisionsChecked: []string{"EAEU Customs Code art. 38"},
		Ground:            GroundDiscrepancies,
		Items:             []Item{{Document: true, Kind: true, Description: "export declaration 10000000/010126/0000001"}},
		SignerName:        "A. Head", SignerPosition: "Chairman", SignerCapacity: CapacityHead,
		Signed: true, OutgoingNumber: "KZ-2026-1", Date: "2026-03-01",
	}
}

func TestCheck(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(*Request)
		missing []string
	}{
		{"art. 371(3)-(4): a complete request", func(*Request) {}, nil},
		{"art. 371(4)(1): names of both bodies", func(r *Request) { r.Requesting.Name, r.Requested.Name = "", " " }, []string{"requesting_body", "requested_body"}},
		{"art. 371(4)(2): reference to art. 371", func(r *Request) { r.ReferencesArt371 = false }, []string{"legal_basis"}},
		{"art. 371(4)(3): circumstances", func(r *Request) { r.Circumstances = "" }, []string{"circumstances"}},
		{"art. 371(4)(3): provisions checked", func(r *Request) { r.ProvisionsChecked = []string{""} }, []string{"provisions_checked"}},
		{"art. 371(2), (4)(4): one of the three grounds", func(r *Request) { r.Ground = GroundNone }, []string{"ground"}},
		{"art. 371(2)(3): AEO applicant check is a ground", func(r *Request) { r.Ground = GroundAEOApplicant }, nil},
		{"art. 371(4)(5): list of documents and information", func(r *Request) { r.Items = nil }, []string{"requested_items"}},
		{"art. 371(4)(5): an item without a description", func(r *Request) { r.Items = append(r.Items, Item{Kind: true}) }, []string{"requested_items[1]"}},
		{"art. 371(3): signed by the head, a deputy or the acting head", func(r *Request) { r.SignerCapacity = CapacityNone }, []string{"signer.capacity"}},
		{"art. 371(3): the acting head may sign", func(r *Request) { r.SignerCapacity = CapacityActing }, nil},
		{"art. 371(3): signer's name", func(r *Request) { r.SignerName = "" }, []string{"signer"}},
		{"art. 371(3): electronic signature", func(r *Request) { r.Signed = false }, []string{"signature"}},
		{"art. 371(3): the letter's number and date", func(r *Request) { r.OutgoingNumber, r.Date = "", "" }, []string{"outgoing_number", "date"}},
		{"art. 371(1): another member state's body", func(r *Request) { r.Requested.MemberState = "KZ" }, []string{"requested_body"}},
		{"art. 371(4)(6): other information is optional", func(r *Request) { r.OtherInformation = "" }, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := complete()
			c.edit(&r)
			var got []string
			for _, m := range Check(r) {
				if m.Reason == "" {
					t.Fatalf("%s: no reason", m.Field)
				}
				got = append(got, m.Field)
			}
			if !slices.Equal(got, c.missing) {
				t.Fatalf("missing %v, want %v", got, c.missing)
			}
		})
	}
}
