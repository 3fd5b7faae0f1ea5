package dates

import "testing"

var sinkString string

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		t, err := Parse("2026-12-31")
		if err != nil {
			b.Fatal(err)
		}
		sinkString = Format(t)
	}
}
