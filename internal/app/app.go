package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/eaeu/customs-exchange/internal/api/ecommerce"
	"github.com/eaeu/customs-exchange/internal/api/middleware"
	"github.com/eaeu/customs-exchange/internal/api/reference"
	"github.com/eaeu/customs-exchange/internal/audit"
	"github.com/eaeu/customs-exchange/internal/authn"
	"github.com/eaeu/customs-exchange/internal/authz"
	"github.com/eaeu/customs-exchange/internal/pki"
	"github.com/eaeu/customs-exchange/internal/rules/currency"
	ecrules "github.com/eaeu/customs-exchange/internal/rules/ecommerce"
	"github.com/eaeu/customs-exchange/internal/store"
)

// App is a configured, not yet serving, instance of the service.
type App struct {
	cfg    Config
	log    *slog.Logger
	store  store.Store
	bundle *authn.TrustBundle
	certs  *pki.Reloader // the server certificate, as renewed on disk
	dev    *pki.DevPKI

	external *grpc.Server // callers, over mTLS (or plaintext in development)
	internal *grpc.Server // the in-process gateway only
	gwListen *bufconn.Listener
	health   []*health.Server
	metrics  *prometheus.Registry
	exch     *exchangeRuntime
}

// New opens the store, loads certificates and builds the servers. It fails
// when any served RPC lacks an access declaration.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	a := &App{cfg: cfg, log: log, metrics: prometheus.NewRegistry()}
	if err := a.loadTLS(); err != nil {
		return nil, err
	}
	st, err := OpenStore(ctx, cfg.StoreDSN)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	a.store = st
	if err := a.build(); err != nil {
		_ = st.Close()
		return nil, err
	}
	return a, nil
}

// Store is the opened store (tests and commands use it).
func (a *App) Store() store.Store { return a.store }

// DevPKI is the development PKI when running with --dev.
func (a *App) DevPKI() *pki.DevPKI { return a.dev }

func (a *App) loadTLS() error {
	if a.cfg.InsecurePlain {
		a.log.Warn("serving WITHOUT TLS (--insecure-plaintext): development only; identities come from a client header")
		return nil
	}
	certFile, keyFile := a.cfg.TLSCert, a.cfg.TLSKey
	trust := []authn.TrustEntry(a.cfg.Trust)
	if a.cfg.Dev {
		dev, err := pki.EnsureDevPKI(a.cfg.CertsDir(), a.cfg.MemberState)
		if err != nil {
			return fmt.Errorf("development certificates: %w", err)
		}
		a.dev = dev
		if certFile == "" {
			certFile, keyFile = dev.ServerCert, dev.ServerKey
		}
		ca, err := dev.CA()
		if err != nil {
			return err
		}
		trust = append(trust, authn.TrustEntry{States: []string{authn.AnyState}, CACerts: []*x509.Certificate{ca.Cert()}})
	}
	// A renewed certificate written over these files is served to new
	// connections without a restart.
	reloader, err := pki.NewReloader(certFile, keyFile, func(err error) { a.log.Error("server certificate", "err", err) })
	if err != nil {
		return fmt.Errorf("server certificate: %w", err)
	}
	a.certs = reloader
	if a.bundle, err = authn.NewTrustBundle(trust); err != nil {
		return fmt.Errorf("trust: %w", err)
	}
	return nil
}

// serverTLS asks for a client certificate without requiring or verifying
// it during the handshake: public RPCs must answer callers without one, and
// an untrusted certificate must reach the RPC layer to be refused with
// UNAUTHENTICATED and audited. internal/authn verifies every chain.
func (a *App) serverTLS() *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: a.certs.GetCertificate,
		ClientAuth:     tls.RequestClientCert,
		NextProtos:     []string{"h2", "http/1.1"},
	}
}

func (a *App) build() error {
	national, _ := currency.National(a.cfg.MemberState)
	deps := reference.Deps{Store: a.store, NodeState: a.cfg.MemberState, NationalCurrency: national}
	minor, _ := currency.MinorUnits(national)
	decl := ecommerce.Deps{Deps: deps, MinorUnits: int32(minor), RegisterOnFiling: a.cfg.RegisterOnFiling,
		Restrictions: ecrules.Restrictions{Prohibited: a.cfg.ProhibitedHS, NeedsPermit: a.cfg.PermitHS}}
	if _, _, err := decl.PenaltyDailyRate.SetString(a.cfg.PenaltyDailyRate); err != nil {
		return fmt.Errorf("penalty daily rate: %w", err)
	}
	if _, _, err := decl.ReleaseFee.SetString(a.cfg.ReleaseFee); err != nil {
		return fmt.Errorf("release fee: %w", err)
	}
	validator, err := middleware.NewValidator()
	if err != nil {
		return err
	}
	rec := audit.NewRecorder(a.store, a.log)
	if err := a.setupExchange(); err != nil {
		return err
	}

	srvMetrics := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram())
	a.metrics.MustRegister(srvMetrics, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	registerStoreMetrics(a.metrics, a.store)

	newServer := func(authenticator middleware.Authenticator, creds credentials.TransportCredentials) (*grpc.Server, *middleware.Guard) {
		guard := &middleware.Guard{Authn: authenticator, Validator: validator, Recorder: rec}
		recover := recovery.WithRecoveryHandlerContext(func(ctx context.Context, p any) error {
			a.log.ErrorContext(ctx, "panic in handler", "panic", fmt.Sprint(p), "trace_id", middleware.TraceID(ctx))
			return status.Error(codes.Internal, "internal error")
		})
		s := grpc.NewServer(
			grpc.Creds(creds),
			grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
			grpc.MaxRecvMsgSize(8<<20),
			grpc.ChainUnaryInterceptor(
				recovery.UnaryServerInterceptor(recover),
				middleware.RequestIDUnary(),
				middleware.LoggingUnary(a.log),
				srvMetrics.UnaryServerInterceptor(),
				guard.Unary(),
			),
			grpc.ChainStreamInterceptor(
				recovery.StreamServerInterceptor(recover),
				middleware.RequestIDStream(),
				middleware.LoggingStream(a.log),
				srvMetrics.StreamServerInterceptor(),
				guard.Stream(),
			),
		)
		registerServices(s, deps, decl, a.cfg.Operators)
		a.registerExchange(s)
		hs := health.NewServer()
		hs.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
		healthpb.RegisterHealthServer(s, hs)
		reflection.Register(s)
		a.health = append(a.health, hs)
		return s, guard
	}

	var extAuthn middleware.Authenticator = middleware.TLSAuthenticator{Bundle: a.bundle, NodeState: a.cfg.MemberState}
	extCreds := insecure.NewCredentials()
	if a.cfg.InsecurePlain {
		extAuthn = middleware.ForwardedAuthenticator{NodeState: a.cfg.MemberState}
	} else {
		extCreds = credentials.NewTLS(a.serverTLS())
	}
	var extGuard, intGuard *middleware.Guard
	a.external, extGuard = newServer(extAuthn, extCreds)
	a.internal, intGuard = newServer(middleware.ForwardedAuthenticator{NodeState: a.cfg.MemberState}, insecure.NewCredentials())

	// Fail closed: every served RPC must declare who may call it.
	table, err := authz.Build(a.external.GetServiceInfo())
	if err != nil {
		return err
	}
	extGuard.Table, intGuard.Table = table, table
	srvMetrics.InitializeMetrics(a.external)
	return nil
}

// Run seeds the reference data, serves until ctx ends, then shuts down in
// order: health NOT_SERVING, stop accepting, let in-flight calls finish
// (up to the shutdown timeout), close the store last.
func (a *App) Run(ctx context.Context, ready func(grpcAddr, httpAddr, metricsAddr string)) error {
	defer func() {
		if err := a.store.Close(); err != nil {
			a.log.Error("closing the store", "error", err)
		}
	}()
	if err := reference.EnsureCalendars(ctx, a.store, time.Now); err != nil {
		return fmt.Errorf("seed calendars: %w", err)
	}
	if err := reference.EnsureDefaultSchedule(ctx, a.store, time.Now); err != nil {
		return fmt.Errorf("seed duty schedule: %w", err)
	}
	stopSweep, err := a.startDueSweep(ctx) // stopped before the store is closed (defers run in reverse)
	if err != nil {
		return err
	}
	defer stopSweep()
	defer a.startExchange(ctx)() // stops the dispatcher and puller before the store is closed

	grpcLis, err := net.Listen("tcp", a.cfg.GRPCAddr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", a.cfg.GRPCAddr, err)
	}
	errc := make(chan error, 4)
	go func() { errc <- a.external.Serve(grpcLis) }()

	a.gwListen = bufconn.Listen(4 << 20)
	go func() { errc <- a.internal.Serve(a.gwListen) }()

	var servers []*http.Server
	httpAddr := ""
	if a.cfg.HTTPAddr != "" {
		conn, err := grpc.NewClient("passthrough:///in-process",
			grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return a.gwListen.DialContext(ctx) }),
			grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return err
		}
		defer conn.Close()
		gw, err := newGateway(ctx, conn, a.bundle, a.cfg.InsecurePlain)
		if err != nil {
			return fmt.Errorf("gateway: %w", err)
		}
		lis, err := net.Listen("tcp", a.cfg.HTTPAddr)
		if err != nil {
			return fmt.Errorf("listen %s: %w", a.cfg.HTTPAddr, err)
		}
		httpAddr = lis.Addr().String()
		hs := &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second}
		if !a.cfg.InsecurePlain {
			hs.TLSConfig = a.serverTLS()
			lis = tls.NewListener(lis, hs.TLSConfig)
		}
		servers = append(servers, hs)
		go func() { errc <- hs.Serve(lis) }()
	}
	metricsAddr := ""
	if a.cfg.MetricsAddr != "" {
		lis, err := net.Listen("tcp", a.cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("listen %s: %w", a.cfg.MetricsAddr, err)
		}
		metricsAddr = lis.Addr().String()
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(a.metrics, promhttp.HandlerOpts{}))
		ms := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, ms)
		go func() { errc <- ms.Serve(lis) }()
	}

	if err := a.store.Ping(ctx); err != nil {
		return fmt.Errorf("store not ready: %w", err)
	}
	for _, h := range a.health {
		h.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	}
	a.log.Info("serving", "member_state", a.cfg.MemberState, "grpc", grpcLis.Addr().String(), "http", httpAddr,
		"metrics", metricsAddr, "store", a.store.Backend())
	if ready != nil {
		ready(grpcLis.Addr().String(), httpAddr, metricsAddr)
	}

	var runErr error
	select {
	case <-ctx.Done():
		a.log.Info("shutting down")
	case runErr = <-errc:
		if errors.Is(runErr, http.ErrServerClosed) || errors.Is(runErr, grpc.ErrServerStopped) {
			runErr = nil
		}
		a.log.Error("a listener stopped", "error", runErr)
	}
	for _, h := range a.health {
		h.Shutdown()
	}
	deadline, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	for _, s := range servers {
		_ = s.Shutdown(deadline)
	}
	for _, s := range []*grpc.Server{a.external, a.internal} {
		done := make(chan struct{})
		go func() { s.GracefulStop(); close(done) }()
		select {
		case <-done:
		case <-deadline.Done():
			s.Stop()
		}
	}
	a.log.Info("stopped")
	return runErr
}
