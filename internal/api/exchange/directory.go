package exchange

import (
	"context"
	"errors"

	"google.golang.org/protobuf/encoding/protojson"

	authv1 "github.com/eaeu/customs-exchange/gen/eaeu/auth/v1"
	exchangev1 "github.com/eaeu/customs-exchange/gen/eaeu/exchange/v1"
	referencev1 "github.com/eaeu/customs-exchange/gen/eaeu/reference/v1"
	"github.com/eaeu/customs-exchange/internal/authn"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/store"
)

// The customs-body directory is kept by package reference as documents.
const (
	kindCustomsBody   = "customs_body"
	customsBodyPrefix = "customsBodies/"
)

// LookupBody reads a customs body of the directory; store.ErrNotFound when
// absent.
func LookupBody(ctx context.Context, tx store.Tx, code string) (*referencev1.CustomsBody, error) {
	d, err := tx.GetDocument(ctx, kindCustomsBody, customsBodyPrefix+code)
	if err != nil {
		return nil, err
	}
	b := &referencev1.CustomsBody{}
	if err := protojson.Unmarshal(d.Body, b); err != nil {
		return nil, err
	}
	b.Name = d.Name
	return b, nil
}

func ref(b *referencev1.CustomsBody) *exchangev1.CustomsBodyRef {
	return &exchangev1.CustomsBodyRef{Code: b.GetCode(), MemberState: b.GetMemberState(), DisplayName: b.GetDisplayName()}
}

func errNotFound(name string) error { return errs.NotFound(name) }

// ownBody is this node's customs body; it must be in the directory. With
// forRequests it must also be designated for requests (art. 371(12)).
func (d *Deps) ownBody(ctx context.Context, tx store.Tx, forRequests bool) (*referencev1.CustomsBody, error) {
	b, err := LookupBody(ctx, tx, d.CustomsCode)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errs.WrongState("this node's customs body %s is not in the customs-body directory; add it first", d.CustomsCode)
	}
	if err != nil {
		return nil, err
	}
	if forRequests && !b.GetDesignatedForRequests() {
		return nil, errs.Permission("this node's customs body %s is not designated by the Commission to send and answer requests (art. 371(12))", d.CustomsCode)
	}
	return b, nil
}

// peerBody is a customs body of another member state that this node may
// exchange with: in the directory, with an exchange node endpoint when
// needsEndpoint. field names the request field for errors.
func (d *Deps) peerBody(ctx context.Context, tx store.Tx, code, field string, needsEndpoint, forRequests bool) (*referencev1.CustomsBody, error) {
	if code == "" {
		return nil, errs.Field(field, "required: the 8-digit code of the customs body")
	}
	b, err := LookupBody(ctx, tx, code)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errs.Field(field, "customs body %s is not in the customs-body directory", code)
	}
	if err != nil {
		return nil, err
	}
	switch {
	case b.GetMemberState() == d.NodeState:
		return nil, errs.Field(field, "customs body %s belongs to this node's member state; exchange is with other member states", code)
	case needsEndpoint && b.GetEndpoint() == "":
		return nil, errs.Field(field, "customs body %s has no exchange node endpoint in the directory", code)
	case forRequests && !b.GetDesignatedForRequests():
		return nil, errs.Field(field, "customs body %s is not designated by the Commission to send and answer requests (art. 371(12))", code)
	}
	return b, nil
}

// callerPeer is the customs body of the calling peer node: its certificate
// names spiffe://eaeu/{STATE}/customs/{code}, and that code must be in the
// directory as a body of that state. Anything else is an unknown peer.
func (d *Deps) callerPeer(ctx context.Context, tx store.Tx) (*referencev1.CustomsBody, error) {
	c := caller.From(ctx)
	if c.Role != authv1.Role_ROLE_PEER_CUSTOMS || c.Subject.Kind != authn.KindCustoms {
		return nil, errs.Permission("only another member state's customs node may deliver this")
	}
	b, err := LookupBody(ctx, tx, c.Subject.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errs.Permission("unknown peer: customs body %s of %s is not in this node's customs-body directory", c.Subject.ID, c.Subject.MemberState)
	}
	if err != nil {
		return nil, err
	}
	if b.GetMemberState() != c.Subject.MemberState {
		return nil, errs.Permission("unknown peer: customs body %s is listed for %s, the certificate names %s", c.Subject.ID, b.GetMemberState(), c.Subject.MemberState)
	}
	return b, nil
}
