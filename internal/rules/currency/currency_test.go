package currency

import (
	"regexp"
	"slices"
	"testing"
)

func TestKnown(t *testing.T) {
	tests := []struct {
		name string
		code string
		want bool
	}{
		{"art.309.8 national currency of Armenia", "AMD", true},
		{"art.309.8 national currency of Belarus", "BYN", true},
		{"art.309.8 national currency of Kazakhstan", "KZT", true},
		{"art.309.8 national currency of Kyrgyzstan", "KGS", true},
		{"art.309.8 national currency of Russia", "RUB", true},
		{"art.309.8 5-euro threshold and duty-free norm (Decision 107) are in EUR", "EUR", true},
		{"USD", "USD", true},
		{"CNY", "CNY", true},
		{"GBP", "GBP", true},
		{"JPY", "JPY", true},
		{"CHF", "CHF", true},
		{"TRY", "TRY", true},
		{"AED", "AED", true},
		{"KRW", "KRW", true},
		{"INR", "INR", true},
		{"UZS (neighbour, common in trade)", "UZS", true},
		{"TJS (neighbour, common in trade)", "TJS", true},
		{"3-digit minor unit BHD", "BHD", true},
		{"new code ZWG (2024)", "ZWG", true},
		{"ISO 4217 is case-sensitive: lower case is not a code", "usd", false},
		{"mixed case", "Eur", false},
		{"withdrawn: Russian ruble before 1998 redenomination", "RUR", false},
		{"withdrawn: Belarusian ruble before 2016 redenomination", "BYR", false},
		{"withdrawn: Croatian kuna (euro since 2023)", "HRK", false},
		{"no minor unit: gold is not a currency for duty", "XAU", false},
		{"no minor unit: SDR", "XDR", false},
		{"testing code", "XTS", false},
		{"no currency", "XXX", false},
		{"two letters", "US", false},
		{"four letters", "USDT", false},
		{"empty", "", false},
		{"padded", " USD", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Known(tt.code); got != tt.want {
				t.Fatalf("Known(%q) = %v, want %v", tt.code, got, tt.want)
			}
		})
	}
}

func TestMinorUnits(t *testing.T) {
	tests := []struct {
		name   string
		code   string
		want   int
		wantOK bool
	}{
		{"art.309.8 duty in AMD: 2 decimals (luma)", "AMD", 2, true},
		{"art.309.8 duty in BYN: 2 decimals (kopeck)", "BYN", 2, true},
		{"art.309.8 duty in KZT: 2 decimals (tiyn)", "KZT", 2, true},
		{"art.309.8 duty in KGS: 2 decimals (tyiyn)", "KGS", 2, true},
		{"art.309.8 duty in RUB: 2 decimals (kopeck)", "RUB", 2, true},
		{"EUR: 2 decimals (cent)", "EUR", 2, true},
		{"USD", "USD", 2, true},
		{"CNY", "CNY", 2, true},
		{"JPY has no minor unit", "JPY", 0, true},
		{"KRW has no minor unit", "KRW", 0, true},
		{"VND has no minor unit", "VND", 0, true},
		{"ISK has no minor unit", "ISK", 0, true},
		{"CLP has no minor unit", "CLP", 0, true},
		{"XOF has no minor unit", "XOF", 0, true},
		{"BHD: 3 decimals (fils)", "BHD", 3, true},
		{"KWD: 3 decimals", "KWD", 3, true},
		{"OMR: 3 decimals (baisa)", "OMR", 3, true},
		{"JOD: 3 decimals", "JOD", 3, true},
		{"TND: 3 decimals", "TND", 3, true},
		{"IQD: 3 decimals", "IQD", 3, true},
		{"LYD: 3 decimals", "LYD", 3, true},
		{"CLF: 4 decimals", "CLF", 4, true},
		{"UZS: 2 decimals", "UZS", 2, true},
		{"TJS: 2 decimals", "TJS", 2, true},
		{"unknown code", "ABC", 0, false},
		{"lower case is unknown", "rub", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := MinorUnits(tt.code)
			if got != tt.want || ok != tt.wantOK {
				t.Fatalf("MinorUnits(%q) = %d, %v; want %d, %v", tt.code, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		name string
		code string
		want Currency
		ok   bool
	}{
		{"KZT numeric 398", "KZT", Currency{"KZT", 398, 2, "Tenge"}, true},
		{"RUB numeric 643", "RUB", Currency{"RUB", 643, 2, "Russian Ruble"}, true},
		{"BYN numeric 933", "BYN", Currency{"BYN", 933, 2, "Belarusian Ruble"}, true},
		{"AMD numeric 051", "AMD", Currency{"AMD", 51, 2, "Armenian Dram"}, true},
		{"KGS numeric 417", "KGS", Currency{"KGS", 417, 2, "Som"}, true},
		{"EUR numeric 978", "EUR", Currency{"EUR", 978, 2, "Euro"}, true},
		{"unknown", "QQQ", Currency{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Lookup(tt.code)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("Lookup(%q) = %+v, %v; want %+v, %v", tt.code, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestNational(t *testing.T) {
	tests := []struct {
		name  string
		state string
		want  string
		ok    bool
	}{
		{"art.309.8: duty computed in the currency of Armenia", "AM", "AMD", true},
		{"art.309.8: duty computed in the currency of Belarus", "BY", "BYN", true},
		{"art.309.8: duty computed in the currency of Kazakhstan", "KZ", "KZT", true},
		{"art.309.8: duty computed in the currency of Kyrgyzstan", "KG", "KGS", true},
		{"art.309.8: duty computed in the currency of Russia", "RU", "RUB", true},
		{"not a member state: Uzbekistan", "UZ", "", false},
		{"lower case is not a member-state code", "kz", "", false},
		{"alpha-3 country code is not accepted", "KAZ", "", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := National(tt.state)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("National(%q) = %q, %v; want %q, %v", tt.state, got, ok, tt.want, tt.ok)
			}
			if ok && !Known(got) {
				t.Fatalf("National(%q) = %q is not in the ISO table", tt.state, got)
			}
		})
	}
}

func TestMemberStates(t *testing.T) {
	// DOMAIN: the five EAEU member states, sorted.
	want := []string{"AM", "BY", "KG", "KZ", "RU"}
	got := MemberStates()
	if !slices.Equal(got, want) {
		t.Fatalf("MemberStates() = %v, want %v", got, want)
	}
	got[0] = "XX" // the caller owns the slice
	if MemberStates()[0] != "AM" {
		t.Fatal("MemberStates returned shared state")
	}
}

func TestCodes(t *testing.T) {
	codes := Codes()
	if len(codes) < 100 {
		t.Fatalf("Codes() has %d codes, want the full ISO 4217 list", len(codes))
	}
	if !slices.IsSorted(codes) {
		t.Fatal("Codes() is not sorted")
	}
	for _, c := range []string{"AMD", "BYN", "KZT", "KGS", "RUB", "EUR", "USD", "CNY", "GBP", "JPY", "CHF", "TRY", "AED", "KRW", "INR", "UZS", "TJS"} {
		if _, found := slices.BinarySearch(codes, c); !found {
			t.Errorf("Codes() lacks %s", c)
		}
	}
}

// TestTableIntegrity checks every entry: three upper-case letters, a
// numeric code 1-999 used once, minor units 0-4, a name; and the source
// list sorted so a reader can find a code.
func TestTableIntegrity(t *testing.T) {
	alpha := regexp.MustCompile(`^[A-Z]{3}$`)
	numeric := map[int]string{}
	for i, c := range entries {
		if !alpha.MatchString(c.Code) {
			t.Errorf("entry %d: code %q is not three upper-case letters", i, c.Code)
		}
		if c.Numeric < 1 || c.Numeric > 999 {
			t.Errorf("%s: numeric %d out of range", c.Code, c.Numeric)
		}
		if other, dup := numeric[c.Numeric]; dup {
			t.Errorf("%s: numeric %03d already used by %s", c.Code, c.Numeric, other)
		}
		numeric[c.Numeric] = c.Code
		if c.MinorUnits < 0 || c.MinorUnits > 4 {
			t.Errorf("%s: minor units %d out of range", c.Code, c.MinorUnits)
		}
		if c.Name == "" {
			t.Errorf("%s: no name", c.Code)
		}
		if i > 0 && entries[i-1].Code >= c.Code {
			t.Errorf("entries not sorted at %s after %s", c.Code, entries[i-1].Code)
		}
	}
	if len(table) != len(entries) {
		t.Fatalf("table has %d codes, entries %d", len(table), len(entries))
	}
}
