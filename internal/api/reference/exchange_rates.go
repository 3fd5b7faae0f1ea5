package reference

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
	"google.golang.org/protobuf/types/known/timestamppb"

	referencev1 "github.com/eaeu/customs-exchange/gen/eaeu/reference/v1"
	"github.com/eaeu/customs-exchange/internal/api/mutation"
	"github.com/eaeu/customs-exchange/internal/api/paging"
	"github.com/eaeu/customs-exchange/internal/errs"
	"github.com/eaeu/customs-exchange/internal/rules/currency"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	"github.com/eaeu/customs-exchange/internal/store"
)

// ExchangeRates serves eaeu.reference.v1.ExchangeRateService.
type ExchangeRates struct {
	referencev1.UnimplementedExchangeRateServiceServer
	Deps
}

func (s *ExchangeRates) rateOut(r store.ExchangeRate) *referencev1.ExchangeRate {
	day := dates.Format(r.EffectiveDate)
	return &referencev1.ExchangeRate{
		Name:              "exchangeRates/" + r.Currency + "/" + day,
		CurrencyCode:      r.Currency,
		QuoteCurrencyCode: s.NationalCurrency,
		EffectiveDate:     day,
		Rate:              r.Rate.String(),
		CreateTime:        timestamppb.New(r.CreateTime),
	}
}

// CreateExchangeRates implements the RPC.
func (s *ExchangeRates) CreateExchangeRates(ctx context.Context, req *referencev1.CreateExchangeRatesRequest) (*referencev1.CreateExchangeRatesResponse, error) {
	rates := make([]store.ExchangeRate, 0, len(req.GetExchangeRates()))
	var vs []errs.Violation
	seen := map[string]int{}
	for i, in := range req.GetExchangeRates() {
		f := fmt.Sprintf("exchange_rates[%d]", i)
		switch {
		case !currency.Known(in.GetCurrencyCode()):
			vs = append(vs, errs.Violation{Field: f + ".currency_code", Description: fmt.Sprintf("%q is not an active ISO 4217 currency", in.GetCurrencyCode())})
		case in.GetCurrencyCode() == s.NationalCurrency:
			vs = append(vs, errs.Violation{Field: f + ".currency_code", Description: "the national currency has no exchange rate"})
		}
		day, err := dates.Parse(in.GetEffectiveDate())
		if err != nil {
			vs = append(vs, errs.Violation{Field: f + ".effective_date", Description: "not a date (YYYY-MM-DD)"})
		}
		var rate apd.Decimal
		if _, _, err := rate.SetString(in.GetRate()); err != nil || rate.Sign() <= 0 {
			vs = append(vs, errs.Violation{Field: f + ".rate", Description: "must be a positive decimal"})
		}
		key := in.GetCurrencyCode() + "/" + in.GetEffectiveDate()
		if j, dup := seen[key]; dup {
			vs = append(vs, errs.Violation{Field: f, Description: fmt.Sprintf("same currency and date as exchange_rates[%d]", j)})
		}
		seen[key] = i
		rates = append(rates, store.ExchangeRate{Currency: in.GetCurrencyCode(), EffectiveDate: day, Rate: rate})
	}
	if len(vs) > 0 {
		return nil, errs.Invalid(vs...)
	}
	return mutation.Run(ctx, s.Store, req, newCreateRatesResp, func(ctx context.Context, tx store.Tx) (*referencev1.CreateExchangeRatesResponse, mutation.Result, error) {
		resp := &referencev1.CreateExchangeRatesResponse{}
		now := s.now()
		names := make([]string, 0, len(rates))
		for _, r := range rates {
			r.CreateTime = now
			if err := tx.CreateExchangeRate(ctx, r); err != nil {
				if errors.Is(err, store.ErrAlreadyExists) {
					return nil, mutation.Result{}, errs.AlreadyExists(s.rateOut(r).GetName())
				}
				return nil, mutation.Result{}, err
			}
			out := s.rateOut(r)
			names = append(names, out.GetName())
			resp.ExchangeRates = append(resp.ExchangeRates, out)
		}
		return resp, mutation.Result{Resource: strings.Join(names, ","), Detail: fmt.Sprintf("%d rates", len(rates))}, nil
	})
}

func newCreateRatesResp() *referencev1.CreateExchangeRatesResponse {
	return &referencev1.CreateExchangeRatesResponse{}
}

// GetExchangeRate implements the RPC.
func (s *ExchangeRates) GetExchangeRate(ctx context.Context, req *referencev1.GetExchangeRateRequest) (*referencev1.GetExchangeRateResponse, error) {
	parts := strings.Split(req.GetName(), "/")
	day, err := dates.Parse(parts[2])
	if err != nil {
		return nil, errs.Field("name", "the date part is not a date")
	}
	var r store.ExchangeRate
	err = s.Store.View(ctx, func(tx store.Tx) error {
		r, err = tx.GetExchangeRate(ctx, parts[1], day)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, errs.NotFound(req.GetName())
	}
	if err != nil {
		return nil, err
	}
	return &referencev1.GetExchangeRateResponse{ExchangeRate: s.rateOut(r)}, nil
}

// Resolve returns the rate in force; the national currency is 1. It is
// the lookup the duty computation uses too.
func (s *ExchangeRates) Resolve(ctx context.Context, tx store.Tx, code string, day time.Time) (store.ExchangeRate, error) {
	if code == s.NationalCurrency {
		return store.ExchangeRate{Currency: code, EffectiveDate: day, Rate: *apd.New(1, 0)}, nil
	}
	r, err := tx.ResolveExchangeRate(ctx, code, day)
	if errors.Is(err, store.ErrNotFound) {
		e := errs.NotFound(fmt.Sprintf("an exchange rate of %s in force on %s", code, dates.Format(day)))
		return r, e.WithReason("REASON_NO_EXCHANGE_RATE")
	}
	return r, err
}

// ResolveExchangeRate implements the RPC.
func (s *ExchangeRates) ResolveExchangeRate(ctx context.Context, req *referencev1.ResolveExchangeRateRequest) (*referencev1.ResolveExchangeRateResponse, error) {
	if !currency.Known(req.GetCurrencyCode()) {
		return nil, errs.Field("currency_code", "%q is not an active ISO 4217 currency", req.GetCurrencyCode())
	}
	day, err := dates.Parse(req.GetDate())
	if err != nil {
		return nil, errs.Field("date", "not a date (YYYY-MM-DD)")
	}
	var r store.ExchangeRate
	err = s.Store.View(ctx, func(tx store.Tx) error {
		r, err = s.Resolve(ctx, tx, req.GetCurrencyCode(), day)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &referencev1.ResolveExchangeRateResponse{ExchangeRate: s.rateOut(r)}, nil
}

// ListExchangeRates implements the RPC.
func (s *ExchangeRates) ListExchangeRates(ctx context.Context, req *referencev1.ListExchangeRatesRequest) (*referencev1.ListExchangeRatesResponse, error) {
	query := "currency=" + req.GetCurrencyCode()
	cur, err := paging.Cursor(req.GetPageToken(), query)
	if err != nil {
		return nil, err
	}
	var after *store.RateCursor
	if cur != "" {
		day, code, _ := strings.Cut(cur, "/")
		t, err := dates.Parse(day)
		if err != nil {
			return nil, errs.Field("page_token", "not a page token of this list")
		}
		after = &store.RateCursor{EffectiveDate: t, Currency: code}
	}
	size := paging.Size(req.GetPageSize(), 50, 500)
	resp := &referencev1.ListExchangeRatesResponse{}
	err = s.Store.View(ctx, func(tx store.Tx) error {
		rs, err := tx.ListExchangeRates(ctx, req.GetCurrencyCode(), after, size+1)
		if err != nil {
			return err
		}
		rs, resp.NextPageToken = paging.Page(rs, size, query, func(last store.ExchangeRate) string { return dates.Format(last.EffectiveDate) + "/" + last.Currency })
		for _, r := range rs {
			resp.ExchangeRates = append(resp.ExchangeRates, s.rateOut(r))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}
