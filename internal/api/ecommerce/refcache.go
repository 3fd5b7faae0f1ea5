package ecommerce

import (
	"context"
	"sync"

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

// generation is the generation of the reference data tx reads.
func generation(ctx context.Context, tx store.Tx) (int64, error) {
	return tx.Counter(ctx, store.ReferenceGeneration)
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
