package ecommerce

import (
	"context"
	"fmt"
	"strings"

	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/store"
)

// Versions of a declaration (art. 112) are kept as documents of their own,
// scoped by the declaration, ordered by version.
const kindVersion = "declaration_version"

func versionSortKey(id string, v int32) string { return fmt.Sprintf("%s/%07d", id, v) }

// keepVersion stores d as its current version.
func (s *Server) keepVersion(ctx context.Context, tx store.Tx, id string, d *ecommercev1.Declaration, reason string, author caller.Caller) error {
	doc, err := s.versionDocument(id, d, reason, author)
	if err != nil {
		return err
	}
	return tx.CreateDocument(ctx, doc)
}

// versionDocument is the stored form of d as its current version.
func (s *Server) versionDocument(id string, d *ecommercev1.Declaration, reason string, author caller.Caller) (store.Document, error) {
	body, err := marshalBody(&ecommercev1.DeclarationVersion{Version: d.GetVersion(), Reason: reason, Author: author.Subject.URI, Declaration: d})
	if err != nil {
		return store.Document{}, err
	}
	now := s.now()
	return store.Document{Kind: kindVersion, Name: fmt.Sprintf("%s/versions/%d", d.GetName(), d.GetVersion()),
		Scope: id, SortKey: versionSortKey(id, d.GetVersion()), Body: body, CreateTime: now, UpdateTime: now}, nil
}

// ListDeclarationVersions implements the RPC.
func (s *Server) ListDeclarationVersions(ctx context.Context, req *ecommercev1.ListDeclarationVersionsRequest) (*ecommercev1.ListDeclarationVersionsResponse, error) {
	c := caller.From(ctx)
	resp := &ecommercev1.ListDeclarationVersionsResponse{}
	err := s.Store.View(ctx, func(tx store.Tx) error {
		if _, _, err := load(ctx, tx, c, req.GetName()); err != nil {
			return err
		}
		id := strings.TrimPrefix(req.GetName(), "declarations/")
		docs, err := tx.ListDocuments(ctx, store.DocumentQuery{Kind: kindVersion, Scope: id, Limit: 10000})
		if err != nil {
			return err
		}
		for _, doc := range docs {
			v := &ecommercev1.DeclarationVersion{}
			if err := unmarshalBody(doc.Body, v); err != nil {
				return err
			}
			resp.Versions = append(resp.Versions, v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}
