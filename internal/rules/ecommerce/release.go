package ecommerce

import (
	"strings"
)

// Restrictions are the prohibitions and restrictions customs enforces at
// release (art. 309.5(1)(2)): HS code prefixes that are prohibited, and
// prefixes that need a permit number on the item.
type Restrictions struct {
	Prohibited  []string
	NeedsPermit []string
}

// ItemCheck is what release needs to know about one item.
type ItemCheck struct {
	HSCode       string
	PermitNumber string
}

// Obstacle is why an item may not be released; "" when it may.
func (r Restrictions) Obstacle(it ItemCheck, dutyPaid, feesPaid bool) string {
	for _, p := range r.Prohibited {
		if strings.HasPrefix(it.HSCode, p) {
			return "goods of HS " + p + " are prohibited (art. 309.5(1)(2))"
		}
	}
	if it.PermitNumber == "" {
		for _, p := range r.NeedsPermit {
			if strings.HasPrefix(it.HSCode, p) {
				return "goods of HS " + p + " need a permit number (art. 309.5(1)(2))"
			}
		}
	}
	if !dutyPaid {
		return "the customs duty for e-commerce goods is not paid (art. 309.5(1)(1))"
	}
	if !feesPaid {
		return "customs fees due before release are not paid (art. 309.5(1)(3))"
	}
	return ""
}
