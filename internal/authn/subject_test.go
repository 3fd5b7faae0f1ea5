package authn_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/eaeu/customs-exchange/internal/authn"
)

func TestParseSubject(t *testing.T) {
	id64 := strings.Repeat("a", 64)
	good := []struct {
		uri   string
		state string
		kind  authn.Kind
		id    string
	}{
		{"spiffe://eaeu/KZ/customs/55000000", "KZ", authn.KindCustoms, "55000000"},
		{"spiffe://eaeu/RU/customs/10000000", "RU", authn.KindCustoms, "10000000"},
		{"spiffe://eaeu/EEC/commission/eec-dev", "EEC", authn.KindCommission, "eec-dev"},
		{"spiffe://eaeu/AM/operator/AM-OP-0001", "AM", authn.KindOperator, "AM-OP-0001"},
		{"spiffe://eaeu/BY/individual/dev_individual.1", "BY", authn.KindIndividual, "dev_individual.1"},
		{"spiffe://eaeu/KG/node/dev", "KG", authn.KindNode, "dev"},
		{"spiffe://eaeu/KZ/customs/" + id64, "KZ", authn.KindCustoms, id64},
		{"spiffe://eaeu/KZ/customs/x", "KZ", authn.KindCustoms, "x"},
		{"spiffe://eaeu/KZ/customs/...", "KZ", authn.KindCustoms, "..."},
	}
	for _, tc := range good {
		t.Run("good/"+tc.uri, func(t *testing.T) {
			s, err := authn.ParseSubject(tc.uri)
			if err != nil {
				t.Fatal(err)
			}
			want := authn.Subject{URI: tc.uri, MemberState: tc.state, Kind: tc.kind, ID: tc.id}
			if s != want {
				t.Fatalf("got %+v, want %+v", s, want)
			}
			s2, err := authn.NewSubject(tc.state, tc.kind, tc.id)
			if err != nil || s2 != want {
				t.Fatalf("NewSubject: %+v, %v", s2, err)
			}
		})
	}

	bad := []struct{ name, uri string }{
		{"empty", ""},
		{"no scheme", "eaeu/KZ/customs/1"},
		{"scheme http", "http://eaeu/KZ/customs/1"},
		{"scheme https", "https://eaeu/KZ/customs/1"},
		{"scheme upper case", "SPIFFE://eaeu/KZ/customs/1"},
		{"opaque", "spiffe:eaeu/KZ/customs/1"},
		{"single slash", "spiffe:/eaeu/KZ/customs/1"},
		{"triple slash", "spiffe:///KZ/customs/1"},
		{"wrong host", "spiffe://example.org/KZ/customs/1"},
		{"host upper case", "spiffe://EAEU/KZ/customs/1"},
		{"host with dot", "spiffe://eaeu./KZ/customs/1"},
		{"port", "spiffe://eaeu:443/KZ/customs/1"},
		{"empty port", "spiffe://eaeu:/KZ/customs/1"},
		{"userinfo", "spiffe://user@eaeu/KZ/customs/1"},
		{"userinfo with password", "spiffe://user:pw@eaeu/KZ/customs/1"},
		{"query", "spiffe://eaeu/KZ/customs/1?x=1"},
		{"empty query", "spiffe://eaeu/KZ/customs/1?"},
		{"fragment", "spiffe://eaeu/KZ/customs/1#f"},
		{"empty fragment", "spiffe://eaeu/KZ/customs/1#"},
		{"no path", "spiffe://eaeu"},
		{"root path", "spiffe://eaeu/"},
		{"one segment", "spiffe://eaeu/KZ"},
		{"two segments", "spiffe://eaeu/KZ/customs"},
		{"empty id", "spiffe://eaeu/KZ/customs/"},
		{"four segments", "spiffe://eaeu/KZ/customs/1/2"},
		{"trailing slash", "spiffe://eaeu/KZ/customs/1/"},
		{"double slash", "spiffe://eaeu/KZ//customs/1"},
		{"leading double slash", "spiffe://eaeu//KZ/customs/1"},
		{"unknown state", "spiffe://eaeu/UA/customs/1"},
		{"state lower case", "spiffe://eaeu/kz/customs/1"},
		{"wildcard state", "spiffe://eaeu/*/customs/1"},
		{"unknown kind", "spiffe://eaeu/KZ/bank/1"},
		{"kind upper case", "spiffe://eaeu/KZ/Customs/1"},
		{"commission outside EEC", "spiffe://eaeu/KZ/commission/1"},
		{"EEC customs", "spiffe://eaeu/EEC/customs/1"},
		{"EEC operator", "spiffe://eaeu/EEC/operator/1"},
		{"EEC node", "spiffe://eaeu/EEC/node/1"},
		{"id too long", "spiffe://eaeu/KZ/customs/" + id64 + "a"},
		{"id with space", "spiffe://eaeu/KZ/customs/a b"},
		{"id with colon", "spiffe://eaeu/KZ/customs/a:b"},
		{"id with plus", "spiffe://eaeu/KZ/customs/a+b"},
		{"id non-ASCII", "spiffe://eaeu/KZ/customs/таможня"},
		{"id percent-encoded", "spiffe://eaeu/KZ/customs/a%2Fb"},
		{"id percent-encoded letter", "spiffe://eaeu/KZ/customs/%41"},
		{"id dot", "spiffe://eaeu/KZ/customs/."},
		{"id dot dot", "spiffe://eaeu/KZ/customs/.."},
		{"leading space", " spiffe://eaeu/KZ/customs/1"},
		{"trailing space", "spiffe://eaeu/KZ/customs/1 "},
		{"trailing newline", "spiffe://eaeu/KZ/customs/1\n"},
		{"backslash", "spiffe://eaeu/KZ/customs\\1"},
	}
	for _, tc := range bad {
		t.Run("bad/"+tc.name, func(t *testing.T) {
			s, err := authn.ParseSubject(tc.uri)
			if err == nil {
				t.Fatalf("accepted: %+v", s)
			}
			if !errors.Is(err, authn.ErrInvalidSubject) {
				t.Fatalf("error %v does not wrap ErrInvalidSubject", err)
			}
		})
	}
}

func TestKindValid(t *testing.T) {
	for _, k := range []authn.Kind{authn.KindCustoms, authn.KindCommission, authn.KindOperator, authn.KindIndividual, authn.KindNode} {
		if !k.Valid() {
			t.Errorf("%q not valid", k)
		}
	}
	for _, k := range []authn.Kind{"", "Customs", "bank"} {
		if k.Valid() {
			t.Errorf("%q valid", k)
		}
	}
}
