package paging

import (
	"strconv"
	"testing"
	"time"
)

func TestTimeCursor(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 0, 0, 123, time.UTC)
	tok := TimeToken("q", at, "declarations/x")
	got, id, ok, err := TimeCursor(tok, "q")
	if err != nil || !ok || !got.Equal(at) || id != "declarations/x" {
		t.Fatalf("round trip: %v %q %v %v", got, id, ok, err)
	}
	if _, _, ok, err := TimeCursor("", "q"); ok || err != nil {
		t.Fatalf("the first page: %v %v", ok, err)
	}
	for name, token := range map[string]string{
		"another query": tok,
		"not a cursor":  Token("other", "12345"),
		"no time":       Token("other", "abc/id"),
		"not base64":    "%%%",
	} {
		if _, _, _, err := TimeCursor(token, "other"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// A listing reads one row more than a page: that row only says there is
// a next page, which starts after the page's last row.
func TestTimePage(t *testing.T) {
	type row struct {
		at time.Time
		id string
	}
	base := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	rows := []row{{base.Add(3), "c"}, {base.Add(2), "b"}, {base.Add(1), "a"}}
	key := func(r row) (time.Time, string) { return r.at, r.id }

	page, next := TimePage(rows, 2, "q", key)
	if len(page) != 2 || page[1].id != "b" || next == "" {
		t.Fatalf("full page: %v, next %q", page, next)
	}
	at, id, ok, err := TimeCursor(next, "q")
	if err != nil || !ok || id != "b" || !at.Equal(base.Add(2)) {
		t.Fatalf("next page starts after (%v, %q) %v %v, want the page's last row", at, id, ok, err)
	}
	if page, next := TimePage(rows, 3, "q", key); len(page) != 3 || next != "" {
		t.Fatalf("last page: %d rows, next %q", len(page), next)
	}
}

// Page is the same for any cursor: the last page has no next token.
func TestPageCursorOfTheLastRow(t *testing.T) {
	rows := []int{5, 4, 3}
	page, next := Page(rows, 2, "q", func(last int) string { return strconv.Itoa(last) })
	if len(page) != 2 {
		t.Fatalf("page of %d rows, want 2", len(page))
	}
	if cur, err := Cursor(next, "q"); err != nil || cur != "4" {
		t.Fatalf("next page after %q (%v), want after the page's last row 4", cur, err)
	}
	if _, next := Page(rows[:2], 2, "q", func(int) string { return "x" }); next != "" {
		t.Fatalf("a page that holds every row has a next token %q", next)
	}
}
