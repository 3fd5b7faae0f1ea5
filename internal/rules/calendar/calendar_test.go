package calendar

import (
	"errors"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/eaeu/customs-exchange/internal/rules/currency"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
)

var day = dates.MustParse

// ruCalendar is a test calendar shaped like Russia's around the 2025/2026
// year end: the 1 November 2025 Saturday made working in exchange for
// Monday 3 November, National Unity Day on 4 November, 31 December 2025
// a day off, and the New Year holidays 1-8 January (two of them on the
// weekend).
func ruCalendar(t testing.TB) *Calendar {
	t.Helper()
	c, err := New("RU", []Exception{
		{day("2025-11-01"), Working, "moved from 3 November"},
		{day("2025-11-03"), Holiday, "moved from 1 November"},
		{day("2025-11-04"), Holiday, "National Unity Day"},
		{day("2025-12-31"), Holiday, "moved from 4 January"},
		{day("2026-01-01"), Holiday, "New Year holidays"},
		{day("2026-01-02"), Holiday, "New Year holidays"},
		{day("2026-01-03"), Holiday, "New Year holidays"}, // Saturday
		{day("2026-01-04"), Holiday, "New Year holidays"}, // Sunday
		{day("2026-01-05"), Holiday, "New Year holidays"},
		{day("2026-01-06"), Holiday, "New Year holidays"},
		{day("2026-01-07"), Holiday, "Orthodox Christmas"},
		{day("2026-01-08"), Holiday, "New Year holidays"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// kzCalendar is a test calendar shaped like Kazakhstan's spring 2026:
// Nauryz meiramy 21-23 March (the first two on the weekend), 1 May,
// 7 May, 9 May on a Saturday, with a Saturday made working.
func kzCalendar(t testing.TB) *Calendar {
	t.Helper()
	c, err := New("KZ", []Exception{
		{day("2026-03-23"), Holiday, "Nauryz meiramy"},
		{day("2026-03-21"), Holiday, "Nauryz meiramy"}, // Saturday; order does not matter
		{day("2026-03-22"), Holiday, "Nauryz meiramy"}, // Sunday
		{day("2026-05-01"), Holiday, "Kazakhstan People's Unity Day"},
		{day("2026-05-07"), Holiday, "Defender of the Fatherland Day"},
		{day("2026-05-09"), Holiday, "Victory Day"}, // Saturday
		{day("2026-03-28"), Working, "moved from 23 March"},
		{day("2028-02-26"), Holiday, ""}, // Saturday, no description
		{day("2028-02-27"), Working, ""}, // Sunday, no description
		{day("2028-03-01"), Holiday, "test leap-year holiday"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		state   string
		exc     []Exception
		wantErr error
	}{
		{"each member state has a calendar: AM", "AM", nil, nil},
		{"each member state has a calendar: BY", "BY", nil, nil},
		{"each member state has a calendar: KZ", "KZ", nil, nil},
		{"each member state has a calendar: KG", "KG", nil, nil},
		{"each member state has a calendar: RU", "RU", nil, nil},
		{"not a member state", "UZ", nil, ErrUnknownMemberState},
		{"member state code is upper case", "kz", nil, ErrUnknownMemberState},
		{"empty member state", "", nil, ErrUnknownMemberState},
		{"holiday on a weekday", "KZ", []Exception{{day("2026-03-23"), Holiday, "Nauryz"}}, nil},
		{"holiday on a weekend is allowed (changes only the reason)", "KZ", []Exception{{day("2026-03-21"), Holiday, "Nauryz"}}, nil},
		{"transfer makes Saturday working", "RU", []Exception{{day("2025-11-01"), Working, "moved"}}, nil},
		{"transfer makes Sunday working", "RU", []Exception{{day("2026-03-22"), Working, "moved"}}, nil},
		{"a transfer on a weekday is an error: it is working already", "RU", []Exception{{day("2025-11-03"), Working, "moved"}}, ErrInvalidException},
		{"one entry per date: duplicate holiday", "BY", []Exception{
			{day("2026-01-07"), Holiday, "Christmas"},
			{day("2026-05-09"), Holiday, "Victory Day"},
			{day("2026-01-07"), Holiday, "Christmas again"},
		}, ErrDuplicateDate},
		{"one entry per date: holiday and transfer on the same Saturday", "BY", []Exception{
			{day("2026-05-09"), Holiday, "Victory Day"},
			{day("2026-05-09"), Working, "moved"},
		}, ErrDuplicateDate},
		{"kind must be set", "AM", []Exception{{day("2026-01-01"), 0, "New Year"}}, ErrInvalidException},
		{"kind must be Holiday or Working", "AM", []Exception{{day("2026-01-01"), Kind(7), "New Year"}}, ErrInvalidException},
		{"date must be a UTC midnight, not noon", "KG", []Exception{{time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC), Holiday, "8 March"}}, ErrInvalidException},
		{"date must be in UTC", "KG", []Exception{{time.Date(2026, 3, 8, 0, 0, 0, 0, time.FixedZone("KGT", 6*3600)), Holiday, "8 March"}}, ErrInvalidException},
		{"the zero time.Time (0001-01-01, a Monday, UTC midnight) is a valid date", "KG", []Exception{{time.Time{}, Holiday, "zero"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.state, tt.exc)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("New(%q) error = %v, want %v", tt.state, err, tt.wantErr)
				}
				if c != nil {
					t.Fatal("New returned a calendar with an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("New(%q): %v", tt.state, err)
			}
			if c.MemberState() != tt.state {
				t.Fatalf("MemberState() = %q, want %q", c.MemberState(), tt.state)
			}
		})
	}
}

func TestNewCopiesAndSortsExceptions(t *testing.T) {
	in := []Exception{
		{day("2026-05-09"), Holiday, "Victory Day"},
		{day("2026-01-01"), Holiday, "New Year"},
		{day("2026-03-28"), Working, "moved"},
	}
	orig := slices.Clone(in)
	c, err := New("KZ", in)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(in, orig) {
		t.Fatal("New changed its argument")
	}
	in[0].Kind = Working // later changes by the caller do not reach the calendar
	got := c.Exceptions()
	want := []Exception{orig[1], orig[2], orig[0]}
	if !slices.Equal(got, want) {
		t.Fatalf("Exceptions() = %v, want %v", got, want)
	}
	got[0].Description = "changed"
	if c.Exceptions()[0].Description != "New Year" {
		t.Fatal("Exceptions returned shared state")
	}
	if ok, _ := c.IsWorkingDay(day("2026-05-09")); ok {
		t.Fatal("caller's change to the input slice reached the calendar")
	}
}

// TestMemberStatesMatchCurrency keeps the member-state list of this
// package in step with the one in package currency.
func TestMemberStatesMatchCurrency(t *testing.T) {
	got := slices.Sorted(maps.Keys(memberStates))
	if want := currency.MemberStates(); !slices.Equal(got, want) {
		t.Fatalf("calendar member states %v, currency member states %v", got, want)
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{Holiday: "holiday", Working: "working", 0: "Kind(0)", 9: "Kind(9)"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}

func TestIsWorkingDay(t *testing.T) {
	ru := ruCalendar(t)
	kz := kzCalendar(t)
	empty, err := New("AM", nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		cal        *Calendar
		date       time.Time
		wantOK     bool
		wantReason string
	}{
		{"Monday to Friday is working", empty, day("2026-03-04"), true, "weekday"},
		{"Friday is working", empty, day("2026-03-06"), true, "weekday"},
		{"Saturday is not working", empty, day("2026-03-07"), false, "weekend"},
		{"Sunday is not working", empty, day("2026-03-08"), false, "weekend"},
		{"public holiday on a weekday", kz, day("2026-03-23"), false, "holiday: Nauryz meiramy"},
		{"public holiday on a Saturday: reason is the holiday", kz, day("2026-03-21"), false, "holiday: Nauryz meiramy"},
		{"public holiday on a Sunday: reason is the holiday", kz, day("2026-03-22"), false, "holiday: Nauryz meiramy"},
		{"transfer makes Saturday working", ru, day("2025-11-01"), true, "transfer: moved from 3 November"},
		{"the weekday a transfer frees is a holiday", ru, day("2025-11-03"), false, "holiday: moved from 1 November"},
		{"the next Saturday is a weekend again", ru, day("2025-11-08"), false, "weekend"},
		{"year end: 31 December made a day off", ru, day("2025-12-31"), false, "holiday: moved from 4 January"},
		{"year start: 1 January", ru, day("2026-01-01"), false, "holiday: New Year holidays"},
		{"first working day after New Year holidays", ru, day("2026-01-09"), true, "weekday"},
		{"holiday without description", kz, day("2028-02-26"), false, "holiday"},
		{"transfer without description", kz, day("2028-02-27"), true, "transfer"},
		{"leap day Feb 29 2028 is a Tuesday", kz, day("2028-02-29"), true, "weekday"},
		{"holiday of one state is a weekday in another", empty, day("2026-03-23"), true, "weekday"},
		{"instant is taken as its UTC date", kz, time.Date(2026, 3, 23, 17, 30, 0, 0, time.UTC), false, "holiday: Nauryz meiramy"},
		{"instant in another zone: 02:00 Almaty on 24 March is 23 March UTC", kz, time.Date(2026, 3, 24, 2, 0, 0, 0, time.FixedZone("ALMT", 5*3600)), false, "holiday: Nauryz meiramy"},
		{"far past", empty, day("1970-01-01"), true, "weekday"}, // a Thursday
		{"before 1970", empty, day("1969-12-28"), false, "weekend"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, reason := tt.cal.IsWorkingDay(tt.date)
			if ok != tt.wantOK || reason != tt.wantReason {
				t.Fatalf("IsWorkingDay(%v) = %v, %q; want %v, %q", tt.date, ok, reason, tt.wantOK, tt.wantReason)
			}
		})
	}
}

func TestAddWorkingDays(t *testing.T) {
	ru := ruCalendar(t)
	kz := kzCalendar(t)
	empty, err := New("BY", nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		cal   *Calendar
		start time.Time
		n     int
		want  time.Time
	}{
		{"n=0 returns start", empty, day("2026-01-15"), 0, day("2026-01-15")},
		{"n=0 returns start even on a weekend", empty, day("2026-01-17"), 0, day("2026-01-17")},
		{"n=0 truncates an instant to its UTC date", empty, time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC), 0, day("2026-01-15")},
		{"start is not counted: Monday + 1 = Tuesday", empty, day("2026-01-12"), 1, day("2026-01-13")},
		{"Friday + 1 skips the weekend", empty, day("2026-01-16"), 1, day("2026-01-19")},
		{"art.429.5: 5 working days over a weekend (Thursday -> next Thursday)", empty, day("2026-01-15"), 5, day("2026-01-22")},
		{"art.429.5: 5 working days from a Monday stay in the week", empty, day("2026-01-12"), 5, day("2026-01-19")},
		{"art.429.5: 5 working days from a Saturday (start not counted)", empty, day("2026-01-17"), 5, day("2026-01-23")},
		{"art.309.6 returns: 3 working days with a public holiday inside", kz, day("2026-03-20"), 3, day("2026-03-26")},
		{"art.309.6 returns: 3 working days, weekend holiday has no extra effect", kz, day("2026-03-19"), 3, day("2026-03-25")},
		{"art.309.6 returns: customs notified within 5 working days, holidays 1 and 7 May", kz, day("2026-04-30"), 5, day("2026-05-11")},
		{"art.309.6: after a refusal, declare within 5 working days", kz, day("2026-03-20"), 5, day("2026-03-28")},
		{"transfer makes Saturday working: Friday + 1 = Saturday", ru, day("2025-10-31"), 1, day("2025-11-01")},
		{"transfer and holidays: Friday + 2 skips 2-4 November", ru, day("2025-10-31"), 2, day("2025-11-05")},
		{"art.429.5: 3 working days to tell other operators, year end", ru, day("2025-12-29"), 3, day("2026-01-12")},
		{"year end over New Year holidays: Tuesday 30 Dec + 2", ru, day("2025-12-30"), 2, day("2026-01-12")},
		{"start on a holiday", ru, day("2026-01-05"), 1, day("2026-01-09")},
		{"leap year: Monday 28 Feb 2028 + 1 = Tuesday 29 Feb", empty, day("2028-02-28"), 1, day("2028-02-29")},
		{"leap year with a Sunday transfer and a holiday on 1 March", kz, day("2028-02-25"), 1, day("2028-02-27")},
		{"leap year: 29 Feb + 1 skips the 1 March holiday", kz, day("2028-02-29"), 1, day("2028-03-02")},
		{"art.429.5: 30 working days after exclusion, no exceptions (6 weeks)", empty, day("2026-01-05"), 30, day("2026-02-16")},
		{"art.429.5: 30 working days across New Year holidays (11 in December, 19 from 9 January)", ru, day("2025-12-15"), 30, day("2026-02-04")},
		{"ComputeDate limit: 3660 working days from a Monday are 732 whole weeks", empty, day("2026-01-05"), 3660, day("2026-01-05").AddDate(0, 0, 7*732)},
		{"3660 working days from a Wednesday end on a Wednesday", empty, day("2026-01-07"), 3660, day("2026-01-07").AddDate(0, 0, 7*732)},
		{"negative: 1 working day before Monday is Friday", empty, day("2026-01-19"), -1, day("2026-01-16")},
		{"negative over New Year holidays", ru, day("2026-01-09"), -1, day("2025-12-30")},
		{"negative onto a transfer Saturday", ru, day("2025-11-05"), -1, day("2025-11-01")},
		{"negative past a transfer Saturday", ru, day("2025-11-05"), -2, day("2025-10-31")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.AddWorkingDays(tt.start, tt.n)
			if !got.Equal(tt.want) || !dates.IsDate(got) {
				t.Fatalf("AddWorkingDays(%s, %d) = %v, want %s", dates.Format(tt.start), tt.n, got, dates.Format(tt.want))
			}
			if want := naiveAddWorkingDays(tt.cal, tt.start, tt.n); !got.Equal(want) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, day-by-day count gives %s", dates.Format(tt.start), tt.n, dates.Format(got), dates.Format(want))
			}
		})
	}
}

// naiveAddWorkingDays counts day by day with IsWorkingDay: the definition
// AddWorkingDays must agree with.
func naiveAddWorkingDays(c *Calendar, start time.Time, n int) time.Time {
	d := dates.Of(start)
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d = d.AddDate(0, 0, step)
		if ok, _ := c.IsWorkingDay(d); ok {
			n--
		}
	}
	return d
}

// TestAddWorkingDaysMatchesNaive compares the week-skipping count with the
// day-by-day count on random calendars dense with exceptions, where the
// skipping is most likely to miss one.
func TestAddWorkingDaysMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := day("2026-01-01")
	for round := range 50 {
		var exc []Exception
		for i := range 400 {
			d := base.AddDate(0, 0, i)
			if rng.IntN(4) != 0 {
				continue
			}
			if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
				if rng.IntN(2) == 0 {
					exc = append(exc, Exception{d, Working, "t"})
				} else {
					exc = append(exc, Exception{d, Holiday, "h"})
				}
			} else {
				exc = append(exc, Exception{d, Holiday, "h"})
			}
		}
		c, err := New("KG", exc)
		if err != nil {
			t.Fatal(err)
		}
		for range 40 {
			start := base.AddDate(0, 0, rng.IntN(460)-30)
			n := rng.IntN(301) - 150
			got := c.AddWorkingDays(start, n)
			if want := naiveAddWorkingDays(c, start, n); !got.Equal(want) {
				t.Fatalf("round %d: AddWorkingDays(%s, %d) = %s, want %s", round, dates.Format(start), n, dates.Format(got), dates.Format(want))
			}
		}
	}
}

func TestAddDays(t *testing.T) {
	ru := ruCalendar(t)
	tests := []struct {
		name  string
		start time.Time
		n     int
		want  time.Time
	}{
		{"n=0 returns start", day("2026-01-03"), 0, day("2026-01-03")},
		{"calendar days ignore holidays: 1 Jan + 1 = 2 Jan", day("2026-01-01"), 1, day("2026-01-02")},
		{"art.429.5: unsold goods within 60 calendar days", day("2026-03-01"), 60, day("2026-04-30")},
		{"art.429.5: 60 calendar days across year end", day("2025-12-15"), 60, day("2026-02-13")},
		{"leap year Feb 28 + 1 = Feb 29", day("2028-02-28"), 1, day("2028-02-29")},
		{"common year Feb 28 + 1 = Mar 1", day("2026-02-28"), 1, day("2026-03-01")},
		{"year end: Dec 31 + 1 = Jan 1", day("2026-12-31"), 1, day("2027-01-01")},
		{"ComputeDate limit: 36600 calendar days (100 years with 24 leap days, plus 76 days)", day("2026-01-01"), 36600, day("2126-03-18")},
		{"negative", day("2026-03-01"), -1, day("2026-02-28")},
		{"instant truncated to its UTC date", time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC), 1, day("2026-03-02")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ru.AddDays(tt.start, tt.n)
			if !got.Equal(tt.want) || !dates.IsDate(got) {
				t.Fatalf("AddDays(%s, %d) = %v, want %s", dates.Format(tt.start), tt.n, got, dates.Format(tt.want))
			}
			if want := dates.Of(tt.start).AddDate(0, 0, tt.n); !got.Equal(want) {
				t.Fatalf("AddDays(%s, %d) = %v, AddDate gives %v", dates.Format(tt.start), tt.n, got, want)
			}
		})
	}
}

func TestAddMonths(t *testing.T) {
	ru := ruCalendar(t)
	tests := []struct {
		name  string
		start time.Time
		n     int
		want  time.Time
	}{
		{"DOMAIN B2 art.371: one month from registration, Jan 31 -> Feb 28", day("2026-01-31"), 1, day("2026-02-28")},
		{"DOMAIN B2 art.371: one month from registration, leap year Jan 31 -> Feb 29", day("2028-01-31"), 1, day("2028-02-29")},
		{"DOMAIN B2 art.371: one month, same date", day("2026-04-14"), 1, day("2026-05-14")},
		{"DOMAIN B2 art.371: month deadline ignores holidays (ends on 8 January holiday)", day("2025-12-08"), 1, day("2026-01-08")},
		{"DOMAIN B2 art.371 extension: once, by one more month", day("2026-01-31"), 2, day("2026-03-31")},
		{"DOMAIN B2 art.371 refusal: no additional information within two months, year end", day("2026-12-31"), 2, day("2027-02-28")},
		{"n=0", day("2026-01-31"), 0, day("2026-01-31")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ru.AddMonths(tt.start, tt.n)
			if !got.Equal(tt.want) || !dates.IsDate(got) {
				t.Fatalf("AddMonths(%s, %d) = %v, want %s", dates.Format(tt.start), tt.n, got, dates.Format(tt.want))
			}
		})
	}
}

func TestNextWorkingDayOnOrAfter(t *testing.T) {
	ru := ruCalendar(t)
	kz := kzCalendar(t)
	tests := []struct {
		name string
		cal  *Calendar
		in   time.Time
		want time.Time
	}{
		{"a working day stays", ru, day("2026-01-13"), day("2026-01-13")},
		{"deadline on a Saturday moves to Monday", ru, day("2026-01-17"), day("2026-01-19")},
		{"deadline on a Sunday moves to Monday", ru, day("2026-01-18"), day("2026-01-19")},
		{"DOMAIN B2 art.371: month deadline on 8 January holiday moves to 9 January", ru, ru.AddMonths(day("2025-12-08"), 1), day("2026-01-09")},
		{"year end: 31 December holiday moves past all New Year holidays", ru, day("2025-12-31"), day("2026-01-09")},
		{"transfer Saturday is working and stays", ru, day("2025-11-01"), day("2025-11-01")},
		{"Sunday before a holiday Monday moves to Wednesday", ru, day("2025-11-02"), day("2025-11-05")},
		{"art.309.6: the 15th falling on a Sunday moves to Monday", kz, dates.FifteenthOfNextMonth(day("2026-02-10")), day("2026-03-16")},
		{"Nauryz: Saturday 21 March moves past the Monday holiday", kz, day("2026-03-21"), day("2026-03-24")},
		{"leap year: Saturday holiday then Sunday transfer", kz, day("2028-02-26"), day("2028-02-27")},
		{"instant truncated to its UTC date", ru, time.Date(2026, 1, 13, 23, 59, 0, 0, time.UTC), day("2026-01-13")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.NextWorkingDayOnOrAfter(tt.in)
			if !got.Equal(tt.want) || !dates.IsDate(got) {
				t.Fatalf("NextWorkingDayOnOrAfter(%s) = %v, want %s", dates.Format(tt.in), got, dates.Format(tt.want))
			}
			if ok, reason := tt.cal.IsWorkingDay(got); !ok {
				t.Fatalf("result %s is not a working day (%s)", dates.Format(got), reason)
			}
		})
	}
}

func TestConcurrentUse(t *testing.T) {
	c := ruCalendar(t)
	done := make(chan time.Time)
	for range 8 {
		go func() { done <- c.AddWorkingDays(day("2025-12-15"), 30) }()
	}
	for range 8 {
		if got := <-done; !got.Equal(day("2026-02-04")) {
			t.Fatalf("concurrent AddWorkingDays = %s", dates.Format(got))
		}
	}
}
