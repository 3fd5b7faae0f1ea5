package dates

import (
	"testing"
	"time"
)

// FuzzParseFormat checks the round trip: whatever Parse accepts, Format
// writes back byte for byte, and the result is a UTC midnight. Whatever it
// rejects, time.Parse with the same layout must not accept as a canonical
// date either.
func FuzzParseFormat(f *testing.F) {
	for _, s := range []string{
		"2026-01-01", "2024-02-29", "2025-02-29", "2026-2-3", "2026-02-30",
		"2026-02-03x", "0001-01-01", "9999-12-31", "0000-01-01", "", "+026-01-01",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Parse(s)
		ref, refErr := time.Parse(Layout, s)
		refOK := refErr == nil && ref.Year() >= 1 && ref.Format(Layout) == s
		if err != nil {
			if refOK {
				t.Fatalf("Parse(%q) rejected a date time.Parse accepts: %v", s, err)
			}
			return
		}
		if !refOK {
			t.Fatalf("Parse(%q) = %v, but time.Parse does not accept it canonically", s, got)
		}
		if !IsDate(got) {
			t.Fatalf("Parse(%q) = %v is not a UTC midnight", s, got)
		}
		if out := Format(got); out != s {
			t.Fatalf("Format(Parse(%q)) = %q", s, out)
		}
		if !got.Equal(ref) {
			t.Fatalf("Parse(%q) = %v, time.Parse = %v", s, got, ref)
		}
	})
}

// FuzzAddMonthsClamped checks the month rule on arbitrary dates: the
// result is n months later by calendar month, on the same day or the last
// day of the target month, and never in the month after it.
func FuzzAddMonthsClamped(f *testing.F) {
	f.Add(int64(0), 1)
	f.Add(int64(20484), 1)   // 2026-01-31
	f.Add(int64(21244), 12)  // 2028-02-29
	f.Add(int64(20818), -13) // 2026-12-31
	f.Fuzz(func(t *testing.T, day int64, n int) {
		day %= 3_000_000 // keep within years ~ -6000..10000
		n %= 20_000
		start := time.Unix(day*86400, 0).UTC()
		got := AddMonthsClamped(start, n)
		if !IsDate(got) {
			t.Fatalf("not a date: %v", got)
		}
		months := (got.Year()-start.Year())*12 + int(got.Month()) - int(start.Month())
		if months != n {
			t.Fatalf("AddMonthsClamped(%v, %d) = %v: %d months apart", start, n, got, months)
		}
		want := min(start.Day(), DaysInMonth(got.Year(), got.Month()))
		if got.Day() != want {
			t.Fatalf("AddMonthsClamped(%v, %d) = %v: day %d, want %d", start, n, got, got.Day(), want)
		}
	})
}
