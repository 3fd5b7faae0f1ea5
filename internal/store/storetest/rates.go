package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/eaeu/customs-exchange/internal/store"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func dec(s string) apd.Decimal {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		panic(err)
	}
	return *d
}

func rate(currency, date, value string) store.ExchangeRate {
	return store.ExchangeRate{
		Currency:      currency,
		EffectiveDate: day(date),
		Rate:          dec(value),
		CreateTime:    ts(1_700_000_100, 42),
	}
}

// sameDecimal requires the same digits and exponent, not only the same
// value: "512.3700" must not come back as "512.37".
func sameDecimal(t *testing.T, what string, got, want apd.Decimal) {
	t.Helper()
	if got.Cmp(&want) != 0 || got.Exponent != want.Exponent || got.Text('f') != want.Text('f') {
		t.Fatalf("%s = %s (exponent %d), want %s (exponent %d)", what, got.Text('f'), got.Exponent, want.Text('f'), want.Exponent)
	}
}

func sameRate(t *testing.T, got, want store.ExchangeRate) {
	t.Helper()
	if got.Currency != want.Currency {
		t.Fatalf("currency %q, want %q", got.Currency, want.Currency)
	}
	if !got.EffectiveDate.Equal(want.EffectiveDate) || got.EffectiveDate.Location() != time.UTC {
		t.Fatalf("%s effective date %v, want %v (UTC)", want.Currency, got.EffectiveDate, want.EffectiveDate)
	}
	sameDecimal(t, want.Currency+" rate", got.Rate, want.Rate)
	sameInstant(t, "CreateTime", got.CreateTime, want.CreateTime)
}

func rateKeys(rs []store.ExchangeRate) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.EffectiveDate.Format("2006-01-02") + " " + r.Currency
	}
	return out
}

func runRates(t *testing.T, open opener) {
	t.Run("CreateGetExact", func(t *testing.T) {
		s := open(t)
		r := rate("USD", "2024-01-15", "512.3700")
		update(t, s, func(tx store.Tx) error { return tx.CreateExchangeRate(ctx(t), r) })
		view(t, s, func(tx store.Tx) error {
			got, err := tx.GetExchangeRate(ctx(t), "USD", day("2024-01-15"))
			noErr(t, "GetExchangeRate", err)
			sameRate(t, got, r)
			if s := got.Rate.Text('f'); s != "512.3700" {
				t.Fatalf("rate text %q, want 512.3700", s)
			}
			_, err = tx.GetExchangeRate(ctx(t), "USD", day("2024-01-16"))
			wantErr(t, "GetExchangeRate on another date", err, store.ErrNotFound)
			_, err = tx.GetExchangeRate(ctx(t), "EUR", day("2024-01-15"))
			wantErr(t, "GetExchangeRate of another currency", err, store.ErrNotFound)
			return nil
		})
	})

	t.Run("CreateAlreadyExists", func(t *testing.T) {
		s := open(t)
		update(t, s, func(tx store.Tx) error { return tx.CreateExchangeRate(ctx(t), rate("USD", "2024-01-15", "1.5")) })
		err := s.Update(ctx(t), func(tx store.Tx) error {
			return tx.CreateExchangeRate(ctx(t), rate("USD", "2024-01-15", "2.5"))
		})
		wantErr(t, "CreateExchangeRate on a taken date", err, store.ErrAlreadyExists)
		update(t, s, func(tx store.Tx) error {
			// Other currency, other date: fine.
			noErr(t, "EUR", tx.CreateExchangeRate(ctx(t), rate("EUR", "2024-01-15", "3")))
			return tx.CreateExchangeRate(ctx(t), rate("USD", "2024-01-16", "4"))
		})
		view(t, s, func(tx store.Tx) error {
			got, err := tx.GetExchangeRate(ctx(t), "USD", day("2024-01-15"))
			noErr(t, "GetExchangeRate", err)
			sameDecimal(t, "kept rate", got.Rate, dec("1.5"))
			return nil
		})
	})

	t.Run("Resolve", func(t *testing.T) {
		s := open(t)
		update(t, s, func(tx store.Tx) error {
			for _, r := range []store.ExchangeRate{
				rate("USD", "2024-02-01", "92.1000"),
				rate("USD", "2024-01-10", "90.0000"),
				rate("USD", "2024-01-20", "91.5"),
				rate("EUR", "2024-01-01", "100.25"),
				rate("EUR", "2024-03-01", "101"),
			} {
				if err := tx.CreateExchangeRate(ctx(t), r); err != nil {
					return err
				}
			}
			return nil
		})
		view(t, s, func(tx store.Tx) error {
			for _, c := range []struct{ cur, date, want string }{
				{"USD", "2024-01-10", "2024-01-10"},
				{"USD", "2024-01-11", "2024-01-10"},
				{"USD", "2024-01-19", "2024-01-10"},
				{"USD", "2024-01-20", "2024-01-20"},
				{"USD", "2024-01-31", "2024-01-20"},
				{"USD", "2024-02-01", "2024-02-01"},
				{"USD", "2030-12-31", "2024-02-01"},
				{"EUR", "2024-02-29", "2024-01-01"},
				{"EUR", "2024-03-01", "2024-03-01"},
			} {
				got, err := tx.ResolveExchangeRate(ctx(t), c.cur, day(c.date))
				noErr(t, "ResolveExchangeRate "+c.cur+" "+c.date, err)
				if !got.EffectiveDate.Equal(day(c.want)) || got.Currency != c.cur {
					t.Fatalf("resolve %s on %s: got %s %v, want %s", c.cur, c.date, got.Currency, got.EffectiveDate, c.want)
				}
			}
			got, err := tx.ResolveExchangeRate(ctx(t), "USD", day("2024-02-01"))
			noErr(t, "ResolveExchangeRate", err)
			sameRate(t, got, rate("USD", "2024-02-01", "92.1000"))
			// A time later in the day still resolves by its calendar day.
			got, err = tx.ResolveExchangeRate(ctx(t), "USD", day("2024-01-20").Add(23*time.Hour+59*time.Minute))
			noErr(t, "ResolveExchangeRate late in the day", err)
			if !got.EffectiveDate.Equal(day("2024-01-20")) {
				t.Fatalf("resolve late on 2024-01-20: %v", got.EffectiveDate)
			}
			_, err = tx.ResolveExchangeRate(ctx(t), "USD", day("2024-01-09"))
			wantErr(t, "ResolveExchangeRate before the first rate", err, store.ErrNotFound)
			_, err = tx.ResolveExchangeRate(ctx(t), "CNY", day("2024-06-01"))
			wantErr(t, "ResolveExchangeRate of an unknown currency", err, store.ErrNotFound)
			return nil
		})
	})

	t.Run("ListOrderAndCursor", func(t *testing.T) {
		s := open(t)
		rates := []store.ExchangeRate{
			rate("USD", "2024-01-10", "1"),
			rate("EUR", "2024-01-10", "2"),
			rate("CNY", "2024-01-10", "3"),
			rate("USD", "2024-02-01", "4"),
			rate("AMD", "2024-02-01", "5"),
			rate("EUR", "2023-12-31", "6"),
			rate("USD", "2023-06-30", "7"),
		}
		update(t, s, func(tx store.Tx) error {
			for _, r := range rates {
				if err := tx.CreateExchangeRate(ctx(t), r); err != nil {
					return err
				}
			}
			return nil
		})
		all := []string{
			"2024-02-01 AMD", "2024-02-01 USD",
			"2024-01-10 CNY", "2024-01-10 EUR", "2024-01-10 USD",
			"2023-12-31 EUR", "2023-06-30 USD",
		}
		for _, limit := range []int{1, 2, 3, 7, 50} {
			if got := listRates(t, s, "", limit); !slices.Equal(got, all) {
				t.Fatalf("limit %d: %q, want %q", limit, got, all)
			}
		}
		usd := []string{"2024-02-01 USD", "2024-01-10 USD", "2023-06-30 USD"}
		for _, limit := range []int{1, 2, 10} {
			if got := listRates(t, s, "USD", limit); !slices.Equal(got, usd) {
				t.Fatalf("USD limit %d: %q, want %q", limit, got, usd)
			}
		}
		view(t, s, func(tx store.Tx) error {
			page, err := tx.ListExchangeRates(ctx(t), "", &store.RateCursor{EffectiveDate: day("2024-01-10"), Currency: "DKK"}, 10)
			noErr(t, "ListExchangeRates", err)
			if got, want := rateKeys(page), []string{"2024-01-10 EUR", "2024-01-10 USD", "2023-12-31 EUR", "2023-06-30 USD"}; !slices.Equal(got, want) {
				t.Fatalf("after (2024-01-10, DKK): %q, want %q", got, want)
			}
			page, err = tx.ListExchangeRates(ctx(t), "", nil, 10)
			noErr(t, "ListExchangeRates", err)
			for i, r := range page {
				var w store.ExchangeRate
				for _, x := range rates {
					if x.Currency == r.Currency && x.EffectiveDate.Equal(r.EffectiveDate) {
						w = x
					}
				}
				if w.Currency == "" {
					t.Fatalf("listed an unknown rate %d: %v", i, r)
				}
				sameRate(t, r, w)
			}
			page, err = tx.ListExchangeRates(ctx(t), "GBP", nil, 10)
			noErr(t, "ListExchangeRates", err)
			if len(page) != 0 {
				t.Fatalf("GBP: %q", rateKeys(page))
			}
			return nil
		})
	})

	t.Run("DecimalExactness", func(t *testing.T) {
		s := open(t)
		values := []string{
			"512.3700", "0.0000012345", "123456789012.1234567890", "1", "100", "0.5",
			"0.00", "10.000000", "99999999999999999999.99999999999999999999", "-3.140",
		}
		update(t, s, func(tx store.Tx) error {
			for i, v := range values {
				r := rate(fmt.Sprintf("C%02d", i), "2024-05-01", v)
				if err := tx.CreateExchangeRate(ctx(t), r); err != nil {
					return err
				}
			}
			return nil
		})
		view(t, s, func(tx store.Tx) error {
			for i, v := range values {
				cur := fmt.Sprintf("C%02d", i)
				for _, get := range []func() (store.ExchangeRate, error){
					func() (store.ExchangeRate, error) { return tx.GetExchangeRate(ctx(t), cur, day("2024-05-01")) },
					func() (store.ExchangeRate, error) { return tx.ResolveExchangeRate(ctx(t), cur, day("2024-06-01")) },
				} {
					got, err := get()
					noErr(t, "read "+cur, err)
					sameDecimal(t, cur, got.Rate, dec(v))
					if s := got.Rate.Text('f'); s != v {
						t.Fatalf("%s: text %q, want %q", cur, s, v)
					}
				}
			}
			page, err := tx.ListExchangeRates(ctx(t), "", nil, 100)
			noErr(t, "ListExchangeRates", err)
			for _, r := range page {
				var i int
				fmt.Sscanf(r.Currency, "C%02d", &i)
				sameDecimal(t, "listed "+r.Currency, r.Rate, dec(values[i]))
			}
			return nil
		})
	})
}

func listRates(t *testing.T, s store.Store, currency string, limit int) []string {
	t.Helper()
	var (
		out   []string
		after *store.RateCursor
	)
	for range 100 {
		var page []store.ExchangeRate
		view(t, s, func(tx store.Tx) error {
			var err error
			page, err = tx.ListExchangeRates(ctx(t), currency, after, limit)
			return err
		})
		if len(page) > limit {
			t.Fatalf("ListExchangeRates returned %d rates, limit %d", len(page), limit)
		}
		out = append(out, rateKeys(page)...)
		if len(page) < limit {
			return out
		}
		last := page[len(page)-1]
		after = &store.RateCursor{EffectiveDate: last.EffectiveDate, Currency: last.Currency}
	}
	t.Fatalf("ListExchangeRates paging does not end")
	return nil
}
