package outbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"

	exchangeapi "github.com/eaeu/customs-exchange/internal/api/exchange"
	"github.com/eaeu/customs-exchange/internal/store"
)

// ErrNoEndpoint: the directory has no endpoint for the peer (yet).
var ErrNoEndpoint = errors.New("outbox: the peer has no endpoint in the customs-body directory")

// Peers dials peer nodes and keeps one connection per endpoint.
type Peers struct {
	store store.Store
	creds credentials.TransportCredentials

	mu    sync.Mutex
	conns map[string]*grpc.ClientConn
}

// NewPeers returns a dialer presenting the client certificate in tlsConfig
// and trusting the peer CAs in its RootCAs.
func NewPeers(st store.Store, tlsConfig *tls.Config) *Peers {
	return NewPeersWithCredentials(st, credentials.NewTLS(tlsConfig))
}

// NewPeersWithCredentials returns a dialer using creds (tests dial
// plaintext fakes with it).
func NewPeersWithCredentials(st store.Store, creds credentials.TransportCredentials) *Peers {
	return &Peers{store: st, creds: creds, conns: map[string]*grpc.ClientConn{}}
}

// Conn returns a connection to the node of the customs body code.
func (p *Peers) Conn(ctx context.Context, code string) (*grpc.ClientConn, error) {
	var endpoint string
	err := p.store.View(ctx, func(tx store.Tx) error {
		b, err := exchangeapi.LookupBody(ctx, tx, code)
		if err != nil {
			return err
		}
		endpoint = b.GetEndpoint()
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: customs body %s is not in the directory", ErrNoEndpoint, code)
	}
	if err != nil {
		return nil, err
	}
	if endpoint == "" {
		return nil, fmt.Errorf("%w: %s", ErrNoEndpoint, code)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.conns[endpoint]; ok {
		return c, nil
	}
	c, err := grpc.NewClient(endpoint,
		grpc.WithTransportCredentials(p.creds),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 30 * time.Second, Timeout: 10 * time.Second}),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(16<<20), grpc.MaxCallSendMsgSize(16<<20)),
	)
	if err != nil {
		return nil, fmt.Errorf("outbox: dial %s: %w", endpoint, err)
	}
	p.conns[endpoint] = c
	return c, nil
}

// Close closes every connection.
func (p *Peers) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, c := range p.conns {
		_ = c.Close()
		delete(p.conns, k)
	}
}
