package dates

import (
	"errors"
	"testing"
	"time"
)

func d(y int, m time.Month, day int) time.Time {
	return time.Date(y, m, day, 0, 0, 0, 0, time.UTC)
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want time.Time
		ok   bool
	}{
		{"plain date", "2026-03-15", d(2026, 3, 15), true},
		{"first day of year", "2026-01-01", d(2026, 1, 1), true},
		{"year end", "2026-12-31", d(2026, 12, 31), true},
		{"leap year Feb 29 exists", "2024-02-29", d(2024, 2, 29), true},
		{"leap year 2000 (divisible by 400) Feb 29 exists", "2000-02-29", d(2000, 2, 29), true},
		{"lowest year", "0001-01-01", d(1, 1, 1), true},
		{"highest year", "9999-12-31", d(9999, 12, 31), true},

		{"strict: one-digit month and day", "2026-2-3", time.Time{}, false},
		{"strict: one-digit day", "2026-02-3", time.Time{}, false},
		{"day that does not exist: Feb 30", "2026-02-30", time.Time{}, false},
		{"non-leap year has no Feb 29", "2025-02-29", time.Time{}, false},
		{"1900 is not a leap year (divisible by 100)", "1900-02-29", time.Time{}, false},
		{"April has 30 days", "2026-04-31", time.Time{}, false},
		{"month 13", "2026-13-01", time.Time{}, false},
		{"month 00", "2026-00-10", time.Time{}, false},
		{"day 00", "2026-01-00", time.Time{}, false},
		{"day 32", "2026-01-32", time.Time{}, false},
		{"year 0000", "0000-01-01", time.Time{}, false},
		{"trailing text", "2026-02-03x", time.Time{}, false},
		{"trailing time part", "2026-02-03T00:00:00Z", time.Time{}, false},
		{"trailing space", "2026-02-03 ", time.Time{}, false},
		{"leading space", " 2026-02-03", time.Time{}, false},
		{"signed year", "+026-02-03", time.Time{}, false},
		{"negative month", "2026--2-03", time.Time{}, false},
		{"slashes", "2026/02/03", time.Time{}, false},
		{"compact form", "20260203", time.Time{}, false},
		{"day-month-year order", "03-02-2026", time.Time{}, false},
		{"non-ASCII digits", "２０２６-02-03", time.Time{}, false},
		{"empty", "", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if !tt.ok {
				if err == nil {
					t.Fatalf("Parse(%q) = %v, want error", tt.in, got)
				}
				if !errors.Is(err, ErrInvalidDate) {
					t.Fatalf("Parse(%q) error %v does not wrap ErrInvalidDate", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Fatalf("Parse(%q) = %v, want %v UTC", tt.in, got, tt.want)
			}
			if !IsDate(got) {
				t.Fatalf("Parse(%q) = %v is not a UTC midnight", tt.in, got)
			}
		})
	}
}

func TestMustParse(t *testing.T) {
	if got := MustParse("2026-05-01"); !got.Equal(d(2026, 5, 1)) {
		t.Fatalf("MustParse = %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("MustParse of an invalid date did not panic")
		}
	}()
	MustParse("2026-02-30")
}

func TestFormat(t *testing.T) {
	almaty := time.FixedZone("ALMT", 5*3600)
	tests := []struct {
		name string
		in   time.Time
		want string
	}{
		{"date", d(2026, 3, 8), "2026-03-08"},
		{"zero-padded month and day", d(2026, 1, 2), "2026-01-02"},
		{"instant in UTC keeps its UTC date", time.Date(2026, 3, 8, 23, 59, 59, 0, time.UTC), "2026-03-08"},
		// 02:00 on 1 January in Almaty (UTC+5) is still 31 December in UTC.
		{"instant in another zone is formatted as its UTC date, year end", time.Date(2027, 1, 1, 2, 0, 0, 0, almaty), "2026-12-31"},
		{"leap day", d(2028, 2, 29), "2028-02-29"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Format(tt.in); got != tt.want {
				t.Fatalf("Format(%v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestOf(t *testing.T) {
	moscow := time.FixedZone("MSK", 3*3600)
	yerevan := time.FixedZone("AMT", 4*3600)
	tests := []struct {
		name string
		in   time.Time
		want time.Time
	}{
		{"midnight stays", d(2026, 6, 1), d(2026, 6, 1)},
		{"end of day truncates to the same date", time.Date(2026, 6, 1, 23, 59, 59, 999999999, time.UTC), d(2026, 6, 1)},
		{"01:00 Moscow is the previous UTC date", time.Date(2026, 6, 1, 1, 0, 0, 0, moscow), d(2026, 5, 31)},
		{"03:59 Yerevan on 1 Jan is 31 Dec UTC (year end)", time.Date(2026, 1, 1, 3, 59, 0, 0, yerevan), d(2025, 12, 31)},
		{"04:00 Yerevan on 1 Jan is 1 Jan UTC", time.Date(2026, 1, 1, 4, 0, 0, 0, yerevan), d(2026, 1, 1)},
		{"leap day afternoon", time.Date(2024, 2, 29, 15, 30, 0, 0, time.UTC), d(2024, 2, 29)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Of(tt.in)
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Fatalf("Of(%v) = %v, want %v", tt.in, got, tt.want)
			}
			if !IsDate(got) {
				t.Fatalf("Of(%v) = %v is not a date", tt.in, got)
			}
		})
	}
}

func TestIsDate(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		want bool
	}{
		{"UTC midnight", d(2026, 1, 1), true},
		{"UTC noon", time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC), false},
		{"one nanosecond past midnight", time.Date(2026, 1, 1, 0, 0, 0, 1, time.UTC), false},
		{"midnight in another zone", time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("X", 3600)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsDate(tt.in); got != tt.want {
				t.Fatalf("IsDate(%v) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestDaysInMonth(t *testing.T) {
	tests := []struct {
		name  string
		year  int
		month time.Month
		want  int
	}{
		{"January", 2026, time.January, 31},
		{"February, common year", 2026, time.February, 28},
		{"February, leap year", 2028, time.February, 29},
		{"February 1900: century, not leap", 1900, time.February, 28},
		{"February 2000: divisible by 400, leap", 2000, time.February, 29},
		{"April", 2026, time.April, 30},
		{"December (year end)", 2026, time.December, 31},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DaysInMonth(tt.year, tt.month); got != tt.want {
				t.Fatalf("DaysInMonth(%d, %v) = %d, want %d", tt.year, tt.month, got, tt.want)
			}
		})
	}
}

func TestAddMonthsClamped(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		n    int
		want time.Time
	}{
		{"DOMAIN B2 art.371: one month from registration, same date next month", d(2026, 3, 10), 1, d(2026, 4, 10)},
		{"DOMAIN B2 art.371: one month from registration, Jan 31 -> Feb 28", d(2026, 1, 31), 1, d(2026, 2, 28)},
		{"DOMAIN B2 art.371: one month from registration, leap year Jan 31 -> Feb 29", d(2028, 1, 31), 1, d(2028, 2, 29)},
		{"DOMAIN B2 art.371: Jan 30 -> Feb 28 (date does not exist)", d(2026, 1, 30), 1, d(2026, 2, 28)},
		{"DOMAIN B2 art.371: Mar 31 -> Apr 30", d(2026, 3, 31), 1, d(2026, 4, 30)},
		{"DOMAIN B2 art.371: Feb 28 -> Mar 28 (no jump to month end)", d(2026, 2, 28), 1, d(2026, 3, 28)},
		{"leap year Feb 29 + 1 month -> Mar 29", d(2028, 2, 29), 1, d(2028, 3, 29)},
		{"leap year Feb 29 + 12 months -> Feb 28 of common year", d(2028, 2, 29), 12, d(2029, 2, 28)},
		{"leap year Feb 29 + 48 months -> Feb 29", d(2028, 2, 29), 48, d(2032, 2, 29)},
		{"DOMAIN B2 art.371 extension: two months (deadline + one-month extension) from Dec 31 -> Feb 28", d(2026, 12, 31), 2, d(2027, 2, 28)},
		{"counted from the start, not month by month: Jan 31 + 2 -> Mar 31", d(2026, 1, 31), 2, d(2026, 3, 31)},
		{"year end: Dec 15 + 1 -> Jan 15 next year", d(2026, 12, 15), 1, d(2027, 1, 15)},
		{"year end: Dec 31 + 1 -> Jan 31 next year", d(2026, 12, 31), 1, d(2027, 1, 31)},
		{"DOMAIN B2 art.371 refusal: two months to answer a request for more information", d(2026, 7, 31), 2, d(2026, 9, 30)},
		{"art.464(7): 12 months", d(2026, 5, 31), 12, d(2027, 5, 31)},
		{"zero months is the same date", d(2026, 5, 31), 0, d(2026, 5, 31)},
		{"many years", d(2026, 1, 31), 1200, d(2126, 1, 31)},
		{"negative: Mar 31 - 1 -> Feb 28", d(2026, 3, 31), -1, d(2026, 2, 28)},
		{"negative across year: Jan 15 - 1 -> Dec 15 previous year", d(2026, 1, 15), -1, d(2025, 12, 15)},
		{"negative: Mar 31 - 13 -> Feb 29 2024", d(2025, 3, 31), -13, d(2024, 2, 29)},
		{"instant is truncated to its UTC date first", time.Date(2026, 1, 31, 18, 45, 0, 0, time.UTC), 1, d(2026, 2, 28)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AddMonthsClamped(tt.in, tt.n)
			if !got.Equal(tt.want) || !IsDate(got) {
				t.Fatalf("AddMonthsClamped(%s, %d) = %v, want %s", Format(tt.in), tt.n, got, Format(tt.want))
			}
		})
	}
}

func TestFifteenthOfNextMonth(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		want time.Time
	}{
		{"art.309.6: purchase on 1 March -> 15 April", d(2026, 3, 1), d(2026, 4, 15)},
		{"art.309.6: purchase on 31 March -> 15 April", d(2026, 3, 31), d(2026, 4, 15)},
		{"art.309.6: purchase on 15 March -> 15 April, not 15 March", d(2026, 3, 15), d(2026, 4, 15)},
		{"art.309.6: purchase on 20 January -> 15 February", d(2026, 1, 20), d(2026, 2, 15)},
		{"art.309.6: purchase in December -> 15 January next year", d(2026, 12, 31), d(2027, 1, 15)},
		{"art.309.6: purchase on 1 December -> 15 January next year", d(2026, 12, 1), d(2027, 1, 15)},
		{"art.309.6: leap day purchase -> 15 March", d(2028, 2, 29), d(2028, 3, 15)},
		{"art.429.5: after exclusion, bought goods by the 15th of the next month", time.Date(2026, 6, 30, 22, 0, 0, 0, time.UTC), d(2026, 7, 15)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FifteenthOfNextMonth(tt.in)
			if !got.Equal(tt.want) || !IsDate(got) {
				t.Fatalf("FifteenthOfNextMonth(%v) = %v, want %s", tt.in, got, Format(tt.want))
			}
		})
	}
}

func TestFloorDiv(t *testing.T) {
	tests := []struct{ a, b, want int }{
		{0, 12, 0}, {11, 12, 0}, {12, 12, 1}, {-1, 12, -1}, {-12, 12, -1}, {-13, 12, -2},
	}
	for _, tt := range tests {
		if got := floorDiv(tt.a, tt.b); got != tt.want {
			t.Errorf("floorDiv(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
