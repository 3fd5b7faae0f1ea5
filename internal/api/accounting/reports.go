package accounting

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	operatorsv1 "github.com/eaeu/customs-exchange/gen/eaeu/operators/v1"
	typev1 "github.com/eaeu/customs-exchange/gen/eaeu/type/v1"
	"github.com/eaeu/customs-exchange/internal/api/mutation"
	"github.com/eaeu/customs-exchange/internal/api/paging"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/errs"
	rules "github.com/eaeu/customs-exchange/internal/rules/accounting"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	"github.com/eaeu/customs-exchange/internal/store"
)

func reportStatusName(s operatorsv1.AccountingReportStatus) string {
	if s == operatorsv1.AccountingReportStatus_ACCOUNTING_REPORT_STATUS_UNSPECIFIED {
		return ""
	}
	return strings.TrimPrefix(s.String(), "ACCOUNTING_REPORT_STATUS_")
}

// Generate produces the content of the operator's report for the period
// [start, end] from its accounts, in a read transaction: one streaming
// pass over every event up to the end of the period (memory grows with
// the number of commodity codes, not of events), then the items past
// their declaration deadline at the end of the period.
func Generate(ctx context.Context, tx store.Tx, number, start, end string) (rules.Summary, error) {
	agg := rules.NewAggregator(start, end)
	var m rules.Movement
	err := tx.ScanAccountingMovements(ctx, number, end, func(x *store.AccountingMovement) error {
		m = rules.Movement{Kind: x.Kind, OccurredOn: x.OccurredOn, From: x.FromState, To: x.ToState, HSCode: x.HSCode,
			Quantity: x.Quantity, Currency: x.Currency, Amount: x.Amount, Flags: x.Flags}
		return agg.Add(&m)
	})
	if err != nil {
		return rules.Summary{}, err
	}
	asOf, err := dates.Parse(end)
	if err != nil {
		return rules.Summary{}, errs.Field("report.period_end", "not a date (YYYY-MM-DD)")
	}
	var overdue int64
	q := store.AccountingItemQuery{Operator: number, OfInterest: true, Limit: 1000}
	for {
		rows, err := tx.ListAccountingItems(ctx, q)
		if err != nil {
			return rules.Summary{}, err
		}
		for _, r := range rows {
			st, _ := rules.ParseState(r.State)
			if _, late := rules.Overdue(st, parseDate(r.Deadline), asOf); late {
				overdue++
			}
		}
		if len(rows) < q.Limit {
			break
		}
		q.AfterItem = rows[len(rows)-1].ItemID
	}
	return agg.Summary(overdue), nil
}

func balanceOf(b rules.Balance) *operatorsv1.AccountingBalance {
	out := &operatorsv1.AccountingBalance{Items: b.Items, Quantity: b.Quantity}
	for _, v := range b.Value {
		out.Value = append(out.Value, &typev1.Money{CurrencyCode: v.Currency, Amount: v.Amount})
	}
	return out
}

func lineOf(l rules.Line) *operatorsv1.AccountingReportLine {
	return &operatorsv1.AccountingReportLine{HsCode: l.HSCode, Opening: balanceOf(l.Opening), Incoming: balanceOf(l.Incoming),
		Outgoing: balanceOf(l.Outgoing), Closing: balanceOf(l.Closing)}
}

// fill puts the summary into the report.
func fill(r *operatorsv1.AccountingReport, sum rules.Summary) {
	for _, sec := range sum.Sections {
		ps := &operatorsv1.AccountingReportSection{Account: operatorsv1.AccountingReportAccount(sec.Account), Totals: lineOf(sec.Totals)}
		for _, l := range sec.Lines {
			ps.Lines = append(ps.Lines, lineOf(l))
		}
		r.Sections = append(r.Sections, ps)
	}
	for _, c := range sum.EventCounts {
		r.EventCounts = append(r.EventCounts, &operatorsv1.AccountingEventCount{Kind: operatorsv1.AccountingEventKind(c.Kind),
			Events: c.Events, Quantity: c.Quantity})
	}
	for _, c := range sum.Discrepancies {
		r.DiscrepancyCounts = append(r.DiscrepancyCounts, &operatorsv1.AccountingDiscrepancyCount{
			Kind: operatorsv1.AccountingDiscrepancyKind(c.Kind), Count: c.Count})
	}
	r.EventsRead = sum.EventsRead
}

// checkPeriod refuses a period that is not [start, end] with end not after
// today.
func (s *Server) checkPeriod(r *operatorsv1.AccountingReport) error {
	start, err1 := dates.Parse(r.GetPeriodStart())
	end, err2 := dates.Parse(r.GetPeriodEnd())
	var vs []errs.Violation
	if err1 != nil {
		vs = append(vs, errs.Violation{Field: "report.period_start", Description: "not a date (YYYY-MM-DD)"})
	}
	if err2 != nil {
		vs = append(vs, errs.Violation{Field: "report.period_end", Description: "not a date (YYYY-MM-DD)"})
	}
	if len(vs) == 0 {
		if end.Before(start) {
			vs = append(vs, errs.Violation{Field: "report.period_end", Description: "before the period's start"})
		} else if today := s.today(); end.After(today) {
			vs = append(vs, errs.Violation{Field: "report.period_end", Description: fmt.Sprintf(
				"the period ends on %s, after today (%s): a report covers days that have passed", dates.Format(end), dates.Format(today))})
		}
	}
	if len(vs) > 0 {
		return errs.Invalid(vs...)
	}
	return nil
}

// checkNoReportInForce refuses a second report for a period that has one
// submitted or accepted.
func checkNoReportInForce(ctx context.Context, tx store.Tx, number, start, end, except string) error {
	rows, err := tx.ListAccountingReports(ctx, store.AccountingReportQuery{Operator: number, PeriodStart: start, PeriodEnd: end, Limit: 1000})
	if err != nil {
		return err
	}
	for _, r := range rows {
		if r.ID != except && (r.Status == "SUBMITTED" || r.Status == "ACCEPTED") {
			return errs.WrongState("%s (%s) already reports on %s to %s; a new report for the period follows a returned one",
				reportName(number, r.ID), strings.ToLower(r.Status), start, end)
		}
	}
	return nil
}

// CreateAccountingReport implements the RPC. The report is computed in a
// read transaction first (it may read millions of events; writers are not
// held up meanwhile), then stored with its audit record.
func (s *Server) CreateAccountingReport(ctx context.Context, req *operatorsv1.CreateAccountingReportRequest) (*operatorsv1.CreateAccountingReportResponse, error) {
	c := caller.From(ctx)
	if err := s.checkPeriod(req.GetReport()); err != nil {
		return nil, err
	}
	number := numberOf(req.GetParent())
	start, end := req.GetReport().GetPeriodStart(), req.GetReport().GetPeriodEnd()
	var sum rules.Summary
	err := s.Store.View(ctx, func(tx store.Tx) error {
		if _, err := resolve(ctx, tx, c, number); err != nil {
			return err
		}
		var err error
		sum, err = Generate(ctx, tx, number, start, end)
		return err
	})
	if err != nil {
		return nil, err
	}
	return mutation.Run(ctx, s.Store, req, func() *operatorsv1.CreateAccountingReportResponse {
		return &operatorsv1.CreateAccountingReportResponse{}
	},
		func(ctx context.Context, tx store.Tx) (*operatorsv1.CreateAccountingReportResponse, mutation.Result, error) {
			if _, err := resolve(ctx, tx, c, number); err != nil {
				return nil, mutation.Result{}, err
			}
			if err := checkNoReportInForce(ctx, tx, number, start, end, ""); err != nil {
				return nil, mutation.Result{}, err
			}
			id, now := uuid.NewString(), s.now()
			r := &operatorsv1.AccountingReport{Name: reportName(number, id), PeriodStart: start, PeriodEnd: end,
				Status: operatorsv1.AccountingReportStatus_ACCOUNTING_REPORT_STATUS_DRAFT, CreateTime: timestamppb.New(now)}
			fill(r, sum)
			body, err := encode(r)
			if err != nil {
				return nil, mutation.Result{}, err
			}
			if err := tx.CreateAccountingReport(ctx, store.AccountingReport{Operator: number, ID: id, PeriodStart: start, PeriodEnd: end,
				Status: reportStatusName(r.GetStatus()), CreateTime: now, UpdateTime: now, Body: body}); err != nil {
				return nil, mutation.Result{}, err
			}
			r.Etag = etagOf(1)
			return &operatorsv1.CreateAccountingReportResponse{Report: r}, mutation.Result{Resource: r.GetName(),
				Detail: fmt.Sprintf("draft report %s to %s from %d events", start, end, sum.EventsRead)}, nil
		})
}

func (s *Server) loadReport(ctx context.Context, tx store.Tx, c caller.Caller, name string) (store.AccountingReport, *operatorsv1.AccountingReport, error) {
	number, id := childOf(name, "reports")
	if _, err := resolve(ctx, tx, c, number); err != nil {
		return store.AccountingReport{}, nil, err
	}
	row, err := tx.GetAccountingReport(ctx, number, id)
	if err != nil {
		return row, nil, storeErr(err, name)
	}
	r := &operatorsv1.AccountingReport{}
	if err := proto.Unmarshal(row.Body, r); err != nil {
		return row, nil, err
	}
	r.Etag = etagOf(row.Revision)
	return row, r, nil
}

func (s *Server) saveReport(ctx context.Context, tx store.Tx, row store.AccountingReport, r *operatorsv1.AccountingReport, now time.Time) error {
	r.Etag = ""
	body, err := encode(r)
	if err != nil {
		return err
	}
	row.Status, row.UpdateTime, row.Body = reportStatusName(r.GetStatus()), now, body
	if err := tx.UpdateAccountingReport(ctx, row, row.Revision); err != nil {
		return storeErr(err, r.GetName())
	}
	r.Etag = etagOf(row.Revision + 1)
	return nil
}

// GetAccountingReport implements the RPC.
func (s *Server) GetAccountingReport(ctx context.Context, req *operatorsv1.GetAccountingReportRequest) (*operatorsv1.GetAccountingReportResponse, error) {
	c := caller.From(ctx)
	var out *operatorsv1.AccountingReport
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		_, out, err = s.loadReport(ctx, tx, c, req.GetName())
		return err
	})
	if err != nil {
		return nil, err
	}
	return &operatorsv1.GetAccountingReportResponse{Report: out}, nil
}

// ListAccountingReports implements the RPC.
func (s *Server) ListAccountingReports(ctx context.Context, req *operatorsv1.ListAccountingReportsRequest) (*operatorsv1.ListAccountingReportsResponse, error) {
	c := caller.From(ctx)
	query := strings.Join([]string{"reports", req.GetParent(), req.GetStatus().String()}, "|")
	at, id, ok, err := paging.TimeCursor(req.GetPageToken(), query)
	if err != nil {
		return nil, err
	}
	size := paging.Size(req.GetPageSize(), 50, 500)
	q := store.AccountingReportQuery{Status: reportStatusName(req.GetStatus()), Limit: size + 1}
	if ok {
		q.BeforeTime, q.BeforeID = at, id
	}
	resp := &operatorsv1.ListAccountingReportsResponse{}
	err = s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		if q.Operator, err = resolveParent(ctx, tx, c, req.GetParent()); err != nil {
			return err
		}
		rows, err := tx.ListAccountingReports(ctx, q)
		if err != nil {
			return err
		}
		rows, resp.NextPageToken = paging.TimePage(rows, size, query, func(r store.AccountingReport) (time.Time, string) { return r.CreateTime, r.ID })
		for _, row := range rows {
			r := &operatorsv1.AccountingReport{}
			if err := proto.Unmarshal(row.Body, r); err != nil {
				return err
			}
			r.Etag = etagOf(row.Revision)
			resp.Reports = append(resp.Reports, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// SubmitAccountingReport implements the RPC.
func (s *Server) SubmitAccountingReport(ctx context.Context, req *operatorsv1.SubmitAccountingReportRequest) (*operatorsv1.SubmitAccountingReportResponse, error) {
	c := caller.From(ctx)
	return mutation.Run(ctx, s.Store, req, func() *operatorsv1.SubmitAccountingReportResponse {
		return &operatorsv1.SubmitAccountingReportResponse{}
	},
		func(ctx context.Context, tx store.Tx) (*operatorsv1.SubmitAccountingReportResponse, mutation.Result, error) {
			row, r, err := s.loadReport(ctx, tx, c, req.GetName())
			if err != nil {
				return nil, mutation.Result{}, err
			}
			if req.GetEtag() != "" && req.GetEtag() != r.GetEtag() {
				return nil, mutation.Result{}, errs.EtagMismatch(req.GetName())
			}
			if r.GetStatus() != operatorsv1.AccountingReportStatus_ACCOUNTING_REPORT_STATUS_DRAFT {
				return nil, mutation.Result{}, errs.WrongState("%s is %s: only a draft is submitted", r.GetName(),
					strings.ToLower(reportStatusName(r.GetStatus())))
			}
			if err := checkNoReportInForce(ctx, tx, row.Operator, row.PeriodStart, row.PeriodEnd, row.ID); err != nil {
				return nil, mutation.Result{}, err
			}
			now := s.now()
			r.Status, r.SubmitTime = operatorsv1.AccountingReportStatus_ACCOUNTING_REPORT_STATUS_SUBMITTED, timestamppb.New(now)
			if err := s.saveReport(ctx, tx, row, r, now); err != nil {
				return nil, mutation.Result{}, err
			}
			return &operatorsv1.SubmitAccountingReportResponse{Report: r}, mutation.Result{Resource: r.GetName(), Detail: "submitted"}, nil
		})
}

// ReviewAccountingReport implements the RPC.
func (s *Server) ReviewAccountingReport(ctx context.Context, req *operatorsv1.ReviewAccountingReportRequest) (*operatorsv1.ReviewAccountingReportResponse, error) {
	c := caller.From(ctx)
	returning := req.GetDecision() == operatorsv1.AccountingReviewDecision_ACCOUNTING_REVIEW_DECISION_RETURN
	if returning && strings.TrimSpace(req.GetRemarks()) == "" {
		return nil, errs.Field("remarks", "a report is returned with the remarks the operator must address")
	}
	return mutation.Run(ctx, s.Store, req, func() *operatorsv1.ReviewAccountingReportResponse {
		return &operatorsv1.ReviewAccountingReportResponse{}
	},
		func(ctx context.Context, tx store.Tx) (*operatorsv1.ReviewAccountingReportResponse, mutation.Result, error) {
			row, r, err := s.loadReport(ctx, tx, c, req.GetName())
			if err != nil {
				return nil, mutation.Result{}, err
			}
			if req.GetEtag() != "" && req.GetEtag() != r.GetEtag() {
				return nil, mutation.Result{}, errs.EtagMismatch(req.GetName())
			}
			if r.GetStatus() != operatorsv1.AccountingReportStatus_ACCOUNTING_REPORT_STATUS_SUBMITTED {
				return nil, mutation.Result{}, errs.WrongState("%s is %s: only a submitted report is reviewed", r.GetName(),
					strings.ToLower(reportStatusName(r.GetStatus())))
			}
			now := s.now()
			r.Status = operatorsv1.AccountingReportStatus_ACCOUNTING_REPORT_STATUS_ACCEPTED
			if returning {
				r.Status = operatorsv1.AccountingReportStatus_ACCOUNTING_REPORT_STATUS_RETURNED
			}
			r.ReviewRemarks, r.ReviewTime = req.GetRemarks(), timestamppb.New(now)
			if err := s.saveReport(ctx, tx, row, r, now); err != nil {
				return nil, mutation.Result{}, err
			}
			return &operatorsv1.ReviewAccountingReportResponse{Report: r}, mutation.Result{Resource: r.GetName(),
				Detail: strings.ToLower(reportStatusName(r.GetStatus()))}, nil
		})
}
