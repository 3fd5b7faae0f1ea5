package calendar

import (
	"fmt"
	"testing"
	"time"

	"github.com/eaeu/customs-exchange/internal/rules/dates"
)

var sinkTime time.Time

// tenYearCalendar has about 15 exceptions a year for 2025-2034, like a
// real member state's calendar kept for a decade.
func tenYearCalendar(b *testing.B) *Calendar {
	b.Helper()
	var exc []Exception
	for y := 2025; y < 2035; y++ {
		for _, md := range []string{"01-01", "01-02", "01-07", "03-08", "03-21", "03-22", "03-23", "05-01", "05-07", "05-09", "07-06", "08-30", "10-25", "12-16"} {
			exc = append(exc, Exception{dates.MustParse(fmt.Sprintf("%d-%s", y, md)), Holiday, "holiday"})
		}
		// One transfer a year: the first Saturday of November.
		d := dates.MustParse(fmt.Sprintf("%d-11-01", y))
		for d.Weekday() != time.Saturday {
			d = d.AddDate(0, 0, 1)
		}
		exc = append(exc, Exception{d, Working, "transfer"})
	}
	c, err := New("KZ", exc)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkAddWorkingDays30 is the art.429.5 case: 30 working days to
// complete operations after exclusion from the register.
func BenchmarkAddWorkingDays30(b *testing.B) {
	c := tenYearCalendar(b)
	start := dates.MustParse("2026-03-02")
	b.ReportAllocs()
	for b.Loop() {
		sinkTime = c.AddWorkingDays(start, 30)
	}
}

// BenchmarkAddWorkingDays30Empty is the same count on a calendar with no
// exceptions, where whole weeks are skipped.
func BenchmarkAddWorkingDays30Empty(b *testing.B) {
	c, err := New("RU", nil)
	if err != nil {
		b.Fatal(err)
	}
	start := dates.MustParse("2026-03-02")
	b.ReportAllocs()
	for b.Loop() {
		sinkTime = c.AddWorkingDays(start, 30)
	}
}

// BenchmarkAddWorkingDays3660 is the ComputeDate upper limit.
func BenchmarkAddWorkingDays3660(b *testing.B) {
	c := tenYearCalendar(b)
	start := dates.MustParse("2025-01-01")
	b.ReportAllocs()
	for b.Loop() {
		sinkTime = c.AddWorkingDays(start, 3660)
	}
}

func BenchmarkIsWorkingDay(b *testing.B) {
	c := tenYearCalendar(b)
	d := dates.MustParse("2026-03-23")
	b.ReportAllocs()
	for b.Loop() {
		ok, _ := c.IsWorkingDay(d)
		if ok {
			b.Fatal("holiday reported working")
		}
	}
}
