package accounting

import (
	operatorsv1 "github.com/eaeu/customs-exchange/gen/eaeu/operators/v1"
	typev1 "github.com/eaeu/customs-exchange/gen/eaeu/type/v1"
)

// plainValid is a fast, conservative check of the buf.validate rules of
// an uploaded event (accounting_service.proto): true only when every rule
// certainly holds. An event it does not vouch for is checked by
// protovalidate, which alone words the violations; so the rules stay in
// the proto, and this only spares protovalidate's cost (about 4 µs) for
// the events that are plainly well-formed, nearly all of an upload.
// TestPlainValidAgreesWithProtovalidate keeps the two in step: plainValid
// must never accept what protovalidate refuses.
//
// Lengths are compared in bytes: a string of at most n bytes has at most
// n characters, and one of at least 1 byte at least 1 character.
func plainValid(ev *operatorsv1.AccountingEvent) bool {
	if !idLike(ev.GetEventId()) || !idLike(ev.GetItemId()) || !isDate(ev.GetOccurredOn()) || len(ev.GetNote()) > 500 {
		return false
	}
	// Output-only fields carry no rules.
	switch k := ev.GetKind().(type) {
	case *operatorsv1.AccountingEvent_TemporaryStoragePlacement:
		return plainPlacement(k.TemporaryStoragePlacement)
	case *operatorsv1.AccountingEvent_CustomsWarehousePlacement:
		return plainPlacement(k.CustomsWarehousePlacement)
	case *operatorsv1.AccountingEvent_RemovalNotice:
		n := k.RemovalNotice
		return n != nil && (n.GetPurchaseDate() == "" || isDate(n.GetPurchaseDate())) && len(n.GetOrderReference()) <= 100
	case *operatorsv1.AccountingEvent_Removal:
		r := k.Removal
		return r != nil && r.GetQuantity() >= 0 && r.GetQuantity() <= 1_000_000_000 && len(r.GetDeliveryReference()) <= 100
	case *operatorsv1.AccountingEvent_BuyerReturn:
		r := k.BuyerReturn
		return r != nil && isDate(r.GetReturnDocumentsDate()) && sized(r.GetReturnDocuments(), 300) &&
			r.GetQuantity() >= 0 && r.GetQuantity() <= 1_000_000_000
	case *operatorsv1.AccountingEvent_Release:
		return k.Release != nil && sized(k.Release.GetDeclarationNumber(), 64)
	case *operatorsv1.AccountingEvent_Transfer:
		t := k.Transfer
		return t != nil && registerNumberLike(t.GetDestinationOperator()) && len(t.GetDocumentReference()) <= 200
	case *operatorsv1.AccountingEvent_Transit:
		t := k.Transit
		switch t.GetDestinationMemberState() {
		case "AM", "BY", "KZ", "KG", "RU":
			return sized(t.GetTransitDeclarationNumber(), 64)
		}
		return false
	case *operatorsv1.AccountingEvent_ReExport:
		return k.ReExport != nil && sized(k.ReExport.GetDeclarationNumber(), 64)
	case *operatorsv1.AccountingEvent_DestructionOrLoss:
		return k.DestructionOrLoss != nil && sized(k.DestructionOrLoss.GetActReference(), 200)
	}
	return false // no kind: required
}

func plainPlacement(p *operatorsv1.AccountingPlacement) bool {
	if p == nil || p.GetItem() == nil || len(p.GetDocumentReference()) > 200 {
		return false
	}
	it := p.GetItem()
	return sized(it.GetDescription(), 500) && digits(it.GetHsCode(), 10) && it.GetQuantity() > 0 &&
		it.GetQuantity() <= 1_000_000_000 && plainMoney(it.GetValue()) && sized(it.GetOwner(), 300) &&
		parcelLike(it.GetParcelNumber())
}

// plainMoney: ^[A-Z]{3}$ and ^-?[0-9]{1,18}(\.[0-9]{1,10})?$.
func plainMoney(m *typev1.Money) bool {
	if m == nil {
		return false
	}
	c := m.GetCurrencyCode()
	if len(c) != 3 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' || c[2] < 'A' || c[2] > 'Z' {
		return false
	}
	a := m.GetAmount()
	if len(a) > 0 && a[0] == '-' {
		a = a[1:]
	}
	whole, frac, dot := a, "", false
	for i := 0; i < len(a); i++ {
		if a[i] == '.' {
			whole, frac, dot = a[:i], a[i+1:], true
			break
		}
	}
	if len(whole) < 1 || len(whole) > 18 || !digits(whole, len(whole)) {
		return false
	}
	return !dot || (len(frac) >= 1 && len(frac) <= 10 && digits(frac, len(frac)))
}

// sized: at least 1 and at most max bytes.
func sized(s string, max int) bool { return len(s) >= 1 && len(s) <= max }

// digits: exactly n ASCII digits.
func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// idLike: ^[A-Za-z0-9._-]{1,64}$.
func idLike(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// parcelLike: ^[A-Za-z0-9-]{0,40}$.
func parcelLike(s string) bool {
	if len(s) > 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// isDate: ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ (the pattern; the calendar is
// checked apart).
func isDate(s string) bool {
	return len(s) == 10 && digits(s[0:4], 4) && s[4] == '-' && digits(s[5:7], 2) && s[7] == '-' && digits(s[8:10], 2)
}

// registerNumberLike: ^[A-Z]{2}-EO-[0-9]{7}$.
func registerNumberLike(s string) bool {
	return len(s) == 13 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2:6] == "-EO-" && digits(s[6:], 7)
}
