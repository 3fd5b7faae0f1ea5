package exchange

import (
	"crypto/tls"
	"errors"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	exchangev1 "github.com/eaeu/customs-exchange/gen/eaeu/exchange/v1"
	"github.com/eaeu/customs-exchange/internal/audit"
	"github.com/eaeu/customs-exchange/internal/authn"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	"github.com/eaeu/customs-exchange/internal/store"
)

// Deps is what the exchange handlers need.
type Deps struct {
	Store store.Store
	// NodeState is the member state this node serves.
	NodeState string
	// CustomsCode is the code of this node's customs body in the directory.
	CustomsCode string
	// Bundle verifies the certificates that signed peers' documents.
	Bundle *authn.TrustBundle
	// Signing returns the pair that signs the documents this node sends:
	// the key and the certificate whose URI names this node's customs
	// body, as renewed on disk (pki.Reloader.Current). Nil: this node
	// cannot sign.
	Signing func() *tls.Certificate
	// Recorder audits refusals the guard does not see (inside streams).
	Recorder *audit.Recorder
	// OutboxWritten is called after a transaction that wrote to the outbox
	// committed (it wakes the dispatcher); may be nil.
	OutboxWritten func()
	// Subscribed is called after a subscription was created (it wakes the
	// puller); may be nil.
	Subscribed func()
	// Records signals newly published records to open pulls.
	Records *Signal
	// Now is the clock (tests may fix it).
	Now func() time.Time
	// ChunkSize is the size of stored attachment chunks (default and at
	// most 1 MiB, the largest chunk a peer accepts).
	ChunkSize int
	// Content keeps attachment content (default: chunks in the store).
	Content Content
	// RecordCacheBytes bounds the tail cache of published records
	// (DefaultRecordCacheBytes when 0, none when negative).
	RecordCacheBytes int

	cache *recordCache
}

func (d *Deps) now() time.Time {
	if d.Now != nil {
		return d.Now().UTC()
	}
	return time.Now().UTC()
}

// today is the date in the node's member state.
func (d *Deps) today() time.Time { return dates.Local(d.now(), d.NodeState) }

func (d *Deps) chunkSize() int {
	if d.ChunkSize > 0 {
		return min(d.ChunkSize, 1<<20)
	}
	return 1 << 20
}

func (d *Deps) outboxWritten() {
	if d.OutboxWritten != nil {
		d.OutboxWritten()
	}
}

// Services are the four services of eaeu.exchange.v1 over one Deps.
type Services struct {
	CopyRequests *CopyRequests
	Regular      *RegularExchange
	Notices      *Notices
	Delivery     *Delivery
}

// New returns the services.
func New(d *Deps) *Services {
	if d.Records == nil {
		d.Records = NewSignal()
	}
	if d.RecordCacheBytes == 0 {
		d.RecordCacheBytes = DefaultRecordCacheBytes
	}
	d.cache = newRecordCache(d.RecordCacheBytes)
	if d.Content == nil {
		d.Content = NewStoreContent(d.Store, d.chunkSize())
	}
	return &Services{
		CopyRequests: &CopyRequests{Deps: d},
		Regular:      &RegularExchange{Deps: d},
		Notices:      &Notices{Deps: d},
		Delivery:     &Delivery{Deps: d},
	}
}

// CopyRequests serves eaeu.exchange.v1.CopyRequestService.
type CopyRequests struct {
	exchangev1.UnimplementedCopyRequestServiceServer
	*Deps
}

// RegularExchange serves eaeu.exchange.v1.RegularExchangeService.
type RegularExchange struct {
	exchangev1.UnimplementedRegularExchangeServiceServer
	*Deps
}

// Notices serves eaeu.exchange.v1.NoticeService.
type Notices struct {
	exchangev1.UnimplementedNoticeServiceServer
	*Deps
}

// Delivery serves eaeu.exchange.v1.DeliveryService.
type Delivery struct {
	exchangev1.UnimplementedDeliveryServiceServer
	*Deps
}

// Signal wakes every waiter when something happened (a record was
// published). It is safe for concurrent use.
type Signal struct {
	mu sync.Mutex
	ch chan struct{}
}

// NewSignal returns a signal.
func NewSignal() *Signal { return &Signal{ch: make(chan struct{})} }

// Wait returns a channel closed at the next Notify.
func (s *Signal) Wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ch
}

// Notify wakes every current waiter.
func (s *Signal) Notify() {
	s.mu.Lock()
	close(s.ch)
	s.ch = make(chan struct{})
	s.mu.Unlock()
}

// deterministic is the encoding of stored bodies and of signed bytes.
var deterministic = proto.MarshalOptions{Deterministic: true}

func marshal(m proto.Message) ([]byte, error) { return deterministic.Marshal(m) }

// notFoundAs maps store.ErrNotFound to a NOT_FOUND naming the resource.
func notFoundAs(err error, name string) error {
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound(name)
	}
	return err
}
