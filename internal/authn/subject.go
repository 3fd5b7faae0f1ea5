package authn

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Kind is the kind of party a subject is.
type Kind string

// Kinds.
const (
	// KindCustoms is the customs body of a member state.
	KindCustoms Kind = "customs"
	// KindCommission is the Eurasian Economic Commission (state EEC only).
	KindCommission Kind = "commission"
	// KindOperator is an e-commerce operator.
	KindOperator Kind = "operator"
	// KindIndividual is an individual.
	KindIndividual Kind = "individual"
	// KindNode is an exchange node (a server); never a caller.
	KindNode Kind = "node"
)

// Valid reports whether k is one of the known kinds.
func (k Kind) Valid() bool {
	switch k {
	case KindCustoms, KindCommission, KindOperator, KindIndividual, KindNode:
		return true
	}
	return false
}

// StateEEC is the pseudo member state of the Eurasian Economic Commission.
const StateEEC = "EEC"

// IsMemberState reports whether s is the code of an EAEU member state
// (AM, BY, KZ, KG, RU). EEC is not a member state.
func IsMemberState(s string) bool {
	switch s {
	case "AM", "BY", "KZ", "KG", "RU":
		return true
	}
	return false
}

// IsState reports whether s may appear as the STATE of a subject: a member
// state or EEC.
func IsState(s string) bool { return s == StateEEC || IsMemberState(s) }

// MaxIDLength is the maximum length of a subject ID.
const MaxIDLength = 64

const (
	uriScheme = "spiffe"
	uriHost   = "eaeu"
	uriPrefix = uriScheme + "://" + uriHost + "/"
)

// Subject is an authenticated (or parsed) identity.
type Subject struct {
	// URI is the canonical spiffe://eaeu/{STATE}/{kind}/{id} form.
	URI string
	// MemberState is AM, BY, KZ, KG, RU or EEC.
	MemberState string
	Kind        Kind
	ID          string
}

// String returns the URI.
func (s Subject) String() string { return s.URI }

// NewSubject builds and validates the subject {state}/{kind}/{id}.
func NewSubject(state string, kind Kind, id string) (Subject, error) {
	return ParseSubject(uriPrefix + state + "/" + string(kind) + "/" + id)
}

// ParseSubject parses a subject URI, strictly: it must be exactly
// spiffe://eaeu/{STATE}/{kind}/{id} with a known STATE (upper case) and kind
// (lower case), an id matching ^[A-Za-z0-9._-]{1,64}$ other than "." and
// "..", commission if and only if STATE is EEC, and no userinfo, port,
// query, fragment, percent-encoding, empty or extra path segment. Errors wrap
// ErrInvalidSubject.
func ParseSubject(uri string) (Subject, error) {
	bad := func(format string, args ...any) (Subject, error) {
		return Subject{}, fmt.Errorf("%w %q: %s", ErrInvalidSubject, uri, fmt.Sprintf(format, args...))
	}
	if uri == "" {
		return bad("empty")
	}
	u, err := url.Parse(uri)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return bad("%v", err)
	}
	switch {
	case !strings.HasPrefix(uri, uriScheme+"://"):
		return bad("scheme must be %q followed by //", uriScheme)
	case u.User != nil:
		return bad("userinfo not allowed")
	case u.Port() != "" || strings.Contains(u.Host, ":"):
		return bad("port not allowed")
	case u.Host != uriHost:
		return bad("host must be %q", uriHost)
	case u.RawQuery != "" || u.ForceQuery || strings.Contains(uri, "?"):
		return bad("query not allowed")
	case u.Fragment != "" || strings.Contains(uri, "#"):
		return bad("fragment not allowed")
	case !strings.HasPrefix(uri, uriPrefix):
		return bad("path must be /{STATE}/{kind}/{id}")
	}
	segs := strings.Split(strings.TrimPrefix(uri, uriPrefix), "/")
	if len(segs) != 3 {
		return bad("path must have exactly three segments /{STATE}/{kind}/{id}, has %d", len(segs))
	}
	state, kind, id := segs[0], Kind(segs[1]), segs[2]
	if !IsState(state) {
		return bad("unknown state %q (want AM, BY, KZ, KG, RU or EEC)", state)
	}
	if !kind.Valid() {
		return bad("unknown kind %q (want customs, commission, operator, individual or node)", kind)
	}
	if (kind == KindCommission) != (state == StateEEC) {
		return bad("kind commission goes with state EEC and only with it")
	}
	if err := checkID(id); err != nil {
		return bad("%v", err)
	}
	return Subject{URI: uri, MemberState: state, Kind: kind, ID: id}, nil
}

func checkID(id string) error {
	if id == "" {
		return errors.New("empty id")
	}
	if len(id) > MaxIDLength {
		return fmt.Errorf("id longer than %d characters", MaxIDLength)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("id character %q not in [A-Za-z0-9._-]", c)
		}
	}
	if id == "." || id == ".." {
		return fmt.Errorf("id %q is a dot segment", id)
	}
	return nil
}
