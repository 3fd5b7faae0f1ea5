package ecommerce

import (
	"context"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	"github.com/eaeu/customs-exchange/internal/store"
)

// filing is a declaration checked, and at a node that registers at filing
// priced, in a read transaction: what the writer still has to do is number
// it and store it.
type filing struct {
	d        *ecommercev1.Declaration // as stored, but for the number
	row      store.Declaration        // its columns, but for the number and body
	register bool                     // number it: registered at filing
	day      time.Time                // the filing (and registration) date
	version  store.Document           // version 1: the declaration as filed
}

// planFiling checks the declaration in filed by c and prepares what is
// stored: the declaration, its first version, and, at a node that
// registers at filing, its registration but for the number.
func (s *Server) planFiling(ctx context.Context, r refView, c caller.Caller, in *ecommercev1.Declaration) (*filing, error) {
	today := s.today()
	if err := s.checkFiling(ctx, r, c, in, today); err != nil {
		return nil, err
	}
	d := proto.Clone(in).(*ecommercev1.Declaration)
	// Time-ordered (UUIDv7): the rows and index entries keyed by the id
	// (the declaration, its versions, its audit records) are appended
	// together instead of landing on a random page each.
	uid, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	id := uid.String()
	now := s.now()
	d.Name, d.Number, d.Status, d.Version = "declarations/"+id, "", ecommercev1.DeclarationStatus_DECLARATION_STATUS_FILED, 1
	d.FilingTime, d.UpdateTime, d.RegistrationDate = timestamppb.New(now), timestamppb.New(now), ""
	d.Duty, d.Obligation, d.Payments, d.WithdrawalReason = nil, nil, nil, ""
	for _, p := range d.GetParcels() {
		for _, it := range p.GetItems() {
			it.ReleaseStatus, it.ReleaseNote = ecommercev1.ItemReleaseStatus_ITEM_RELEASE_STATUS_PENDING, ""
		}
	}
	d.Etag = etag(1)
	version, err := s.versionDocument(id, d, "filed", c)
	if err != nil {
		return nil, err
	}
	d.Etag = ""
	f := &filing{d: d, day: today, version: version, register: s.RegisterOnFiling,
		row: store.Declaration{ID: id, CustomsBody: d.GetCustomsBodyCode(),
			Operator: d.GetDeclarant().GetOperatorRegisterNumber(), RecipientKey: recipientKey(recipientID(d.GetRecipient())),
			FilingDate: dates.Format(today), FilingTime: now, UpdateTime: now, Revision: 1}}
	if f.register {
		if err := s.price(ctx, r, d, today); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// storeFiling numbers (when registering) and stores a planned filing with
// its first version, and returns the declaration as stored. It may run
// again for the same plan when the store retries the transaction.
func (s *Server) storeFiling(ctx context.Context, tx store.Tx, f *filing) (*ecommercev1.Declaration, error) {
	d, row := f.d, f.row
	d.Etag = ""
	if f.register {
		if err := s.number(ctx, tx, d, f.day); err != nil {
			return nil, err
		}
	}
	body, err := encode(d)
	if err != nil {
		return nil, err
	}
	row.Number, row.Status, row.RegistrationDate, row.Body = d.GetNumber(), d.GetStatus().String(), d.GetRegistrationDate(), body
	if err := tx.CreateDeclaration(ctx, row); err != nil {
		return nil, err
	}
	if err := tx.CreateDocument(ctx, f.version); err != nil {
		return nil, err
	}
	d.Etag = etag(row.Revision)
	return d, nil
}
