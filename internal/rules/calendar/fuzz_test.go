package calendar

import (
	"testing"
	"time"

	"github.com/eaeu/customs-exchange/internal/rules/dates"
)

// FuzzAddWorkingDays checks the working-day rule on arbitrary starts and
// counts within the ComputeDate limit (0..3660): the result is never before
// the start; for n > 0 it is after the start and is itself a working day,
// and exactly n working days lie in (start, result]; for n == 0 it is the
// start. One more working day gives a later date, and counting back n
// working days returns to the start's last working day.
func FuzzAddWorkingDays(f *testing.F) {
	f.Add(int64(0), 5)   // 2025-10-31 + 5, over the transfer Saturday
	f.Add(int64(59), 3)  // 2025-12-29 + 3, over New Year
	f.Add(int64(45), 30) // 2025-12-15 + 30
	f.Add(int64(-400), 3660)
	f.Add(int64(1000), 0)
	c := ruCalendar(f)
	base := dates.MustParse("2025-10-31")
	f.Fuzz(func(t *testing.T, offset int64, n int) {
		offset %= 20_000 // about ±55 years around the fixture
		if n < 0 {
			n = -n
		}
		n %= 3661
		start := base.AddDate(0, 0, int(offset))
		got := c.AddWorkingDays(start, n)
		if !dates.IsDate(got) {
			t.Fatalf("AddWorkingDays(%s, %d) = %v is not a date", dates.Format(start), n, got)
		}
		if got.Before(start) {
			t.Fatalf("AddWorkingDays(%s, %d) = %s is before the start", dates.Format(start), n, dates.Format(got))
		}
		if n == 0 {
			if !got.Equal(start) {
				t.Fatalf("AddWorkingDays(%s, 0) = %s, want the start", dates.Format(start), dates.Format(got))
			}
			return
		}
		if !got.After(start) {
			t.Fatalf("AddWorkingDays(%s, %d) = %s is not after the start", dates.Format(start), n, dates.Format(got))
		}
		if ok, reason := c.IsWorkingDay(got); !ok {
			t.Fatalf("AddWorkingDays(%s, %d) = %s is not a working day (%s)", dates.Format(start), n, dates.Format(got), reason)
		}
		count := 0
		for d := start.AddDate(0, 0, 1); !d.After(got); d = d.AddDate(0, 0, 1) {
			if ok, _ := c.IsWorkingDay(d); ok {
				count++
			}
		}
		if count != n {
			t.Fatalf("AddWorkingDays(%s, %d) = %s, but %d working days lie in between", dates.Format(start), n, dates.Format(got), count)
		}
		if next := c.AddWorkingDays(start, n+1); !next.After(got) {
			t.Fatalf("AddWorkingDays(%s, %d) = %s is not after n=%d's %s", dates.Format(start), n+1, dates.Format(next), n, dates.Format(got))
		}
		// Counting back n lands on the last working day on or before the
		// start, from which n working days lead to the same result.
		back := c.AddWorkingDays(got, -n)
		if ok, _ := c.IsWorkingDay(back); !ok || back.After(start) || !c.AddWorkingDays(back, n).Equal(got) {
			t.Fatalf("AddWorkingDays(%s, %d) = %s does not lead back to %s", dates.Format(got), -n, dates.Format(back), dates.Format(start))
		}
	})
}

// FuzzNextWorkingDayOnOrAfter checks that the result is a working day, on
// or after d, with no working day in between.
func FuzzNextWorkingDayOnOrAfter(f *testing.F) {
	f.Add(int64(61)) // 2025-12-31
	f.Add(int64(1))  // the transfer Saturday
	c := ruCalendar(f)
	base := dates.MustParse("2025-10-31")
	f.Fuzz(func(t *testing.T, offset int64) {
		d := base.AddDate(0, 0, int(offset%20_000))
		got := c.NextWorkingDayOnOrAfter(d)
		if ok, _ := c.IsWorkingDay(got); !ok || got.Before(d) {
			t.Fatalf("NextWorkingDayOnOrAfter(%s) = %s", dates.Format(d), dates.Format(got))
		}
		for x := d; x.Before(got); x = x.Add(24 * time.Hour) {
			if ok, _ := c.IsWorkingDay(x); ok {
				t.Fatalf("NextWorkingDayOnOrAfter(%s) = %s skips working day %s", dates.Format(d), dates.Format(got), dates.Format(x))
			}
		}
	})
}
