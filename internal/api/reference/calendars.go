package reference

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	referencev1 "github.com/eaeu/customs-exchange/gen/eaeu/reference/v1"
	"github.com/eaeu/customs-exchange/internal/api/mutation"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/rules/calendar"
	"github.com/eaeu/customs-exchange/internal/rules/currency"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	"github.com/eaeu/customs-exchange/internal/store"
)

// Calendars serves eaeu.reference.v1.CalendarService.
type Calendars struct {
	referencev1.UnimplementedCalendarServiceServer
	Deps
}

func calendarFrom(d store.Document) (*referencev1.Calendar, error) {
	c := &referencev1.Calendar{}
	if err := decode(d, c); err != nil {
		return nil, err
	}
	c.Name = d.Name
	c.MemberState = d.Scope
	c.UpdateTime = timestamppb.New(d.UpdateTime)
	c.Etag = etagOf(d.Revision)
	return c, nil
}

// rulesCalendar checks exceptions and builds the calendar the rules use;
// field is the request path of the exceptions list, for violations.
func rulesCalendar(state string, days []*referencev1.CalendarDay, field string) (*calendar.Calendar, error) {
	ex := make([]calendar.Exception, 0, len(days))
	var vs []errs.Violation
	for i, d := range days {
		at, err := dates.Parse(d.GetDate())
		if err != nil {
			vs = append(vs, errs.Violation{Field: fmt.Sprintf("%s[%d].date", field, i), Description: "not a date (YYYY-MM-DD)"})
			continue
		}
		k := calendar.Holiday
		if d.GetKind() == referencev1.DayKind_DAY_KIND_WORKING {
			k = calendar.Working
		}
		ex = append(ex, calendar.Exception{Date: at, Kind: k, Description: d.GetDescription()})
	}
	if len(vs) > 0 {
		return nil, errs.Invalid(vs...)
	}
	c, err := calendar.New(state, ex)
	if err != nil {
		return nil, errs.Field(field, "%s", strings.TrimPrefix(err.Error(), "calendar: "))
	}
	return c, nil
}

// EnsureCalendars creates an empty calendar (weekends only) for every
// member state that has none. It runs at start, before serving.
func EnsureCalendars(ctx context.Context, st store.Store, now func() time.Time) error {
	return st.Update(ctx, func(tx store.Tx) error {
		for _, state := range currency.MemberStates() {
			name := "calendars/" + state
			if _, err := tx.GetDocument(ctx, kindCalendar, name); err == nil {
				continue
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			body, err := encode(&referencev1.Calendar{})
			if err != nil {
				return err
			}
			t := now().UTC()
			if err := tx.CreateDocument(ctx, store.Document{Kind: kindCalendar, Name: name, Scope: state,
				SortKey: state, Body: body, CreateTime: t, UpdateTime: t}); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Calendars) load(ctx context.Context, name string) (*calendar.Calendar, error) {
	var c *calendar.Calendar
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		c, err = LoadCalendar(ctx, tx, strings.TrimPrefix(name, "calendars/"))
		return err
	})
	return c, err
}

// GetCalendar implements the RPC.
func (s *Calendars) GetCalendar(ctx context.Context, req *referencev1.GetCalendarRequest) (*referencev1.GetCalendarResponse, error) {
	var out *referencev1.Calendar
	err := s.Store.View(ctx, func(tx store.Tx) error {
		d, err := getDoc(ctx, tx, kindCalendar, req.GetName())
		if err != nil {
			return err
		}
		out, err = calendarFrom(d)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &referencev1.GetCalendarResponse{Calendar: out}, nil
}

// ListCalendars implements the RPC.
func (s *Calendars) ListCalendars(ctx context.Context, _ *referencev1.ListCalendarsRequest) (*referencev1.ListCalendarsResponse, error) {
	resp := &referencev1.ListCalendarsResponse{}
	err := s.Store.View(ctx, func(tx store.Tx) error {
		docs, err := tx.ListDocuments(ctx, store.DocumentQuery{Kind: kindCalendar, Limit: 100})
		if err != nil {
			return err
		}
		for _, d := range docs {
			c, err := calendarFrom(d)
			if err != nil {
				return err
			}
			resp.Calendars = append(resp.Calendars, c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// UpdateCalendar implements the RPC.
func (s *Calendars) UpdateCalendar(ctx context.Context, req *referencev1.UpdateCalendarRequest) (*referencev1.UpdateCalendarResponse, error) {
	in := req.GetCalendar()
	if p := req.GetUpdateMask().GetPaths(); len(p) != 1 || p[0] != "exceptions" {
		return nil, errs.Field("update_mask", `must be ["exceptions"]`)
	}
	state := strings.TrimPrefix(in.GetName(), "calendars/")
	if _, err := rulesCalendar(state, in.GetExceptions(), "calendar.exceptions"); err != nil {
		return nil, err
	}
	return mutation.Run(ctx, s.Store, req, newUpdateCalendarResp, func(ctx context.Context, tx store.Tx) (*referencev1.UpdateCalendarResponse, mutation.Result, error) {
		d, err := getDoc(ctx, tx, kindCalendar, in.GetName())
		if err != nil {
			return nil, mutation.Result{}, err
		}
		if in.GetEtag() != "" && in.GetEtag() != etagOf(d.Revision) {
			return nil, mutation.Result{}, errs.EtagMismatch(in.GetName())
		}
		if d.Body, err = encode(&referencev1.Calendar{Exceptions: in.GetExceptions()}); err != nil {
			return nil, mutation.Result{}, err
		}
		d.UpdateTime = s.now()
		if err := tx.UpdateDocument(ctx, d, d.Revision); err != nil {
			return nil, mutation.Result{}, err
		}
		d.Revision++
		out, err := calendarFrom(d)
		return &referencev1.UpdateCalendarResponse{Calendar: out}, mutation.Result{
			Resource: in.GetName(), Detail: fmt.Sprintf("%d exceptions", len(in.GetExceptions())),
		}, err
	})
}

func newUpdateCalendarResp() *referencev1.UpdateCalendarResponse {
	return &referencev1.UpdateCalendarResponse{}
}

// ComputeDate implements the RPC.
func (s *Calendars) ComputeDate(ctx context.Context, req *referencev1.ComputeDateRequest) (*referencev1.ComputeDateResponse, error) {
	start, err := dates.Parse(req.GetStartDate())
	if err != nil {
		return nil, errs.Field("start_date", "not a date (YYYY-MM-DD)")
	}
	c, err := s.load(ctx, req.GetCalendar())
	if err != nil {
		return nil, err
	}
	resp := &referencev1.ComputeDateResponse{}
	switch p := req.GetPeriod().(type) {
	case *referencev1.ComputeDateRequest_WorkingDays:
		resp.Date = dates.Format(c.AddWorkingDays(start, int(p.WorkingDays)))
		resp.Rule = fmt.Sprintf("%d working days of the %s calendar after %s (the start day is not counted)", p.WorkingDays, c.MemberState(), req.GetStartDate())
	case *referencev1.ComputeDateRequest_CalendarDays:
		resp.Date = dates.Format(c.AddDays(start, int(p.CalendarDays)))
		resp.Rule = fmt.Sprintf("%d calendar days after %s", p.CalendarDays, req.GetStartDate())
	case *referencev1.ComputeDateRequest_Months:
		resp.Date = dates.Format(c.AddMonths(start, int(p.Months)))
		resp.Rule = fmt.Sprintf("%d months after %s: the same date, or the month's last day where it does not exist", p.Months, req.GetStartDate())
	}
	return resp, nil
}

// CheckWorkingDay implements the RPC.
func (s *Calendars) CheckWorkingDay(ctx context.Context, req *referencev1.CheckWorkingDayRequest) (*referencev1.CheckWorkingDayResponse, error) {
	day, err := dates.Parse(req.GetDate())
	if err != nil {
		return nil, errs.Field("date", "not a date (YYYY-MM-DD)")
	}
	c, err := s.load(ctx, req.GetCalendar())
	if err != nil {
		return nil, err
	}
	ok, reason := c.IsWorkingDay(day)
	return &referencev1.CheckWorkingDayResponse{WorkingDay: ok, Reason: reason}, nil
}

// LoadCalendar reads a member state's calendar for the rules to use.
func LoadCalendar(ctx context.Context, tx store.Tx, state string) (*calendar.Calendar, error) {
	d, err := getDoc(ctx, tx, kindCalendar, "calendars/"+state)
	if err != nil {
		return nil, err
	}
	pc, err := calendarFrom(d)
	if err != nil {
		return nil, err
	}
	return rulesCalendar(d.Scope, pc.GetExceptions(), "calendar.exceptions")
}
