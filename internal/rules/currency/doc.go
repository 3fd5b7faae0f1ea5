// Package currency is the ISO 4217 reference the rules need: which
// alphabetic codes are active currencies, how many minor units (decimal
// places) each has, and the national currency of each EAEU member state.
//
// The table holds the active national currencies and fund codes of
// ISO 4217 that have a minor unit; codes whose minor unit is "not
// applicable" (precious metals XAU, XAG, XPT, XPD, the SDR XDR, bond
// market units, XTS, XXX) and withdrawn codes (e.g. HRK, BGN, ANG, ZWL)
// are not in it. Codes are matched exactly: ISO 4217 codes are three
// upper-case letters, and "usd" is not known.
//
// The e-commerce duty of art. 309.8 is computed in the national currency
// of the member state where the declaration is filed; National gives it.
package currency
