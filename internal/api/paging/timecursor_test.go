package paging

import (
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
