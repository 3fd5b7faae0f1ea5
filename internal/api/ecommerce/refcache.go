package ecommerce

import (
	"context"
	"errors"
	"sync"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	referencev1 "github.com/eaeu/customs-exchange/gen/eaeu/reference/v1"
	"github.com/eaeu/customs-exchange/internal/register"
	"github.com/eaeu/customs-exchange/internal/rules/dates"

	"github.com/eaeu/customs-exchange/internal/store"
)

// refCache holds what a node derives from the reference data and the
// register (tariffs, an operator's active register number, a customs
// body's member state) for one generation of them
// (store.ReferenceGeneration): every change to that data moves the
// generation in its own transaction, and the first lookup at a newer
// generation drops every entry of the old one. A lookup made in a
// transaction that reads an older generation neither uses nor fills it.
type refCache[K comparable, V any] struct {
	mu  sync.Mutex
	gen int64
	m   map[K]V
	max int // entries kept at most: the cache is emptied when full
}

// get returns the entry of k read at generation gen, or builds it with
// build (from the transaction gen was read in) and keeps it.
func (c *refCache[K, V]) get(gen int64, k K, build func() (V, error)) (V, error) {
	c.mu.Lock()
	if c.gen == gen {
		if v, ok := c.m[k]; ok {
			c.mu.Unlock()
			return v, nil
		}
	}
	c.mu.Unlock()
	v, err := build()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case gen > c.gen || c.m == nil:
		c.gen, c.m = gen, map[K]V{}
	case gen < c.gen:
		return v, nil
	}
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[k] = v
	return v, nil
}

// refView reads the reference data and the register in one transaction,
// at the generation that transaction sees, through the node's caches.
type refView struct {
	s   *Server
	tx  store.Tx
	gen int64
}

// refsAt is the view of tx, which reads generation gen.
func (s *Server) refsAt(tx store.Tx, gen int64) refView { return refView{s: s, tx: tx, gen: gen} }

// refsOf is the view of tx, reading its generation.
func (s *Server) refsOf(ctx context.Context, tx store.Tx) (refView, error) {
	gen, err := tx.Counter(ctx, store.ReferenceGeneration)
	return s.refsAt(tx, gen), err
}

// refCaches are a node's caches of derived reference data.
type refCaches struct {
	tariffs   refCache[tariffKey, *tariff]
	operators refCache[string, activeOperator] // by legal entity
	bodies    refCache[string, customsBody]    // by customs body code
}

func newRefCaches() refCaches {
	return refCaches{
		// A node prices on a few dates at a time (today, and the
		// registration dates of amended declarations).
		tariffs:   refCache[tariffKey, *tariff]{max: 64},
		operators: refCache[string, activeOperator]{max: 100_000},
		bodies:    refCache[string, customsBody]{max: 10_000},
	}
}

// activeOperator is a legal entity's standing on the register.
type activeOperator struct {
	number string // its active register number
	active bool
}

// customsBody is what filing needs of the directory entry of a customs
// body.
type customsBody struct {
	found       bool
	memberState string
}

// tariff returns the tariff of state on day.
func (r refView) tariff(ctx context.Context, state string, day time.Time) (*tariff, error) {
	return r.s.refs.tariffs.get(r.gen, tariffKey{state: state, day: dates.Format(day)}, func() (*tariff, error) {
		return r.s.buildTariff(ctx, r.tx, state, day)
	})
}

// activeOperator is the standing on the register of the legal entity
// (an operator's certificate id).
func (r refView) activeOperator(ctx context.Context, legalEntity string) (activeOperator, error) {
	return r.s.refs.operators.get(r.gen, legalEntity, func() (activeOperator, error) {
		number, active, err := register.ActiveRegisterNumber(ctx, r.tx, legalEntity)
		return activeOperator{number: number, active: active}, err
	})
}

// customsBody is the directory entry of the customs body code.
func (r refView) customsBody(ctx context.Context, code string) (customsBody, error) {
	return r.s.refs.bodies.get(r.gen, code, func() (customsBody, error) {
		doc, err := r.tx.GetDocument(ctx, "customs_body", "customsBodies/"+code)
		if errors.Is(err, store.ErrNotFound) {
			return customsBody{}, nil
		}
		if err != nil {
			return customsBody{}, err
		}
		b := &referencev1.CustomsBody{}
		if err := protojson.Unmarshal(doc.Body, b); err != nil {
			return customsBody{}, err
		}
		return customsBody{found: true, memberState: b.GetMemberState()}, nil
	})
}
