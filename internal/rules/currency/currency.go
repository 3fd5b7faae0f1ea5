package currency

import "slices"

// Currency is one ISO 4217 currency.
type Currency struct {
	// Code is the alphabetic code, e.g. "KZT".
	Code string
	// Numeric is the numeric code, e.g. 398 (written "398").
	Numeric int
	// MinorUnits is the number of decimal places of the minor unit:
	// 2 for most, 0 for JPY or KRW, 3 for BHD, KWD or OMR.
	MinorUnits int
	// Name is the ISO 4217 English name.
	Name string
}

// Known reports whether code is an active ISO 4217 code in the table.
func Known(code string) bool {
	_, ok := table[code]
	return ok
}

// MinorUnits returns the number of decimal places of the currency's minor
// unit (2 for RUB, 0 for JPY, 3 for KWD); false for an unknown code.
func MinorUnits(code string) (int, bool) {
	c, ok := table[code]
	if !ok {
		return 0, false
	}
	return c.MinorUnits, true
}

// Lookup returns the currency with that alphabetic code.
func Lookup(code string) (Currency, bool) {
	c, ok := table[code]
	return c, ok
}

// Codes returns every alphabetic code in the table, sorted.
func Codes() []string {
	codes := make([]string, 0, len(table))
	for code := range table {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	return codes
}

// national maps each EAEU member state to its national currency.
var national = map[string]string{
	"AM": "AMD", // Armenia: Armenian dram
	"BY": "BYN", // Belarus: Belarusian ruble
	"KG": "KGS", // Kyrgyzstan: som
	"KZ": "KZT", // Kazakhstan: tenge
	"RU": "RUB", // Russia: Russian ruble
}

// National returns the national currency of an EAEU member state given by
// its ISO 3166 alpha-2 code: AM→AMD, BY→BYN, KG→KGS, KZ→KZT, RU→RUB.
// False for any other code.
func National(memberState string) (string, bool) {
	c, ok := national[memberState]
	return c, ok
}

// MemberStates returns the alpha-2 codes of the EAEU member states,
// sorted: AM, BY, KG, KZ, RU.
func MemberStates() []string {
	states := make([]string, 0, len(national))
	for s := range national {
		states = append(states, s)
	}
	slices.Sort(states)
	return states
}
