package ecommerce

import (
	"fmt"
	"time"
)

// MinimumDeclarantAge is the age from which an individual may declare
// e-commerce goods (art. 309.2).
const MinimumDeclarantAge = 16

// AgeOn is the full years of someone born on birth, on the date on.
func AgeOn(birth, on time.Time) int {
	years := on.Year() - birth.Year()
	if on.Month() < birth.Month() || (on.Month() == birth.Month() && on.Day() < birth.Day()) {
		years--
	}
	return years
}

// OldEnough reports whether a recipient born on birth may be the declarant
// on the filing date (art. 309.2: 16 years or older). Someone born on
// 29 February turns a year older on 1 March in a common year.
func OldEnough(birth, filing time.Time) bool {
	return AgeOn(birth, filing) >= MinimumDeclarantAge
}

// Number is the EAEU registration number of a declaration:
// {customs body code}/{DDMMYY of the registration date}/{7-digit serial}.
func Number(customsBody string, registration time.Time, serial int64) string {
	return fmt.Sprintf("%s/%s/%07d", customsBody, registration.Format("020106"), serial)
}

// SerialCounter names the counter the serial comes from: one per customs
// body and registration date.
func SerialCounter(customsBody string, registration time.Time) string {
	return "declaration-number/" + customsBody + "/" + registration.Format("020106")
}
