package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	exchangev1 "github.com/eaeu/customs-exchange/gen/eaeu/exchange/v1"
	exchangeapi "github.com/eaeu/customs-exchange/internal/api/exchange"
	"github.com/eaeu/customs-exchange/internal/store"
)

// Options tune the dispatcher and the puller; zero values take the
// defaults.
type Options struct {
	// MaxAttempts before a message is given up as undeliverable (10).
	MaxAttempts int
	// BaseBackoff is the wait after the first failure (1s); it doubles
	// after each further failure, up to MaxBackoff (5m), with ±20 % jitter.
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// PollInterval is how often the store is looked at when nothing woke
	// the loop (1s).
	PollInterval time.Duration
	// Lease is how long a claimed message is reserved for one delivery
	// attempt (10m).
	Lease time.Duration
	// AttemptTimeout bounds one unary delivery (30s).
	AttemptTimeout time.Duration
	// Now is the clock.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	def(&o.BaseBackoff, time.Second)
	def(&o.MaxBackoff, 5*time.Minute)
	def(&o.PollInterval, time.Second)
	def(&o.Lease, 10*time.Minute)
	def(&o.AttemptTimeout, 30*time.Second)
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Backoff is the wait after the n-th failed attempt (n >= 1), before
// jitter: base, 2·base, 4·base, ... capped at max.
func Backoff(n int, base, max time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

func jitter(d time.Duration) time.Duration {
	return d*4/5 + rand.N(d*2/5+1)
}

// Dispatcher delivers the outbox.
type Dispatcher struct {
	store   store.Store
	content exchangeapi.Content
	peers   *Peers
	log     *slog.Logger
	opt     Options
	wake    chan struct{}

	mu       sync.Mutex
	busy     map[string]bool // peers with a delivery in flight
	inflight sync.WaitGroup
	cancel   context.CancelFunc
	done     chan struct{}
}

// NewDispatcher returns a dispatcher reading attachment content from
// content; Start runs it.
func NewDispatcher(st store.Store, content exchangeapi.Content, peers *Peers, log *slog.Logger, opt Options) *Dispatcher {
	return &Dispatcher{store: st, content: content, peers: peers, log: log, opt: opt.withDefaults(), wake: make(chan struct{}, 1),
		busy: map[string]bool{}}
}

// Notify wakes the dispatcher: a transaction wrote to the outbox.
func (d *Dispatcher) Notify() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Start runs the delivery loop until Stop.
func (d *Dispatcher) Start(ctx context.Context) {
	ctx, d.cancel = context.WithCancel(ctx)
	d.done = make(chan struct{})
	go func() {
		defer close(d.done)
		d.run(ctx)
		d.inflight.Wait()
	}()
}

// Stop ends the loop and waits for deliveries in flight to record their
// outcome; call it before the store closes.
func (d *Dispatcher) Stop() {
	if d.cancel == nil {
		return
	}
	d.cancel()
	<-d.done
}

func (d *Dispatcher) run(ctx context.Context) {
	for ctx.Err() == nil {
		if _, err := d.round(ctx); err != nil && ctx.Err() == nil {
			d.log.Error("outbox: reading the queue", "error", err)
		}
		t := time.NewTimer(d.opt.PollInterval)
		select {
		case <-ctx.Done():
		case <-d.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// round starts delivering the head message of every peer that has one
// due and no delivery in flight, in parallel across peers, and returns how
// many it started. A delivery that ends wakes the loop for the peer's next
// message; a long one (an attachment) holds up only its own peer.
func (d *Dispatcher) round(ctx context.Context) (int, error) {
	now := d.opt.Now()
	var due []store.OutboxMessage
	if err := d.store.View(ctx, func(tx store.Tx) error {
		var err error
		due, err = tx.DueOutbox(ctx, now, 64)
		return err
	}); err != nil {
		return 0, err
	}
	n := 0
	for _, m := range due {
		d.mu.Lock()
		busy := d.busy[m.PeerCode]
		d.mu.Unlock()
		if busy {
			continue
		}
		var claimed bool
		if err := d.store.Update(ctx, func(tx store.Tx) error {
			var err error
			claimed, err = tx.ClaimOutbox(ctx, m.ID, now, now.Add(d.opt.Lease))
			return err
		}); err != nil {
			return n, err
		}
		if !claimed {
			continue
		}
		n++
		d.mu.Lock()
		d.busy[m.PeerCode] = true
		d.mu.Unlock()
		d.inflight.Add(1)
		go func() {
			defer d.inflight.Done()
			d.deliver(ctx, m)
			d.mu.Lock()
			delete(d.busy, m.PeerCode)
			d.mu.Unlock()
			d.Notify()
		}()
	}
	return n, nil
}

// permanent reports a refusal that another attempt will not change.
func permanent(err error) bool {
	st, ok := status.FromError(err)
	if !ok {
		return false
	}
	switch st.Code() {
	case codes.InvalidArgument, codes.PermissionDenied, codes.Unauthenticated, codes.NotFound, codes.AlreadyExists, codes.Unimplemented, codes.OutOfRange:
		return true
	}
	return false
}

func (d *Dispatcher) deliver(ctx context.Context, m store.OutboxMessage) {
	err := d.send(ctx, m)
	if ctx.Err() != nil && err != nil {
		// Shutting down: release the lease without counting an attempt.
		d.record(context.WithoutCancel(ctx), m.ID, func(cur *store.OutboxMessage) { cur.LeaseUntil = d.opt.Now() })
		return
	}
	now := d.opt.Now()
	d.record(ctx, m.ID, func(cur *store.OutboxMessage) {
		cur.Attempts++
		cur.LeaseUntil, cur.UpdateTime = now, now
		switch {
		case err == nil:
			cur.State, cur.DeliveredTime, cur.LastError = store.OutboxDelivered, now, ""
		case permanent(err) || cur.Attempts >= d.opt.MaxAttempts:
			cur.State, cur.LastError = store.OutboxUndeliverable, truncate(err.Error(), 1000)
			d.log.Warn("outbox: message undeliverable", "id", cur.ID, "peer", cur.PeerCode, "kind", cur.Kind, "attempts", cur.Attempts, "error", err)
		default:
			cur.LastError = truncate(err.Error(), 1000)
			cur.NextAttempt = now.Add(jitter(Backoff(cur.Attempts, d.opt.BaseBackoff, d.opt.MaxBackoff)))
			d.log.Info("outbox: delivery failed, will retry", "id", cur.ID, "peer", cur.PeerCode, "kind", cur.Kind,
				"attempts", cur.Attempts, "next", cur.NextAttempt, "error", err)
		}
	})
}

func (d *Dispatcher) record(ctx context.Context, id string, edit func(*store.OutboxMessage)) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := d.store.Update(ctx, func(tx store.Tx) error {
		cur, err := tx.GetOutbox(ctx, id)
		if err != nil {
			return err
		}
		edit(&cur)
		return tx.UpdateOutbox(ctx, cur)
	})
	if err != nil {
		d.log.Error("outbox: recording a delivery", "id", id, "error", err)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// send makes one delivery attempt.
func (d *Dispatcher) send(ctx context.Context, m store.OutboxMessage) error {
	conn, err := d.peers.Conn(ctx, m.PeerCode)
	if err != nil {
		return err
	}
	if m.Kind == exchangeapi.KindAttachment {
		return d.sendAttachment(ctx, exchangev1.NewCopyRequestServiceClient(conn), m)
	}
	actx, cancel := context.WithTimeout(ctx, d.opt.AttemptTimeout)
	defer cancel()
	switch m.Kind {
	case exchangeapi.KindCopyRequest:
		req := &exchangev1.ReceiveCopyRequestRequest{}
		if err := proto.Unmarshal(m.Payload, req); err != nil {
			return err
		}
		_, err = exchangev1.NewCopyRequestServiceClient(conn).ReceiveCopyRequest(actx, req)
	case exchangeapi.KindCopyRequestEvent:
		req := &exchangev1.ReceiveCopyRequestEventRequest{}
		if err := proto.Unmarshal(m.Payload, req); err != nil {
			return err
		}
		_, err = exchangev1.NewCopyRequestServiceClient(conn).ReceiveCopyRequestEvent(actx, req)
	case exchangeapi.KindNotice:
		req := &exchangev1.ReceiveNoticeRequest{}
		if err := proto.Unmarshal(m.Payload, req); err != nil {
			return err
		}
		_, err = exchangev1.NewNoticeServiceClient(conn).ReceiveNotice(actx, req)
	case exchangeapi.KindNoticeAcknowledgement:
		req := &exchangev1.ReceiveNoticeAcknowledgementRequest{}
		if err := proto.Unmarshal(m.Payload, req); err != nil {
			return err
		}
		_, err = exchangev1.NewNoticeServiceClient(conn).ReceiveNoticeAcknowledgement(actx, req)
	default:
		return status.Errorf(codes.Unimplemented, "outbox: unknown message kind %q", m.Kind)
	}
	return err
}

// sendAttachment streams the header and then the stored chunks, one
// chunk read ahead of the one being sent.
func (d *Dispatcher) sendAttachment(ctx context.Context, c exchangev1.CopyRequestServiceClient, m store.OutboxMessage) error {
	hdr := &exchangev1.AttachmentHeader{}
	if err := proto.Unmarshal(m.Payload, hdr); err != nil {
		return err
	}
	var a store.ExchangeAttachment
	if err := d.store.View(ctx, func(tx store.Tx) error {
		var err error
		a, err = tx.GetExchangeAttachment(ctx, m.AttachmentID)
		return err
	}); err != nil {
		return fmt.Errorf("outbox: attachment %s: %w", m.AttachmentID, err)
	}
	if !a.Complete {
		return errors.New("outbox: the attachment is not complete")
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.ReceiveAttachment(sctx)
	if err != nil {
		return err
	}
	if err := stream.Send(&exchangev1.ReceiveAttachmentRequest{Part: &exchangev1.ReceiveAttachmentRequest_Header{Header: hdr}}); err != nil {
		_, rerr := stream.CloseAndRecv()
		return rerr
	}
	err = d.content.Read(sctx, a, func(data []byte) error {
		return stream.Send(&exchangev1.ReceiveAttachmentRequest{Part: &exchangev1.ReceiveAttachmentRequest_Chunk{Chunk: data}})
	})
	// io.EOF from Send: the peer answered early (it holds the content
	// already, or refused); the answer says which.
	_, rerr := stream.CloseAndRecv()
	if rerr != nil {
		return rerr
	}
	if err != nil && !errors.Is(err, errEOF) {
		return err
	}
	return nil
}
