// Package identity holds the handler of eaeu.auth.v1.IdentityService.
package identity

import (
	"context"

	authv1 "github.com/eaeu/customs-exchange/gen/eaeu/auth/v1"
	"github.com/eaeu/customs-exchange/internal/caller"
)

// Server serves eaeu.auth.v1.IdentityService.
type Server struct {
	authv1.UnimplementedIdentityServiceServer
}

// GetCallerIdentity implements the RPC.
func (Server) GetCallerIdentity(ctx context.Context, _ *authv1.GetCallerIdentityRequest) (*authv1.GetCallerIdentityResponse, error) {
	c := caller.From(ctx)
	return &authv1.GetCallerIdentityResponse{Identity: &authv1.Identity{
		Subject: c.Subject.URI, Role: c.Role, MemberState: c.Subject.MemberState, SubjectId: c.Subject.ID,
	}}, nil
}
