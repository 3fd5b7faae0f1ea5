package exchange

import (
	"sync"

	exchangev1 "github.com/eaeu/customs-exchange/gen/eaeu/exchange/v1"
)

// DefaultRecordCacheBytes bounds the tail cache of published records.
const DefaultRecordCacheBytes = 32 << 20

// recordCache holds the records this process published last, so that
// peers following the tail are served without reading them back from the
// store. It only ever answers with a run of consecutive sequence numbers
// starting right after the caller's cursor; anything it does not hold
// (published by another instance, evicted, not yet added) is read from the
// store, so it never changes what a peer receives, only where it comes
// from. Records are immutable once published, so entries never go stale.
type recordCache struct {
	mu    sync.RWMutex
	max   int
	bytes int
	bySeq map[int64]*exchangev1.ExchangeRecord
	fifo  []int64 // insertion order, for eviction
}

func newRecordCache(maxBytes int) *recordCache {
	return &recordCache{max: maxBytes, bySeq: map[int64]*exchangev1.ExchangeRecord{}}
}

func recordSize(r *exchangev1.ExchangeRecord) int {
	return len(r.GetData()) + len(r.GetRecordId()) + 128
}

// add keeps committed records (with their data and sequence numbers).
func (c *recordCache) add(recs []*exchangev1.ExchangeRecord) {
	if c == nil || c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range recs {
		if _, ok := c.bySeq[r.GetSequence()]; ok {
			continue
		}
		c.bySeq[r.GetSequence()] = r
		c.fifo = append(c.fifo, r.GetSequence())
		c.bytes += recordSize(r)
	}
	for c.bytes > c.max && len(c.fifo) > 0 {
		seq := c.fifo[0]
		c.fifo = c.fifo[1:]
		if r, ok := c.bySeq[seq]; ok {
			c.bytes -= recordSize(r)
			delete(c.bySeq, seq)
		}
	}
	if cap(c.fifo) > 4*len(c.fifo)+1024 {
		c.fifo = append([]int64(nil), c.fifo...)
	}
}

// page returns the records of the given kinds among the consecutive run
// after+1, after+2, ... that the cache holds, up to limit records or
// maxBytes of data, and the last sequence number it covered (which may be
// past the last record returned when other kinds were skipped). ok is
// false when after+1 is not held.
func (c *recordCache) page(after int64, kinds map[exchangev1.RecordKind]bool, limit, maxBytes int) (out []*exchangev1.ExchangeRecord, last int64, ok bool) {
	if c == nil {
		return nil, after, false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	last = after
	size := 0
	for len(out) < limit && size < maxBytes {
		r, held := c.bySeq[last+1]
		if !held {
			break
		}
		last++
		if len(kinds) == 0 || kinds[r.GetKind()] {
			out = append(out, r)
			size += len(r.GetData())
		}
	}
	return out, last, last > after
}
