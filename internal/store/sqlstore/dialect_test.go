package sqlstore

import "testing"

func TestRebindDollar(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT 1":                        "SELECT 1",
		"a = ?":                           "a = $1",
		"a = ? AND b IN (?, ?) LIMIT ?":   "a = $1 AND b IN ($2, $3) LIMIT $4",
		"UPDATE t SET x = ?, y = ? WHERE": "UPDATE t SET x = $1, y = $2 WHERE",
	} {
		if got := RebindDollar(in); got != want {
			t.Errorf("RebindDollar(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBackoffBounded(t *testing.T) {
	for attempt := 1; attempt <= MaxAttempts+5; attempt++ {
		if d := backoff(attempt); d <= 0 || d > 100_000_000 {
			t.Fatalf("backoff(%d) = %v", attempt, d)
		}
	}
}
