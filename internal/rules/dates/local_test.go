package dates

import (
	"testing"
	"time"
)

func TestLocal(t *testing.T) {
	cases := []struct {
		name  string
		at    string
		state string
		want  string
	}{
		{"KZ (UTC+5): 20:00 UTC is already the next day in Almaty", "2026-11-23T20:00:00Z", "KZ", "2026-11-24"},
		{"RU (UTC+3): 20:00 UTC is still the same day in Moscow", "2026-11-23T20:00:00Z", "RU", "2026-11-23"},
		{"RU: 21:30 UTC on 31 Dec is New Year in Moscow", "2026-12-31T21:30:00Z", "RU", "2027-01-01"},
		{"unknown state: the UTC date", "2026-11-23T23:59:00Z", "XX", "2026-11-23"},
	}
	for _, c := range cases {
		at, _ := time.Parse(time.RFC3339, c.at)
		if got := Format(Local(at, c.state)); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}
