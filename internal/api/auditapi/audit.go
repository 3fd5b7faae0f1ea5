// Package auditapi holds the handlers of eaeu.audit.v1.AuditService.
package auditapi

import (
	"context"
	"encoding/hex"
	"strconv"

	"google.golang.org/protobuf/types/known/timestamppb"

	auditv1 "github.com/eaeu/customs-exchange/gen/eaeu/audit/v1"
	"github.com/eaeu/customs-exchange/internal/api/paging"
	"github.com/eaeu/customs-exchange/internal/audit"
	"github.com/eaeu/customs-exchange/internal/store"
)

// Server serves eaeu.audit.v1.AuditService.
type Server struct {
	auditv1.UnimplementedAuditServiceServer
	Store store.Store
}

func recordOut(r store.AuditRecord) *auditv1.AuditRecord {
	return &auditv1.AuditRecord{
		Name:             "auditRecords/" + strconv.FormatInt(r.Sequence, 10),
		Sequence:         r.Sequence,
		Time:             timestamppb.New(r.Time),
		ActorSubject:     r.ActorSubject,
		ActorRole:        r.ActorRole,
		ActorMemberState: r.ActorMemberState,
		Method:           r.Method,
		Resource:         r.Resource,
		RequestId:        r.RequestID,
		Outcome:          auditv1.Outcome(auditv1.Outcome_value[r.Outcome]),
		StatusCode:       r.StatusCode,
		Detail:           r.Detail,
		PreviousHash:     hex.EncodeToString(r.PrevHash),
		Hash:             hex.EncodeToString(r.Hash),
	}
}

// ListAuditRecords implements the RPC.
func (s *Server) ListAuditRecords(ctx context.Context, req *auditv1.ListAuditRecordsRequest) (*auditv1.ListAuditRecordsResponse, error) {
	f := store.AuditFilter{
		ActorSubject: req.GetActorSubject(), Method: req.GetMethod(), Resource: req.GetResource(),
		Limit: paging.Size(req.GetPageSize(), 100, 1000),
	}
	if req.GetOutcome() != auditv1.Outcome_OUTCOME_UNSPECIFIED {
		f.Outcome = req.GetOutcome().String()
	}
	if req.GetStartTime() != nil {
		f.Start = req.GetStartTime().AsTime()
	}
	if req.GetEndTime() != nil {
		f.End = req.GetEndTime().AsTime()
	}
	query := f.ActorSubject + "|" + f.Method + "|" + f.Resource + "|" + f.Outcome + "|" + f.Start.String() + "|" + f.End.String()
	var err error
	if f.AfterSequence, err = paging.SeqCursor(req.GetPageToken(), query); err != nil {
		return nil, err
	}
	size := f.Limit
	f.Limit++
	resp := &auditv1.ListAuditRecordsResponse{}
	err = s.Store.View(ctx, func(tx store.Tx) error {
		rs, err := tx.ListAudit(ctx, f)
		if err != nil {
			return err
		}
		rs, resp.NextPageToken = paging.SeqPage(rs, size, query, func(last store.AuditRecord) int64 { return last.Sequence })
		for _, r := range rs {
			resp.AuditRecords = append(resp.AuditRecords, recordOut(r))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// VerifyAuditChain implements the RPC.
func (s *Server) VerifyAuditChain(ctx context.Context, _ *auditv1.VerifyAuditChainRequest) (*auditv1.VerifyAuditChainResponse, error) {
	v, err := audit.Verify(ctx, s.Store)
	if err != nil {
		return nil, err
	}
	return &auditv1.VerifyAuditChainResponse{
		Intact: v.Intact, RecordsChecked: v.RecordsChecked,
		FirstBrokenSequence: v.FirstBrokenSequence, Problem: v.Problem,
	}, nil
}
