package reference

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/apd/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	referencev1 "github.com/eaeu/customs-exchange/gen/eaeu/reference/v1"
	"github.com/eaeu/customs-exchange/internal/api/mutation"
	"github.com/eaeu/customs-exchange/internal/api/paging"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/rules/currency"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	"github.com/eaeu/customs-exchange/internal/store"
)

// DutySchedules serves eaeu.reference.v1.DutyScheduleService.
type DutySchedules struct {
	referencev1.UnimplementedDutyScheduleServiceServer
	Deps
}

// DefaultScheduleID names the schedule seeded on an empty store.
const DefaultScheduleID = "eec-2020"

// DefaultSchedule is the Commission's figures in force from 2020 for goods
// for personal use sent to individuals (EEC Council decision No 107 of
// 20.12.2017): 200 EUR and 31 kg per parcel duty-free; above, 15 % of the
// value over 200 EUR but not less than 2 EUR per kg over 31 kg.
func DefaultSchedule() *referencev1.DutySchedule {
	return &referencev1.DutySchedule{
		Jurisdiction: "EEC", EffectiveDate: "2020-01-01", Shape: referencev1.DutyShape_DUTY_SHAPE_OVER_NORM,
		NormCurrencyCode: "EUR", ValueNorm: "200", WeightNormKg: "31", Rate: "0.15", MinimumPerKg: "2",
		LegalBasis: "EEC Council decision No 107 of 20.12.2017; EAEU Customs Code art. 309.8",
	}
}

func scheduleSortKey(effective, id string) string { return effective + "/" + id }

func scheduleFrom(d store.Document) (*referencev1.DutySchedule, error) {
	s := &referencev1.DutySchedule{}
	if err := decode(d, s); err != nil {
		return nil, err
	}
	s.Name = d.Name
	s.CreateTime = timestamppb.New(d.CreateTime)
	return s, nil
}

// checkSchedule returns every violation of a schedule; field prefixes the
// paths.
func checkSchedule(s *referencev1.DutySchedule, field string) []errs.Violation {
	var vs []errs.Violation
	add := func(f, format string, args ...any) {
		vs = append(vs, errs.Violation{Field: field + "." + f, Description: fmt.Sprintf(format, args...)})
	}
	if _, err := dates.Parse(s.GetEffectiveDate()); err != nil {
		add("effective_date", "not a date (YYYY-MM-DD)")
	}
	if !currency.Known(s.GetNormCurrencyCode()) {
		add("norm_currency_code", "%q is not an active ISO 4217 currency", s.GetNormCurrencyCode())
	}
	positive := func(f, v string, allowZero bool) {
		var d apd.Decimal
		if _, _, err := d.SetString(v); err != nil || d.Sign() < 0 || (!allowZero && d.Sign() == 0) {
			add(f, "must be a non-negative decimal")
		}
	}
	positive("value_norm", s.GetValueNorm(), true)
	positive("weight_norm_kg", s.GetWeightNormKg(), true)
	positive("rate", s.GetRate(), false)
	positive("minimum_per_kg", s.GetMinimumPerKg(), true)
	ids := map[string]bool{}
	for i, c := range s.GetCategories() {
		if ids[c.GetId()] {
			add(fmt.Sprintf("categories[%d].id", i), "duplicate category id %q", c.GetId())
		}
		ids[c.GetId()] = true
		positive(fmt.Sprintf("categories[%d].rate", i), c.GetRate(), false)
	}
	if s.GetJurisdiction() == "EEC" && len(s.GetNationalTaxes()) > 0 {
		add("national_taxes", "only a member state's schedule may add national taxes (art. 309.8(16))")
	}
	for i, t := range s.GetNationalTaxes() {
		positive(fmt.Sprintf("national_taxes[%d].rate", i), t.GetRate(), false)
	}
	return vs
}

func (s *DutySchedules) create(ctx context.Context, tx store.Tx, id string, in *referencev1.DutySchedule) (*referencev1.DutySchedule, error) {
	stored := proto.Clone(in).(*referencev1.DutySchedule)
	stored.Name, stored.CreateTime = "", nil
	body, err := encode(stored)
	if err != nil {
		return nil, err
	}
	now := s.now()
	name := "dutySchedules/" + id
	d := store.Document{Kind: kindDutySchedule, Name: name, Scope: in.GetJurisdiction(),
		SortKey: scheduleSortKey(in.GetEffectiveDate(), id), Body: body, CreateTime: now, UpdateTime: now}
	if err := tx.CreateDocument(ctx, d); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return nil, errs.AlreadyExists(name)
		}
		return nil, err
	}
	return scheduleFrom(d)
}

// EnsureDefaultSchedule stores DefaultSchedule when no schedule exists.
func EnsureDefaultSchedule(ctx context.Context, st store.Store, now func() time.Time) error {
	s := &DutySchedules{Deps: Deps{Store: st, Now: now}}
	return st.Update(ctx, func(tx store.Tx) error {
		docs, err := tx.ListDocuments(ctx, store.DocumentQuery{Kind: kindDutySchedule, Limit: 1})
		if err != nil || len(docs) > 0 {
			return err
		}
		_, err = s.create(ctx, tx, DefaultScheduleID, DefaultSchedule())
		return err
	})
}

// CreateDutySchedule implements the RPC.
func (s *DutySchedules) CreateDutySchedule(ctx context.Context, req *referencev1.CreateDutyScheduleRequest) (*referencev1.CreateDutyScheduleResponse, error) {
	if vs := checkSchedule(req.GetDutySchedule(), "duty_schedule"); len(vs) > 0 {
		return nil, errs.Invalid(vs...)
	}
	return mutation.Run(ctx, s.Store, req, newCreateScheduleResp, func(ctx context.Context, tx store.Tx) (*referencev1.CreateDutyScheduleResponse, mutation.Result, error) {
		out, err := s.create(ctx, tx, req.GetDutyScheduleId(), req.GetDutySchedule())
		if err != nil {
			return nil, mutation.Result{}, err
		}
		return &referencev1.CreateDutyScheduleResponse{DutySchedule: out}, mutation.Result{Resource: out.GetName()}, nil
	})
}

func newCreateScheduleResp() *referencev1.CreateDutyScheduleResponse {
	return &referencev1.CreateDutyScheduleResponse{}
}

// GetDutySchedule implements the RPC.
func (s *DutySchedules) GetDutySchedule(ctx context.Context, req *referencev1.GetDutyScheduleRequest) (*referencev1.GetDutyScheduleResponse, error) {
	var out *referencev1.DutySchedule
	err := s.Store.View(ctx, func(tx store.Tx) error {
		d, err := getDoc(ctx, tx, kindDutySchedule, req.GetName())
		if err != nil {
			return err
		}
		out, err = scheduleFrom(d)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &referencev1.GetDutyScheduleResponse{DutySchedule: out}, nil
}

// ListDutySchedules implements the RPC.
func (s *DutySchedules) ListDutySchedules(ctx context.Context, req *referencev1.ListDutySchedulesRequest) (*referencev1.ListDutySchedulesResponse, error) {
	resp := &referencev1.ListDutySchedulesResponse{}
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		resp.DutySchedules, resp.NextPageToken, err = paging.Documents(ctx, tx,
			store.DocumentQuery{Kind: kindDutySchedule, Descending: true}, "all",
			req.GetPageToken(), paging.Size(req.GetPageSize(), 50, 500), scheduleFrom)
		return err
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// InForce returns the schedule of a jurisdiction in force on day (the one
// with the latest effective date on or before it), or nil.
func InForce(ctx context.Context, tx store.Tx, jurisdiction string, day time.Time) (*referencev1.DutySchedule, error) {
	// Sort keys start with the effective date, so the first key at or below
	// "day/~" (after every id) is the one in force.
	docs, err := tx.ListDocuments(ctx, store.DocumentQuery{Kind: kindDutySchedule, Scope: jurisdiction,
		AfterSort: dates.Format(day) + "/~", Limit: 1, Descending: true})
	if err != nil || len(docs) == 0 {
		return nil, err
	}
	return scheduleFrom(docs[0])
}

// ResolveDutySchedule implements the RPC.
func (s *DutySchedules) ResolveDutySchedule(ctx context.Context, req *referencev1.ResolveDutyScheduleRequest) (*referencev1.ResolveDutyScheduleResponse, error) {
	day, err := dates.Parse(req.GetDate())
	if err != nil {
		return nil, errs.Field("date", "not a date (YYYY-MM-DD)")
	}
	resp := &referencev1.ResolveDutyScheduleResponse{}
	err = s.Store.View(ctx, func(tx store.Tx) error {
		if resp.Commission, err = InForce(ctx, tx, "EEC", day); err != nil {
			return err
		}
		resp.National, err = InForce(ctx, tx, req.GetMemberState(), day)
		return err
	})
	if err != nil {
		return nil, err
	}
	if resp.Commission == nil {
		e := errs.NotFound("a Commission duty schedule in force on " + req.GetDate())
		return nil, e.WithReason("REASON_NO_DUTY_SCHEDULE")
	}
	return resp, nil
}
