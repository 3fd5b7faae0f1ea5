package packed

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// declarationLike is a body shaped like a stored declaration: protobuf
// with the legal basis of every duty step repeated.
func declarationLike(t testing.TB) []byte {
	t.Helper()
	steps := make([]any, 0, 24)
	for range 24 {
		steps = append(steps, map[string]any{
			"title": "value norm (EEC Council decision No 107 of 20.12.2017; EAEU Customs Code art. 309.8): 200 EUR",
			"basis": "EAEU Customs Code art. 309.8(2), 309.8(8), 309.10", "amount": "12750.00"})
	}
	s, err := structpb.NewStruct(map[string]any{"name": "declarations/01a20aa7", "steps": steps})
	if err != nil {
		t.Fatal(err)
	}
	b, err := proto.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPackHalvesADeclarationAndUnpacksIt(t *testing.T) {
	body := declarationLike(t)
	p := Pack(body)
	if len(p)*2 > len(body) {
		t.Fatalf("packed %d bytes into %d: want at most half", len(body), len(p))
	}
	got, err := Unpack(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, body) {
		t.Fatal("unpacked body differs from the original")
	}
}

func TestPackLeavesSmallAndIncompressibleBodies(t *testing.T) {
	random := make([]byte, 4096)
	_, _ = rand.Read(random)
	for name, b := range map[string][]byte{
		"empty":          nil,
		"small":          []byte("\x0a\x05hello"),
		"just under 256": bytes.Repeat([]byte{'a'}, minSize-1),
		"random":         random,
	} {
		if p := Pack(b); !bytes.Equal(p, b) {
			t.Errorf("%s: packed into %d bytes, want it stored as is", name, len(p))
		}
	}
}

// Rows written before packing (binary protobuf, or JSON in the oldest
// releases) read unchanged.
func TestUnpackReadsUnpackedRows(t *testing.T) {
	for _, b := range [][]byte{nil, declarationLike(t), []byte(`{"name":"declarations/x"}`)} {
		got, err := Unpack(b)
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("Unpack(%.20q) = %.20q, %v; want it unchanged", b, got, err)
		}
	}
}

func TestUnpackRefusesCorruptBodies(t *testing.T) {
	good := Pack(declarationLike(t))
	truncated := good[:len(good)/2]
	for name, b := range map[string][]byte{
		"marker only":    {marker},
		"unknown format": {marker, 0x7f, 1, 2, 3},
		"truncated":      truncated,
	} {
		if _, err := Unpack(b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
	}
}

func FuzzPackRoundTrip(f *testing.F) {
	f.Add([]byte(nil))
	f.Add(declarationLike(f))
	f.Add([]byte(strings.Repeat("309.8(2) ", 100)))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 0 && b[0] == marker {
			t.Skip("not a body: protobuf and JSON never start with 0x00")
		}
		p := Pack(b)
		if len(p) > len(b) {
			t.Fatalf("packed %d bytes into %d", len(b), len(p))
		}
		got, err := Unpack(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, b) {
			t.Fatal("round trip changed the body")
		}
	})
}
