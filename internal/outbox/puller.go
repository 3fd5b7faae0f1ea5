package outbox

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	auditv1 "github.com/eaeu/customs-exchange/gen/eaeu/audit/v1"
	authv1 "github.com/eaeu/customs-exchange/gen/eaeu/auth/v1"
	exchangev1 "github.com/eaeu/customs-exchange/gen/eaeu/exchange/v1"
	exchangeapi "github.com/eaeu/customs-exchange/internal/api/exchange"
	"github.com/eaeu/customs-exchange/internal/audit"
	"github.com/eaeu/customs-exchange/internal/authn"
	"github.com/eaeu/customs-exchange/internal/caller"
	"github.com/eaeu/customs-exchange/internal/store"
)

var errEOF = io.EOF

// pullMethod names the pull in the audit records of stored pages.
const pullMethod = "/eaeu.exchange.v1.RegularExchangeService/PullRecords"

// Puller follows this node's subscriptions.
type Puller struct {
	store store.Store
	peers *Peers
	log   *slog.Logger
	opt   Options
	wake  chan struct{}
	// PageSize is what the puller asks per page (500).
	PageSize int32

	mu      sync.Mutex
	running map[string]bool
	wg      sync.WaitGroup
	cancel  context.CancelFunc
	done    chan struct{}
}

// NewPuller returns a puller; Start runs it.
func NewPuller(st store.Store, peers *Peers, log *slog.Logger, opt Options) *Puller {
	return &Puller{store: st, peers: peers, log: log, opt: opt.withDefaults(), wake: make(chan struct{}, 1), running: map[string]bool{}, PageSize: 500}
}

// Notify wakes the puller: a subscription was created.
func (p *Puller) Notify() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Start follows every subscription until Stop.
func (p *Puller) Start(ctx context.Context) {
	ctx, p.cancel = context.WithCancel(ctx)
	p.done = make(chan struct{})
	go func() {
		defer close(p.done)
		for ctx.Err() == nil {
			p.startNew(ctx)
			t := time.NewTimer(p.opt.PollInterval)
			select {
			case <-ctx.Done():
			case <-p.wake:
			case <-t.C:
			}
			t.Stop()
		}
		p.wg.Wait()
	}()
}

// Stop ends every pull and waits for the pages being stored.
func (p *Puller) Stop() {
	if p.cancel == nil {
		return
	}
	p.cancel()
	<-p.done
}

func (p *Puller) startNew(ctx context.Context) {
	var subs []store.ExchangeSubscription
	err := p.store.View(ctx, func(tx store.Tx) error {
		var err error
		subs, err = tx.ListExchangeSubscriptions(ctx, "", 1000)
		return err
	})
	if err != nil {
		if ctx.Err() == nil {
			p.log.Error("puller: listing subscriptions", "error", err)
		}
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range subs {
		if p.running[s.PeerCode] {
			continue
		}
		p.running[s.PeerCode] = true
		p.wg.Add(1)
		go func(code string) {
			defer p.wg.Done()
			p.follow(ctx, code)
		}(s.PeerCode)
	}
}

// follow pulls from one peer for as long as the node runs.
func (p *Puller) follow(ctx context.Context, code string) {
	failures := 0
	for ctx.Err() == nil {
		stored, err := p.pull(ctx, code)
		if ctx.Err() != nil {
			return
		}
		if stored {
			failures = 0
		}
		failures++
		wait := jitter(Backoff(failures, p.opt.BaseBackoff, min(p.opt.MaxBackoff, time.Minute)))
		if err != nil {
			p.log.Info("puller: pull ended, reconnecting", "peer", code, "error", err, "in", wait)
			p.noteError(ctx, code, err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
}

func (p *Puller) noteError(ctx context.Context, code string, err error) {
	_ = p.store.Update(ctx, func(tx store.Tx) error {
		s, gerr := tx.GetExchangeSubscription(ctx, code)
		if gerr != nil {
			return gerr
		}
		s.LastError, s.UpdateTime = truncate(err.Error(), 1000), p.opt.Now()
		return tx.UpdateExchangeSubscription(ctx, s)
	})
}

// pull opens one stream from the stored cursor and stores its pages; it
// reports whether it stored any.
func (p *Puller) pull(ctx context.Context, code string) (bool, error) {
	var sub store.ExchangeSubscription
	if err := p.store.View(ctx, func(tx store.Tx) error {
		var err error
		sub, err = tx.GetExchangeSubscription(ctx, code)
		return err
	}); err != nil {
		return false, err
	}
	conn, err := p.peers.Conn(ctx, code)
	if err != nil {
		return false, err
	}
	stream, err := exchangev1.NewRegularExchangeServiceClient(conn).PullRecords(ctx,
		&exchangev1.PullRecordsRequest{AfterSequence: sub.Position, Follow: true, PageSize: p.PageSize})
	if err != nil {
		return false, err
	}
	stored := false
	for {
		page, err := stream.Recv()
		if err != nil {
			if err == io.EOF {
				err = status.Error(codes.Unavailable, "the peer ended the stream")
			}
			return stored, err
		}
		if err := p.apply(ctx, code, page); err != nil {
			return stored, err
		}
		stored = true
	}
}

// apply stores a page and moves the cursor in one transaction: a page is
// either wholly stored with its cursor or not at all, and a record id and
// version already held is skipped.
func (p *Puller) apply(ctx context.Context, code string, page *exchangev1.PullRecordsResponse) error {
	ctx = context.WithoutCancel(ctx) // a page received is stored even when the node is stopping
	return p.store.Update(ctx, func(tx store.Tx) error {
		s, err := tx.GetExchangeSubscription(ctx, code)
		if err != nil {
			return err
		}
		body, err := exchangeapi.LookupBody(ctx, tx, code)
		if err != nil {
			return err
		}
		now := p.opt.Now().UTC()
		var added, skipped int64
		for _, r := range page.GetRecords() {
			ok, err := tx.PutReceivedExchangeRecord(ctx, store.ReceivedExchangeRecord{PeerCode: code, ReceiveTime: now, Record: store.ExchangeRecord{
				Seq: r.GetSequence(), RecordID: r.GetRecordId(), Version: r.GetVersion(), Kind: r.GetKind().String(),
				ContentType: r.GetContentType(), Data: r.GetData(), AmendmentReason: r.GetAmendmentReason(), PublishTime: r.GetPublishTime().AsTime(),
			}})
			if err != nil {
				return err
			}
			if ok {
				added++
			} else {
				skipped++
			}
		}
		s.RecordsReceived += added
		s.DuplicatesSkipped += skipped
		s.Position = max(s.Position, page.GetLastSequence())
		s.LastError, s.LastReceiveTime, s.UpdateTime = "", now, now
		if err := tx.UpdateExchangeSubscription(ctx, s); err != nil {
			return err
		}
		sub, _ := authn.NewSubject(body.GetMemberState(), authn.KindCustoms, code)
		_, err = audit.Append(ctx, tx, audit.Entry{
			Caller: caller.Caller{Subject: sub, Role: authv1.Role_ROLE_PEER_CUSTOMS}, Method: pullMethod,
			Resource: "subscriptions/" + code, Outcome: auditv1.Outcome_OUTCOME_OK, StatusCode: "OK",
			Detail: fmt.Sprintf("stored %d records, skipped %d held already, position %d", added, skipped, s.Position),
		}.Record())
		return err
	})
}
