package operators

import (
	"context"
	"fmt"

	operatorsv1 "github.com/eaeu/customs-exchange/gen/eaeu/operators/v1"
	"github.com/eaeu/customs-exchange/internal/api/mutation"
	"github.com/eaeu/customs-exchange/internal/api/reference"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/register"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	rules "github.com/eaeu/customs-exchange/internal/rules/operators"
	"github.com/eaeu/customs-exchange/internal/store"
)

func (s *Server) loadOperator(ctx context.Context, tx store.Tx, c caller.Caller, name string) (store.Document, *operatorsv1.Operator, error) {
	doc, op, err := register.LoadOperator(ctx, tx, name)
	if err == nil && !ownsEntity(c, doc.Scope) {
		return doc, nil, errs.NotFound(name)
	}
	return doc, op, err
}

// present marks follow-ups still open past their due date as overdue.
func (s *Server) present(op *operatorsv1.Operator) *operatorsv1.Operator {
	today := dates.Format(s.today())
	for _, f := range op.GetExclusion().GetFollowUps() {
		f.Overdue = f.GetDoneDate() == "" && f.GetDueDate() < today
	}
	return op
}

func (s *Server) saveOperator(ctx context.Context, tx store.Tx, doc store.Document, op *operatorsv1.Operator) error {
	for _, f := range op.GetExclusion().GetFollowUps() {
		f.Overdue = false // computed on read
	}
	body, err := register.Encode(op)
	if err != nil {
		return err
	}
	doc.Body, doc.UpdateTime = body, s.now()
	if err := tx.UpdateDocument(ctx, doc, doc.Revision); err != nil {
		return err
	}
	s.present(op)
	return nil
}

// GetOperator implements the RPC.
func (s *Server) GetOperator(ctx context.Context, req *operatorsv1.GetOperatorRequest) (*operatorsv1.GetOperatorResponse, error) {
	c := caller.From(ctx)
	var out *operatorsv1.Operator
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		_, out, err = s.loadOperator(ctx, tx, c, req.GetName())
		return err
	})
	if err != nil {
		return nil, err
	}
	return &operatorsv1.GetOperatorResponse{Operator: s.present(out)}, nil
}

var followUpKinds = map[rules.FollowUpKind]operatorsv1.FollowUpKind{
	rules.TemporaryStorageOperations:  operatorsv1.FollowUpKind_FOLLOW_UP_KIND_TEMPORARY_STORAGE_OPERATIONS,
	rules.NotifyOtherOperators:        operatorsv1.FollowUpKind_FOLLOW_UP_KIND_NOTIFY_OTHER_OPERATORS,
	rules.DeclareBoughtWarehouseGoods: operatorsv1.FollowUpKind_FOLLOW_UP_KIND_DECLARE_BOUGHT_WAREHOUSE_GOODS,
	rules.EndUnsoldWarehouseGoods:     operatorsv1.FollowUpKind_FOLLOW_UP_KIND_END_UNSOLD_WAREHOUSE_GOODS,
}

// ExcludeOperator implements the RPC (art. 429.3, 429.5).
func (s *Server) ExcludeOperator(ctx context.Context, req *operatorsv1.ExcludeOperatorRequest) (*operatorsv1.ExcludeOperatorResponse, error) {
	c := caller.From(ctx)
	return mutation.Run(ctx, s.Store, req, func() *operatorsv1.ExcludeOperatorResponse { return &operatorsv1.ExcludeOperatorResponse{} },
		func(ctx context.Context, tx store.Tx) (*operatorsv1.ExcludeOperatorResponse, mutation.Result, error) {
			doc, op, err := s.loadOperator(ctx, tx, c, req.GetName())
			if err != nil {
				return nil, mutation.Result{}, err
			}
			if op.GetStatus() != operatorsv1.OperatorStatus_OPERATOR_STATUS_ACTIVE {
				return nil, mutation.Result{}, errs.WrongState("%s is already excluded", op.GetName())
			}
			day := s.today()
			if req.GetExclusionDate() != "" {
				if day, err = dates.Parse(req.GetExclusionDate()); err != nil {
					return nil, mutation.Result{}, errs.Field("exclusion_date", "not a date (YYYY-MM-DD)")
				}
			}
			cal, err := reference.LoadCalendar(ctx, tx, s.NodeState)
			if err != nil {
				return nil, mutation.Result{}, err
			}
			var temporary, warehouse bool
			for _, p := range op.GetDetails().GetPremises() {
				warehouse = warehouse || p.GetKind() == operatorsv1.PremisesKind_PREMISES_KIND_CUSTOMS_WAREHOUSE
				temporary = temporary || p.GetKind() == operatorsv1.PremisesKind_PREMISES_KIND_TEMPORARY_STORAGE
			}
			ex := &operatorsv1.Exclusion{Ground: req.GetGround(), ExclusionDate: dates.Format(day), Note: req.GetNote()}
			for _, f := range rules.FollowUps(cal, day, temporary, warehouse) {
				ex.FollowUps = append(ex.FollowUps, &operatorsv1.FollowUp{Kind: followUpKinds[f.Kind], Article: f.Article, DueDate: dates.Format(f.Due)})
			}
			op.Status, op.Exclusion = operatorsv1.OperatorStatus_OPERATOR_STATUS_EXCLUDED, ex
			if err := s.saveOperator(ctx, tx, doc, op); err != nil {
				return nil, mutation.Result{}, err
			}
			return &operatorsv1.ExcludeOperatorResponse{Operator: op}, mutation.Result{Resource: op.GetName(),
				Detail: fmt.Sprintf("excluded: %s, %d follow-ups", req.GetGround(), len(ex.GetFollowUps()))}, nil
		})
}

// CompleteFollowUp implements the RPC.
func (s *Server) CompleteFollowUp(ctx context.Context, req *operatorsv1.CompleteFollowUpRequest) (*operatorsv1.CompleteFollowUpResponse, error) {
	c := caller.From(ctx)
	if _, err := dates.Parse(req.GetDoneDate()); err != nil {
		return nil, errs.Field("done_date", "not a date (YYYY-MM-DD)")
	}
	return mutation.Run(ctx, s.Store, req, func() *operatorsv1.CompleteFollowUpResponse { return &operatorsv1.CompleteFollowUpResponse{} },
		func(ctx context.Context, tx store.Tx) (*operatorsv1.CompleteFollowUpResponse, mutation.Result, error) {
			doc, op, err := s.loadOperator(ctx, tx, c, req.GetName())
			if err != nil {
				return nil, mutation.Result{}, err
			}
			var target *operatorsv1.FollowUp
			for _, f := range op.GetExclusion().GetFollowUps() {
				if f.GetKind() == req.GetKind() {
					target = f
				}
			}
			switch {
			case target == nil:
				return nil, mutation.Result{}, errs.WrongState("%s has no follow-up %s", op.GetName(), req.GetKind())
			case target.GetDoneDate() != "":
				return nil, mutation.Result{}, errs.WrongState("%s was done on %s", req.GetKind(), target.GetDoneDate())
			case req.GetDoneDate() < op.GetExclusion().GetExclusionDate():
				return nil, mutation.Result{}, errs.Field("done_date", "before the exclusion date %s", op.GetExclusion().GetExclusionDate())
			}
			target.DoneDate = req.GetDoneDate()
			if err := s.saveOperator(ctx, tx, doc, op); err != nil {
				return nil, mutation.Result{}, err
			}
			return &operatorsv1.CompleteFollowUpResponse{Operator: op}, mutation.Result{Resource: op.GetName(), Detail: req.GetKind().String() + " done"}, nil
		})
}

// NotifyChange implements the RPC (art. 429.5): a notice later than 5
// working days after the change is accepted but recorded as late.
func (s *Server) NotifyChange(ctx context.Context, req *operatorsv1.NotifyChangeRequest) (*operatorsv1.NotifyChangeResponse, error) {
	c := caller.From(ctx)
	changed, err := dates.Parse(req.GetNotice().GetChangeDate())
	if err != nil {
		return nil, errs.Field("notice.change_date", "not a date (YYYY-MM-DD)")
	}
	if changed.After(s.today()) {
		return nil, errs.Field("notice.change_date", "a change cannot be notified before it happens")
	}
	return mutation.Run(ctx, s.Store, req, func() *operatorsv1.NotifyChangeResponse { return &operatorsv1.NotifyChangeResponse{} },
		func(ctx context.Context, tx store.Tx) (*operatorsv1.NotifyChangeResponse, mutation.Result, error) {
			doc, op, err := s.loadOperator(ctx, tx, c, req.GetName())
			if err != nil {
				return nil, mutation.Result{}, err
			}
			if op.GetStatus() != operatorsv1.OperatorStatus_OPERATOR_STATUS_ACTIVE {
				return nil, mutation.Result{}, errs.WrongState("%s is excluded", op.GetName())
			}
			cal, err := reference.LoadCalendar(ctx, tx, s.NodeState)
			if err != nil {
				return nil, mutation.Result{}, err
			}
			n := req.GetNotice()
			due := rules.ChangeNoticeDue(cal, changed)
			today := s.today()
			op.ChangeNotices = append(op.ChangeNotices, &operatorsv1.ChangeNotice{Description: n.GetDescription(),
				ChangeDate: n.GetChangeDate(), Documents: n.GetDocuments(), NoticeDate: dates.Format(today),
				DueDate: dates.Format(due), Late: today.After(due)})
			if err := s.saveOperator(ctx, tx, doc, op); err != nil {
				return nil, mutation.Result{}, err
			}
			late := ""
			if today.After(due) {
				late = " (late)"
			}
			return &operatorsv1.NotifyChangeResponse{Operator: op}, mutation.Result{Resource: op.GetName(), Detail: "notice of change" + late}, nil
		})
}
