package reference

import (
	"context"
	"errors"
	"slices"

	"google.golang.org/protobuf/types/known/timestamppb"

	referencev1 "github.com/eaeu/customs-exchange/gen/eaeu/reference/v1"
	"github.com/eaeu/customs-exchange/internal/api/mutation"
	"github.com/eaeu/customs-exchange/internal/api/paging"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/store"
)

// CustomsBodies serves eaeu.reference.v1.CustomsBodyService.
type CustomsBodies struct {
	referencev1.UnimplementedCustomsBodyServiceServer
	Deps
}

func bodyFrom(d store.Document) (*referencev1.CustomsBody, error) {
	b := &referencev1.CustomsBody{}
	if err := decode(d, b); err != nil {
		return nil, err
	}
	b.Name = d.Name
	b.CreateTime = timestamppb.New(d.CreateTime)
	b.UpdateTime = timestamppb.New(d.UpdateTime)
	b.Etag = etagOf(d.Revision)
	return b, nil
}

// storedBody is what is kept in the document body: the input fields only.
func storedBody(b *referencev1.CustomsBody) *referencev1.CustomsBody {
	return &referencev1.CustomsBody{
		Code: b.GetCode(), MemberState: b.GetMemberState(), DisplayName: b.GetDisplayName(),
		Endpoint: b.GetEndpoint(), DesignatedForRequests: b.GetDesignatedForRequests(),
		ExchangeOfficials: b.GetExchangeOfficials(),
	}
}

// CreateCustomsBody implements the RPC.
func (s *CustomsBodies) CreateCustomsBody(ctx context.Context, req *referencev1.CreateCustomsBodyRequest) (*referencev1.CreateCustomsBodyResponse, error) {
	in := req.GetCustomsBody()
	var vs []errs.Violation
	if in.GetCode() == "" {
		vs = append(vs, errs.Violation{Field: "customs_body.code", Description: "required: the 8-digit code of the customs body"})
	}
	if in.GetMemberState() == "" {
		vs = append(vs, errs.Violation{Field: "customs_body.member_state", Description: "required: AM, BY, KZ, KG or RU"})
	}
	if in.GetDisplayName() == "" {
		vs = append(vs, errs.Violation{Field: "customs_body.display_name", Description: "required"})
	}
	if len(vs) > 0 {
		return nil, errs.Invalid(vs...)
	}
	name := "customsBodies/" + in.GetCode()
	return mutation.Run(ctx, s.Store, req, newCreateBodyResp, func(ctx context.Context, tx store.Tx) (*referencev1.CreateCustomsBodyResponse, mutation.Result, error) {
		body, err := encode(storedBody(in))
		if err != nil {
			return nil, mutation.Result{}, err
		}
		now := s.now()
		d := store.Document{Kind: kindCustomsBody, Name: name, Scope: in.GetMemberState(), SortKey: in.GetCode(),
			Body: body, CreateTime: now, UpdateTime: now}
		if err := tx.CreateDocument(ctx, d); err != nil {
			if errors.Is(err, store.ErrAlreadyExists) {
				return nil, mutation.Result{}, errs.AlreadyExists(name)
			}
			return nil, mutation.Result{}, err
		}
		d.Revision = 1
		out, err := bodyFrom(d)
		return &referencev1.CreateCustomsBodyResponse{CustomsBody: out}, mutation.Result{Resource: name}, err
	})
}

func newCreateBodyResp() *referencev1.CreateCustomsBodyResponse {
	return &referencev1.CreateCustomsBodyResponse{}
}

// GetCustomsBody implements the RPC.
func (s *CustomsBodies) GetCustomsBody(ctx context.Context, req *referencev1.GetCustomsBodyRequest) (*referencev1.GetCustomsBodyResponse, error) {
	var out *referencev1.CustomsBody
	err := s.Store.View(ctx, func(tx store.Tx) error {
		d, err := getDoc(ctx, tx, kindCustomsBody, req.GetName())
		if err != nil {
			return err
		}
		out, err = bodyFrom(d)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &referencev1.GetCustomsBodyResponse{CustomsBody: out}, nil
}

// ListCustomsBodies implements the RPC.
func (s *CustomsBodies) ListCustomsBodies(ctx context.Context, req *referencev1.ListCustomsBodiesRequest) (*referencev1.ListCustomsBodiesResponse, error) {
	resp := &referencev1.ListCustomsBodiesResponse{}
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		resp.CustomsBodies, resp.NextPageToken, err = paging.Documents(ctx, tx,
			store.DocumentQuery{Kind: kindCustomsBody, Scope: req.GetMemberState()}, "member_state="+req.GetMemberState(),
			req.GetPageToken(), paging.Size(req.GetPageSize(), 50, 500), bodyFrom)
		return err
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

var updatableBodyFields = []string{"display_name", "endpoint", "designated_for_requests", "exchange_officials"}

// UpdateCustomsBody implements the RPC.
func (s *CustomsBodies) UpdateCustomsBody(ctx context.Context, req *referencev1.UpdateCustomsBodyRequest) (*referencev1.UpdateCustomsBodyResponse, error) {
	in := req.GetCustomsBody()
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		return nil, errs.Field("update_mask", "name at least one field: %v", updatableBodyFields)
	}
	for _, p := range paths {
		if !slices.Contains(updatableBodyFields, p) {
			return nil, errs.Field("update_mask", "%q cannot be updated; updatable: %v", p, updatableBodyFields)
		}
	}
	for _, p := range paths {
		if p == "display_name" && in.GetDisplayName() == "" {
			return nil, errs.Field("customs_body.display_name", "cannot be emptied")
		}
	}
	name := in.GetName()
	if name == "" {
		return nil, errs.Field("customs_body.name", "required: customsBodies/{code}")
	}
	return mutation.Run(ctx, s.Store, req, newUpdateBodyResp, func(ctx context.Context, tx store.Tx) (*referencev1.UpdateCustomsBodyResponse, mutation.Result, error) {
		d, err := getDoc(ctx, tx, kindCustomsBody, name)
		if err != nil {
			return nil, mutation.Result{}, err
		}
		if in.GetEtag() != "" && in.GetEtag() != etagOf(d.Revision) {
			return nil, mutation.Result{}, errs.EtagMismatch(name)
		}
		cur := &referencev1.CustomsBody{}
		if err := decode(d, cur); err != nil {
			return nil, mutation.Result{}, err
		}
		for _, p := range paths {
			switch p {
			case "display_name":
				cur.DisplayName = in.GetDisplayName()
			case "endpoint":
				cur.Endpoint = in.GetEndpoint()
			case "designated_for_requests":
				cur.DesignatedForRequests = in.GetDesignatedForRequests()
			case "exchange_officials":
				cur.ExchangeOfficials = in.GetExchangeOfficials()
			}
		}
		if d.Body, err = encode(storedBody(cur)); err != nil {
			return nil, mutation.Result{}, err
		}
		d.UpdateTime = s.now()
		if err := tx.UpdateDocument(ctx, d, d.Revision); err != nil {
			return nil, mutation.Result{}, err
		}
		d.Revision++
		out, err := bodyFrom(d)
		return &referencev1.UpdateCustomsBodyResponse{CustomsBody: out}, mutation.Result{Resource: name}, err
	})
}

func newUpdateBodyResp() *referencev1.UpdateCustomsBodyResponse {
	return &referencev1.UpdateCustomsBodyResponse{}
}
