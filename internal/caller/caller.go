// Package caller carries the authenticated identity of the caller of an RPC
// through the request context, and maps a certificate subject to a role.
package caller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	authv1 "github.com/eaeu/customs-exchange/gen/eaeu/auth/v1"
	"github.com/eaeu/customs-exchange/internal/authn"
)

// Caller is who is calling. A public caller has a zero Subject.
type Caller struct {
	Subject authn.Subject
	Role    authv1.Role
}

// Public is the caller without a certificate.
var Public = Caller{Role: authv1.Role_ROLE_PUBLIC}

// IsPublic reports whether the caller presented no identity.
func (c Caller) IsPublic() bool { return c.Subject.URI == "" }

// LogSubject is the subject as it may appear in logs: an individual's id is
// a personal identifier, so it is replaced by a short hash.
func (c Caller) LogSubject() string {
	if c.Subject.Kind != authn.KindIndividual {
		return c.Subject.URI
	}
	sum := sha256.Sum256([]byte(c.Subject.ID))
	return "spiffe://eaeu/" + c.Subject.MemberState + "/individual/~" + hex.EncodeToString(sum[:6])
}

// RoleFor maps a subject to its role on the node of nodeState: a customs
// body of the node's own state is ROLE_CUSTOMS, of another state
// ROLE_PEER_CUSTOMS.
func RoleFor(s authn.Subject, nodeState string) authv1.Role {
	switch s.Kind {
	case authn.KindCustoms:
		if s.MemberState == nodeState {
			return authv1.Role_ROLE_CUSTOMS
		}
		return authv1.Role_ROLE_PEER_CUSTOMS
	case authn.KindCommission:
		return authv1.Role_ROLE_COMMISSION
	case authn.KindOperator:
		return authv1.Role_ROLE_OPERATOR
	case authn.KindIndividual:
		return authv1.Role_ROLE_INDIVIDUAL
	default:
		return authv1.Role_ROLE_UNSPECIFIED
	}
}

type ctxKey struct{}

// With returns ctx carrying c.
func With(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, ctxKey{}, c)
}

// From returns the caller in ctx, or Public when there is none.
func From(ctx context.Context) Caller {
	if c, ok := ctx.Value(ctxKey{}).(Caller); ok {
		return c
	}
	return Public
}
