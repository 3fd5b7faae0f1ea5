package outbox

import (
	"context"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	exchangev1 "github.com/eaeu/customs-exchange/gen/eaeu/exchange/v1"
	referencev1 "github.com/eaeu/customs-exchange/gen/eaeu/reference/v1"
	exchangeapi "github.com/eaeu/customs-exchange/internal/api/exchange"
	"github.com/eaeu/customs-exchange/internal/store"
	"github.com/eaeu/customs-exchange/internal/store/sqlite"
)

func TestBackoff(t *testing.T) {
	cases := []struct {
		n    int
		want time.Duration
	}{{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {9, 256 * time.Second}, {10, 5 * time.Minute}, {60, 5 * time.Minute}}
	for _, c := range cases {
		if got := Backoff(c.n, time.Second, 5*time.Minute); got != c.want {
			t.Errorf("Backoff(%d) = %v, want %v", c.n, got, c.want)
		}
	}
	for range 100 {
		if j := jitter(time.Second); j < 800*time.Millisecond || j > 1200*time.Millisecond {
			t.Fatalf("jitter %v outside ±20%%", j)
		}
	}
}

// fakePeer is a peer node's NoticeService that fails as told.
type fakePeer struct {
	exchangev1.UnimplementedNoticeServiceServer
	mu       sync.Mutex
	fail     func(call int) error
	calls    int
	received []string // request ids, in order of acceptance
}

func (f *fakePeer) ReceiveNotice(_ context.Context, req *exchangev1.ReceiveNoticeRequest) (*exchangev1.ReceiveNoticeResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fail != nil {
		if err := f.fail(f.calls); err != nil {
			return nil, err
		}
	}
	if !slices.Contains(f.received, req.GetRequestId()) { // the peer applies a message id once
		f.received = append(f.received, req.GetRequestId())
	}
	return &exchangev1.ReceiveNoticeResponse{Name: req.GetNotice().GetName()}, nil
}

func (f *fakePeer) got() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.received)
}

func serve(t *testing.T, addr string, f *fakePeer) (string, func()) {
	t.Helper()
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	exchangev1.RegisterNoticeServiceServer(s, f)
	go func() { _ = s.Serve(lis) }()
	return lis.Addr().String(), s.Stop
}

const peer = "10000000"

func openStore(t *testing.T, dir, endpoint string) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "outbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	body, _ := protojson.Marshal(&referencev1.CustomsBody{Code: peer, MemberState: "RU", DisplayName: "RU", Endpoint: endpoint})
	now := time.Now()
	_ = st.Update(context.Background(), func(tx store.Tx) error {
		return tx.CreateDocument(context.Background(), store.Document{Kind: "customs_body", Name: "customsBodies/" + peer, Scope: "RU", SortKey: peer,
			Body: body, CreateTime: now, UpdateTime: now})
	})
	return st
}

func enqueue(t *testing.T, st store.Store, ids ...string) {
	t.Helper()
	for _, id := range ids {
		payload, _ := proto.Marshal(&exchangev1.ReceiveNoticeRequest{RequestId: id, Notice: &exchangev1.Notice{Name: "notices/" + id}})
		now := time.Now()
		err := st.Update(context.Background(), func(tx store.Tx) error {
			_, err := tx.EnqueueOutbox(context.Background(), store.OutboxMessage{ID: id, PeerCode: peer, Kind: exchangeapi.KindNotice,
				Subject: "notices/" + id, Payload: payload, NextAttempt: now, CreateTime: now, UpdateTime: now})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func message(t *testing.T, st store.Store, id string) store.OutboxMessage {
	t.Helper()
	var m store.OutboxMessage
	if err := st.View(context.Background(), func(tx store.Tx) error {
		var err error
		m, err = tx.GetOutbox(context.Background(), id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return m
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func opts(maxAttempts int) Options {
	return Options{BaseBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, PollInterval: 20 * time.Millisecond, MaxAttempts: maxAttempts}
}

func start(t *testing.T, st store.Store, o Options) *Dispatcher {
	peers := NewPeersWithCredentials(st, insecure.NewCredentials())
	d := NewDispatcher(st, exchangeapi.NewStoreContent(st, 1<<20), peers, quiet, o)
	d.Start(context.Background())
	t.Cleanup(func() { d.Stop(); peers.Close() })
	return d
}

func TestDispatcherRetriesInOrder(t *testing.T) {
	f := &fakePeer{fail: func(call int) error {
		if call <= 2 {
			return status.Error(codes.Unavailable, "peer restarting")
		}
		return nil
	}}
	addr, stop := serve(t, "127.0.0.1:0", f)
	defer stop()
	st := openStore(t, t.TempDir(), addr)
	enqueue(t, st, "m-1", "m-2", "m-3")
	start(t, st, opts(5))
	waitFor(t, "three deliveries", func() bool { return len(f.got()) == 3 })
	if got := f.got(); !slices.Equal(got, []string{"m-1", "m-2", "m-3"}) {
		t.Fatalf("delivery order %v", got)
	}
	waitFor(t, "recorded", func() bool { return message(t, st, "m-3").State == store.OutboxDelivered })
	if m := message(t, st, "m-1"); m.State != store.OutboxDelivered || m.Attempts != 3 || m.DeliveredTime.IsZero() {
		t.Fatalf("m-1: %+v", m)
	}
}

func TestDispatcherGivesUpAndGoesOn(t *testing.T) {
	f := &fakePeer{fail: func(call int) error {
		if call <= 3 {
			return status.Error(codes.Unavailable, "down")
		}
		return nil
	}}
	addr, stop := serve(t, "127.0.0.1:0", f)
	defer stop()
	st := openStore(t, t.TempDir(), addr)
	enqueue(t, st, "m-1", "m-2")
	start(t, st, opts(3))
	waitFor(t, "m-2 delivered after m-1 was given up", func() bool { return message(t, st, "m-2").State == store.OutboxDelivered })
	m := message(t, st, "m-1")
	if m.State != store.OutboxUndeliverable || m.Attempts != 3 || m.LastError == "" {
		t.Fatalf("m-1: %+v", m)
	}
}

func TestDispatcherPermanentRefusal(t *testing.T) {
	f := &fakePeer{fail: func(int) error { return status.Error(codes.PermissionDenied, "unknown peer") }}
	addr, stop := serve(t, "127.0.0.1:0", f)
	defer stop()
	st := openStore(t, t.TempDir(), addr)
	enqueue(t, st, "m-1")
	start(t, st, opts(10))
	waitFor(t, "given up", func() bool { return message(t, st, "m-1").State == store.OutboxUndeliverable })
	if m := message(t, st, "m-1"); m.Attempts != 1 {
		t.Fatalf("a permanent refusal is not retried: %+v", m)
	}
}

// TestDispatcherSurvivesRestart: the peer is down, the node restarts (a
// new dispatcher on the same store), the peer comes up: the message is
// delivered once, with the attempts of both runs counted.
func TestDispatcherSurvivesRestart(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	_ = lis.Close() // nobody listens: the peer is down
	dir := t.TempDir()
	st := openStore(t, dir, addr)
	enqueue(t, st, "m-1")
	peers := NewPeersWithCredentials(st, insecure.NewCredentials())
	d := NewDispatcher(st, exchangeapi.NewStoreContent(st, 1<<20), peers, quiet, opts(100))
	d.Start(context.Background())
	waitFor(t, "failed attempts", func() bool { return message(t, st, "m-1").Attempts >= 2 })
	d.Stop()
	peers.Close()
	before := message(t, st, "m-1")
	if before.State != store.OutboxPending || before.LastError == "" {
		t.Fatalf("before restart: %+v", before)
	}
	f := &fakePeer{}
	_, stop := serve(t, addr, f)
	defer stop()
	start(t, st, opts(100))
	waitFor(t, "delivered after restart", func() bool { return message(t, st, "m-1").State == store.OutboxDelivered })
	if got := f.got(); !slices.Equal(got, []string{"m-1"}) {
		t.Fatalf("received %v", got)
	}
	if m := message(t, st, "m-1"); m.Attempts <= before.Attempts {
		t.Fatalf("attempts %d after %d", m.Attempts, before.Attempts)
	}
}
