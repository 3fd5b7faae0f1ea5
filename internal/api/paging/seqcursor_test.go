package paging

import "testing"

func TestSeqCursor(t *testing.T) {
	type rec struct{ seq int64 }
	page, next := SeqPage([]rec{{9}, {12}, {15}}, 2, "q", func(r rec) int64 { return r.seq })
	if len(page) != 2 {
		t.Fatalf("page of %d rows, want 2", len(page))
	}
	if after, err := SeqCursor(next, "q"); err != nil || after != 12 {
		t.Fatalf("next page after %d (%v), want after the page's last row 12", after, err)
	}
	if after, err := SeqCursor("", "q"); err != nil || after != 0 {
		t.Fatalf("first page: after %d, %v", after, err)
	}
	for name, token := range map[string]string{"another query": next, "not a number": Token("other", "x12")} {
		if _, err := SeqCursor(token, "other"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
