package ecommerce

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	typev1 "github.com/eaeu/customs-exchange/gen/eaeu/type/v1"
	"github.com/eaeu/customs-exchange/internal/api/reference"
	"github.com/eaeu/customs-exchange/internal/store"
	"github.com/eaeu/customs-exchange/internal/store/sqlite"
)

// TestTariffFollowsReferenceChanges: the prepared tariff is reused until
// the reference data changes; a rate stored for the registration date
// afterwards prices the next declaration (art. 309.8(8): the rates in
// force on the registration date).
func TestTariffFollowsReferenceChanges(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tariff.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { return day.Add(10 * time.Hour) }
	if err := reference.EnsureDefaultSchedule(ctx, st, now); err != nil {
		t.Fatal(err)
	}
	addRate := func(date, rate string) {
		t.Helper()
		var r apd.Decimal
		if _, _, err := r.SetString(rate); err != nil {
			t.Fatal(err)
		}
		eff, _ := time.Parse(time.DateOnly, date)
		if err := st.Update(ctx, func(tx store.Tx) error {
			return tx.CreateExchangeRate(ctx, store.ExchangeRate{Currency: "EUR", EffectiveDate: eff, Rate: r, CreateTime: now()})
		}); err != nil {
			t.Fatal(err)
		}
	}
	addRate("2026-01-01", "500")
	s := New(Deps{Deps: reference.Deps{Store: st, NodeState: "KZ", NationalCurrency: "KZT", Now: now}, MinorUnits: 2})
	// 300 EUR: 100 EUR over the 200 EUR norm, at 15 %.
	parcels := []*ecommercev1.Parcel{{ParcelNumber: "P1", GrossWeightKg: "1", Items: []*ecommercev1.Item{{
		ItemId: "1", HsCode: "8518300000", Quantity: "1", Price: &typev1.Money{CurrencyCode: "EUR", Amount: "300"}}}}}
	duty := func() string {
		t.Helper()
		var total string
		if err := st.View(ctx, func(tx store.Tx) error {
			refs, err := s.refsOf(ctx, tx)
			if err != nil {
				return err
			}
			a, _, err := s.assess(context.Background(), refs, "KZ", day, parcels)
			total = a.GetTotal()
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return total
	}
	if got := duty(); got != "7500.00" {
		t.Fatalf("at 500 KZT/EUR: duty %s, want 7500.00", got)
	}
	first := s.refs.tariffs.m[tariffKey{state: "KZ", day: "2026-11-23"}]
	if got := duty(); got != "7500.00" || s.refs.tariffs.m[tariffKey{state: "KZ", day: "2026-11-23"}] != first {
		t.Fatalf("unchanged reference data: duty %s, and the tariff was prepared again", got)
	}
	addRate("2026-11-23", "520")
	if got := duty(); got != "7800.00" {
		t.Fatalf("after the rate of the day was stored: duty %s, want 7800.00 (100 EUR x 520 x 15 %%)", got)
	}
}
