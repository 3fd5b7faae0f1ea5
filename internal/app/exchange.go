package app

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"google.golang.org/grpc"

	exchangev1 "github.com/eaeu/customs-exchange/gen/eaeu/exchange/v1"
	exchangeapi "github.com/eaeu/customs-exchange/internal/api/exchange"
	"github.com/eaeu/customs-exchange/internal/audit"
	"github.com/eaeu/customs-exchange/internal/authn"
	"github.com/eaeu/customs-exchange/internal/outbox"
	"github.com/eaeu/customs-exchange/internal/pki"
)

// ExchangeConfig configures the customs-to-customs exchange.
type ExchangeConfig struct {
	// CustomsCode is this node's customs body in the directory; by default
	// the id of the signing certificate's customs URI, else the
	// development code of the member state.
	CustomsCode string
	// SigningCert and SigningKey sign the documents this node sends and
	// are presented when it calls peer nodes; by default the server
	// certificate (it has the ClientAuth usage and should carry the URI
	// spiffe://eaeu/{STATE}/customs/{code}), with --dev the development
	// customs certificate.
	SigningCert, SigningKey string
	// RetryBase is the first outbox retry delay; it doubles per attempt.
	RetryBase time.Duration
	// MaxAttempts before an outbox message is undeliverable.
	MaxAttempts int
	// PollInterval is how often the outbox and subscriptions are looked at
	// when nothing woke them.
	PollInterval time.Duration
}

func (c *ExchangeConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.CustomsCode, "customs-code", env("EAEU_CUSTOMS_CODE", ""), "8-digit code of this node's customs body in the directory (default: from the signing certificate's customs URI) [EAEU_CUSTOMS_CODE]")
	fs.StringVar(&c.SigningCert, "signing-cert", env("EAEU_SIGNING_CERT", ""), "certificate (PEM) that signs requests to peers and is presented to peer nodes; default --tls-cert [EAEU_SIGNING_CERT]")
	fs.StringVar(&c.SigningKey, "signing-key", env("EAEU_SIGNING_KEY", ""), "private key (PEM) of --signing-cert [EAEU_SIGNING_KEY]")
	retry, _ := time.ParseDuration(env("EAEU_EXCHANGE_RETRY_BASE", "1s"))
	fs.DurationVar(&c.RetryBase, "exchange-retry-base", retry, "first retry delay of a message to a peer; doubles per attempt up to 5m [EAEU_EXCHANGE_RETRY_BASE]")
	attempts, _ := strconv.Atoi(env("EAEU_EXCHANGE_MAX_ATTEMPTS", "10"))
	fs.IntVar(&c.MaxAttempts, "exchange-max-attempts", attempts, "attempts before a message to a peer is undeliverable [EAEU_EXCHANGE_MAX_ATTEMPTS]")
	poll, _ := time.ParseDuration(env("EAEU_EXCHANGE_POLL", "1s"))
	fs.DurationVar(&c.PollInterval, "exchange-poll", poll, "how often the outbox and subscriptions are checked when nothing woke them [EAEU_EXCHANGE_POLL]")
}

var customsCodePattern = regexp.MustCompile(`^[0-9]{8}$`)

func (c *ExchangeConfig) finish() error {
	if c.CustomsCode != "" && !customsCodePattern.MatchString(c.CustomsCode) {
		return fmt.Errorf("--customs-code %q: want 8 digits", c.CustomsCode)
	}
	if (c.SigningCert == "") != (c.SigningKey == "") {
		return fmt.Errorf("--signing-cert and --signing-key go together")
	}
	if c.MaxAttempts < 1 {
		return fmt.Errorf("--exchange-max-attempts must be at least 1")
	}
	return nil
}

// exchangeRuntime is the exchange area of a running node.
type exchangeRuntime struct {
	services   *exchangeapi.Services
	peers      *outbox.Peers
	dispatcher *outbox.Dispatcher
	puller     *outbox.Puller
}

// setupExchange loads the signing identity and builds the handlers, the
// outbox dispatcher and the subscription puller.
func (a *App) setupExchange() error {
	cfg := a.cfg.Exchange
	deps := &exchangeapi.Deps{Store: a.store, NodeState: a.cfg.MemberState, CustomsCode: cfg.CustomsCode, Bundle: a.bundle,
		Recorder: audit.NewRecorder(a.store, a.log)}
	rt := &exchangeRuntime{}
	// Attachment content: files under the data directory with the
	// embedded store (one instance by construction), chunks in the
	// database with PostgreSQL (several instances share it).
	deps.Content = exchangeapi.NewStoreContent(a.store, 1<<20)
	if a.store.Backend() == "sqlite" {
		c, err := exchangeapi.NewFileContent(filepath.Join(a.cfg.DataDir, "attachments"), 1<<20)
		if err != nil {
			return err
		}
		deps.Content = c
	}
	var signing *pki.Reloader // the pair that signs requests and is presented to peers
	if !a.cfg.InsecurePlain {
		certFile, keyFile := cfg.SigningCert, cfg.SigningKey
		if certFile == "" && a.dev != nil {
			f := a.dev.Clients[pki.RoleCustoms]
			certFile, keyFile = f.Cert, f.Key
		}
		signing = a.certs
		if certFile != "" {
			r, err := pki.NewReloader(certFile, keyFile, func(err error) { a.log.Error("signing certificate", "err", err) })
			if err != nil {
				return fmt.Errorf("signing certificate: %w", err)
			}
			signing = r
		}
		pair := signing.Current()
		leaf, err := x509.ParseCertificate(pair.Certificate[0])
		if err != nil {
			return fmt.Errorf("signing certificate: %w", err)
		}
		if _, ok := pair.PrivateKey.(crypto.Signer); !ok {
			return fmt.Errorf("signing key: %T cannot sign", pair.PrivateKey)
		}
		deps.Signing = signing.Current
		if deps.CustomsCode == "" && len(leaf.URIs) == 1 {
			if s, err := authn.ParseSubject(leaf.URIs[0].String()); err == nil && s.Kind == authn.KindCustoms && s.MemberState == a.cfg.MemberState {
				deps.CustomsCode = s.ID
			}
		}
	}
	if deps.CustomsCode == "" {
		deps.CustomsCode, _ = pki.DevCustomsCode(a.cfg.MemberState)
	}
	if signing != nil {
		// New connections to peers present the pair as renewed on disk.
		tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: a.bundle.Pool(),
			GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return signing.Current(), nil }}
		opt := outbox.Options{BaseBackoff: cfg.RetryBase, MaxAttempts: cfg.MaxAttempts, PollInterval: cfg.PollInterval}
		rt.peers = outbox.NewPeers(a.store, tlsCfg)
		rt.dispatcher = outbox.NewDispatcher(a.store, deps.Content, rt.peers, a.log, opt)
		rt.puller = outbox.NewPuller(a.store, rt.peers, a.log, opt)
		deps.OutboxWritten, deps.Subscribed = rt.dispatcher.Notify, rt.puller.Notify
	} else {
		a.log.Warn("no TLS: messages to peer nodes are queued but not delivered, subscriptions are not pulled")
	}
	rt.services = exchangeapi.New(deps)
	a.exch = rt
	a.log.Info("customs-to-customs exchange", "customs_code", deps.CustomsCode)
	return nil
}

// registerExchange registers the services of eaeu.exchange.v1 on s.
func (a *App) registerExchange(s grpc.ServiceRegistrar) {
	exchangev1.RegisterCopyRequestServiceServer(s, a.exch.services.CopyRequests)
	exchangev1.RegisterRegularExchangeServiceServer(s, a.exch.services.Regular)
	exchangev1.RegisterNoticeServiceServer(s, a.exch.services.Notices)
	exchangev1.RegisterDeliveryServiceServer(s, a.exch.services.Delivery)
}

// startExchange starts delivering the outbox and pulling subscriptions;
// stop ends both, waiting for deliveries in flight to record their
// outcome, and must run before the store is closed.
func (a *App) startExchange(ctx context.Context) (stop func()) {
	rt := a.exch
	if rt.dispatcher == nil {
		return func() {}
	}
	ctx = context.WithoutCancel(ctx)
	rt.dispatcher.Start(ctx)
	rt.puller.Start(ctx)
	return func() {
		rt.puller.Stop()
		rt.dispatcher.Stop()
		rt.peers.Close()
	}
}
