package ecommerce

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
	"google.golang.org/protobuf/types/known/timestamppb"

	authv1 "github.com/eaeu/customs-exchange/gen/eaeu/auth/v1"
	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	"github.com/eaeu/customs-exchange/internal/api/reference"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/register"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	rules "github.com/eaeu/customs-exchange/internal/rules/ecommerce"
	"github.com/eaeu/customs-exchange/internal/store"
)

// Deps is what the declaration handlers need.
type Deps struct {
	reference.Deps
	// MinorUnits of the national currency, for rounding the duty.
	MinorUnits int32
	// RegisterOnFiling registers a declaration as soon as it is filed
	// (the customs body's setting).
	RegisterOnFiling bool
	// Restrictions are the prohibitions and restrictions checked at release.
	Restrictions rules.Restrictions
	// PenaltyDailyRate is the share of an unpaid amount accrued as penalty
	// per day after the notice of unpaid amounts (e.g. 0.0001).
	PenaltyDailyRate apd.Decimal
	// ReleaseFee is the customs fees due before release (art. 309.5) per
	// declaration, in the national currency; zero for none.
	ReleaseFee apd.Decimal
}

// Server serves eaeu.ecommerce.v1.DeclarationService.
type Server struct {
	ecommercev1.UnimplementedDeclarationServiceServer
	Deps
	rates *reference.ExchangeRates
	refs  refCaches
}

// New returns the service.
func New(d Deps) *Server {
	return &Server{Deps: d, rates: &reference.ExchangeRates{Deps: d.Deps}, refs: newRefCaches()}
}

// today is the date in the node's member state.
func (s *Server) today() time.Time { return dates.Local(s.now(), s.NodeState) }

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// recipientKey indexes declarations by recipient without putting the id in
// an index in clear.
func recipientKey(id string) string {
	sum := sha256.Sum256([]byte("eaeu-recipient/v1/" + strings.ToUpper(strings.TrimSpace(id))))
	return hex.EncodeToString(sum[:])
}

func recipientID(r *ecommercev1.Recipient) string {
	if r.GetIndividualNumber() != "" {
		return r.GetIndividualNumber()
	}
	return r.GetIdDocumentNumber()
}

// visible reports whether the caller may see the declaration: customs all
// of this node's, an operator those filed under any register number its
// legal entity (its certificate id) has held, an individual its own.
func visible(ctx context.Context, tx store.Tx, c caller.Caller, d store.Declaration) (bool, error) {
	switch c.Role {
	case authv1.Role_ROLE_CUSTOMS:
		return true, nil
	case authv1.Role_ROLE_OPERATOR:
		if d.Operator == "" {
			return false, nil
		}
		numbers, err := register.RegisterNumbers(ctx, tx, c.Subject.ID)
		return slices.Contains(numbers, d.Operator), err
	case authv1.Role_ROLE_INDIVIDUAL:
		return d.RecipientKey == recipientKey(c.Subject.ID), nil
	}
	return false, nil
}

func encode(d *ecommercev1.Declaration) ([]byte, error) { return marshalBody(d) }

// load reads a declaration the caller may see; NOT_FOUND otherwise, so
// that its existence is not revealed either.
func load(ctx context.Context, tx store.Tx, c caller.Caller, name string) (store.Declaration, *ecommercev1.Declaration, error) {
	id := strings.TrimPrefix(name, "declarations/")
	row, err := tx.GetDeclaration(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return row, nil, errs.NotFound(name)
	}
	if err != nil {
		return row, nil, err
	}
	if ok, err := visible(ctx, tx, c, row); err != nil || !ok {
		return row, nil, cmp.Or(err, error(errs.NotFound(name)))
	}
	d, err := decode(row)
	return row, d, err
}

func decode(row store.Declaration) (*ecommercev1.Declaration, error) {
	d := &ecommercev1.Declaration{}
	if err := unmarshalBody(row.Body, d); err != nil {
		return nil, err
	}
	d.Etag = etag(row.Revision)
	return d, nil
}

func etag(rev int64) string { return strconv.FormatInt(rev, 10) }

// save writes d back over row at its revision, with its columns.
func (s *Server) save(ctx context.Context, tx store.Tx, row store.Declaration, d *ecommercev1.Declaration) (*ecommercev1.Declaration, error) {
	d.UpdateTime = timestamppb.New(s.now())
	d.Etag = ""
	body, err := encode(d)
	if err != nil {
		return nil, err
	}
	row.Number, row.Status, row.RegistrationDate = d.GetNumber(), d.GetStatus().String(), d.GetRegistrationDate()
	row.Body, row.UpdateTime = body, d.GetUpdateTime().AsTime()
	if err := tx.UpdateDeclaration(ctx, row, row.Revision); err != nil {
		return nil, err
	}
	d.Etag = etag(row.Revision + 1)
	return d, nil
}
