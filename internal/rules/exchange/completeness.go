package exchange

import (
	"strconv"
	"strings"
)

// Ground of a request (art. 371(2)).
type Ground int

// The grounds; GroundNone means none was given.
const (
	GroundNone Ground = iota
	// GroundDiscrepancies: discrepancies found analysing exchanged
	// information about goods, vehicles or persons.
	GroundDiscrepancies
	// GroundPossibleBreach: information that the law may have been broken.
	GroundPossibleBreach
	// GroundAEOApplicant: checking an applicant for the register of
	// authorised economic operators.
	GroundAEOApplicant
)

// Capacity of the signer (art. 371(3)).
type Capacity int

// The capacities; CapacityNone means none was given.
const (
	CapacityNone Capacity = iota
	// CapacityHead: the head of the requesting customs body.
	CapacityHead
	// CapacityDeputy: an authorised deputy head.
	CapacityDeputy
	// CapacityActing: the person acting for the head.
	CapacityActing
)

// Body is a customs body as the request names it.
type Body struct {
	Code        string
	MemberState string
	Name        string
}

// Item is one document or piece of information requested.
type Item struct {
	Document    bool // a copy of a document (else information)
	Kind        bool // false when the kind was not said
	Description string
}

// Request is a request for copies of documents and information as the
// completeness rule sees it.
type Request struct {
	Requesting          Body
	Requested           Body
	ReferencesArt371    bool
	Circumstances       string
	ProvisionsChecked   []string
	Ground              Ground
	Items               []Item
	SignerName          string
	SignerPosition      string
	SignerCapacity      Capacity
	Signed              bool // carries an electronic signature
	OutgoingNumber      string
	Date                string
	OtherInformation    string // optional
	ReferencedDocuments []string
}

// Missing is one required element a request lacks.
type Missing struct {
	// Field is the path of the element in the request document
	// (eaeu.exchange.v1.RequestDocument field names).
	Field string
	// Reason says what the law requires, citing the provision.
	Reason string
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

// Check returns every required element the request lacks, in document
// order; none means it is complete. A request lacking any of them is
// refused on ground (1) of art. 371(10).
func Check(r Request) []Missing {
	var out []Missing
	add := func(field, reason string) { out = append(out, Missing{Field: field, Reason: reason}) }
	if blank(r.OutgoingNumber) {
		add("outgoing_number", "art. 371(3): a request is a letter or electronic document; its outgoing number is missing")
	}
	if blank(r.Date) {
		add("date", "art. 371(3): the date of the request is missing")
	}
	if blank(r.Requesting.Code) || blank(r.Requesting.Name) {
		add("requesting_body", "art. 371(4)(1): the name of the requesting customs body is missing")
	}
	if blank(r.Requested.Code) || blank(r.Requested.Name) {
		add("requested_body", "art. 371(4)(1): the name of the requested customs body is missing")
	}
	if !r.ReferencesArt371 {
		add("legal_basis", "art. 371(4)(2): the reference to art. 371 of the EAEU Customs Code is missing")
	}
	if blank(r.Circumstances) {
		add("circumstances", "art. 371(4)(3): the circumstances that caused the request are missing")
	}
	provisions := false
	for _, p := range r.ProvisionsChecked {
		if !blank(p) {
			provisions = true
		}
	}
	if !provisions {
		add("provisions_checked", "art. 371(4)(3): the provisions of customs law being checked are missing")
	}
	switch r.Ground {
	case GroundDiscrepancies, GroundPossibleBreach, GroundAEOApplicant:
	default:
		add("ground", "art. 371(2), (4)(4): one of the three grounds of the request is required")
	}
	if len(r.Items) == 0 {
		add("requested_items", "art. 371(4)(5): the list of documents and information requested is missing")
	}
	for i, it := range r.Items {
		if !it.Kind || blank(it.Description) {
			add(indexed("requested_items", i), "art. 371(4)(5): each item must say whether a document copy or information is requested and describe it")
		}
	}
	if blank(r.SignerName) || blank(r.SignerPosition) {
		add("signer", "art. 371(3): the signer's name and position are missing")
	}
	switch r.SignerCapacity {
	case CapacityHead, CapacityDeputy, CapacityActing:
	default:
		add("signer.capacity", "art. 371(3): the request is signed by the head, an authorised deputy or the person acting for the head")
	}
	if !r.Signed {
		add("signature", "art. 371(3): an electronic request must carry the electronic signature")
	}
	if r.Requesting.MemberState != "" && r.Requesting.MemberState == r.Requested.MemberState {
		add("requested_body", "art. 371(1): requests go to the customs body of another member state")
	}
	return out
}

func indexed(field string, i int) string {
	return field + "[" + strconv.Itoa(i) + "]"
}
