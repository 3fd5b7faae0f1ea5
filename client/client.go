// Package client is the Go SDK of the customs exchange service. Dial opens
// one mutual-TLS connection with the caller's certificate and returns typed
// clients for every service. Calls that fail with UNAVAILABLE are retried
// with backoff; that is safe for writes too, because every mutating request
// carries a request_id (filled in here when left empty) and the service
// answers a repeated request_id with the first response.
//
// The package imports only gen/ and gRPC, never the server's internals.
package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	auditv1 "github.com/eaeu/customs-exchange/gen/eaeu/audit/v1"
	authv1 "github.com/eaeu/customs-exchange/gen/eaeu/auth/v1"
	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	operatorsv1 "github.com/eaeu/customs-exchange/gen/eaeu/operators/v1"
	referencev1 "github.com/eaeu/customs-exchange/gen/eaeu/reference/v1"
)

// Client holds one connection and a typed client per service.
type Client struct {
	conn *grpc.ClientConn

	Identity      authv1.IdentityServiceClient
	Audit         auditv1.AuditServiceClient
	CustomsBodies referencev1.CustomsBodyServiceClient
	Calendars     referencev1.CalendarServiceClient
	ExchangeRates referencev1.ExchangeRateServiceClient
	DutySchedules referencev1.DutyScheduleServiceClient
	Declarations  ecommercev1.DeclarationServiceClient
	Warehouse     ecommercev1.WarehouseServiceClient
	Register      operatorsv1.RegisterServiceClient
	Accounting    operatorsv1.AccountingServiceClient
	Exchange      Exchange
}

type options struct {
	caFile, certFile, keyFile string
	tlsConfig                 *tls.Config
	plaintextSubject          *string
	maxAttempts               int
	dialOptions               []grpc.DialOption
}

// Option configures Dial.
type Option func(*options)

// WithCertificates authenticates with a client certificate and trusts the
// server certificates issued by the CA in caFile. certFile and keyFile may
// be empty for a public caller.
func WithCertificates(caFile, certFile, keyFile string) Option {
	return func(o *options) { o.caFile, o.certFile, o.keyFile = caFile, certFile, keyFile }
}

// WithTLSConfig uses a ready TLS configuration instead of files.
func WithTLSConfig(c *tls.Config) Option { return func(o *options) { o.tlsConfig = c } }

// WithDevPlaintext talks to a server started with --insecure-plaintext,
// presenting subject (a spiffe://eaeu/... URI, or "" for public). Never in
// production.
func WithDevPlaintext(subject string) Option {
	return func(o *options) { o.plaintextSubject = &subject }
}

// WithMaxAttempts sets how many times a call is tried on UNAVAILABLE
// (default 4; 1 disables retries).
func WithMaxAttempts(n int) Option { return func(o *options) { o.maxAttempts = n } }

// WithDialOptions adds raw gRPC dial options.
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(o *options) { o.dialOptions = append(o.dialOptions, opts...) }
}

// Dial connects to addr (host:port). The connection is lazy: the first
// call establishes it.
func Dial(addr string, opts ...Option) (*Client, error) {
	o := options{maxAttempts: 4}
	for _, f := range opts {
		f(&o)
	}
	var creds credentials.TransportCredentials
	switch {
	case o.plaintextSubject != nil:
		creds = insecure.NewCredentials()
	case o.tlsConfig != nil:
		creds = credentials.NewTLS(o.tlsConfig)
	default:
		cfg, err := tlsFromFiles(o.caFile, o.certFile, o.keyFile)
		if err != nil {
			return nil, err
		}
		creds = credentials.NewTLS(cfg)
	}
	dial := []grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		grpc.WithDefaultServiceConfig(retryServiceConfig(o.maxAttempts)),
		grpc.WithChainUnaryInterceptor(fillRequestID),
	}
	if o.plaintextSubject != nil && *o.plaintextSubject != "" {
		dial = append(dial, grpc.WithPerRPCCredentials(devSubject(*o.plaintextSubject)))
	}
	dial = append(dial, o.dialOptions...)
	conn, err := grpc.NewClient(addr, dial...)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	return New(conn), nil
}

// New wraps an existing connection.
func New(conn *grpc.ClientConn) *Client {
	return &Client{
		conn:          conn,
		Identity:      authv1.NewIdentityServiceClient(conn),
		Audit:         auditv1.NewAuditServiceClient(conn),
		CustomsBodies: referencev1.NewCustomsBodyServiceClient(conn),
		Calendars:     referencev1.NewCalendarServiceClient(conn),
		ExchangeRates: referencev1.NewExchangeRateServiceClient(conn),
		DutySchedules: referencev1.NewDutyScheduleServiceClient(conn),
		Declarations:  ecommercev1.NewDeclarationServiceClient(conn),
		Warehouse:     ecommercev1.NewWarehouseServiceClient(conn),
		Register:      operatorsv1.NewRegisterServiceClient(conn),
		Accounting:    operatorsv1.NewAccountingServiceClient(conn),
		Exchange:      newExchange(conn),
	}
}

// Conn is the underlying connection.
func (c *Client) Conn() *grpc.ClientConn { return c.conn }

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

func tlsFromFiles(caFile, certFile, keyFile string) (*tls.Config, error) {
	if caFile == "" {
		return nil, errors.New("client: WithCertificates needs the CA file that issued the server certificate")
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("client: no certificate in %s", caFile)
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots}
	if certFile != "" {
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("client: %w", err)
		}
		// Always present the certificate: the server asks for one without
		// naming acceptable CAs.
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }
	}
	return cfg, nil
}

func retryServiceConfig(attempts int) string {
	if attempts < 2 {
		return `{}`
	}
	if attempts > 5 {
		attempts = 5 // gRPC's own ceiling
	}
	return fmt.Sprintf(`{"methodConfig":[{"name":[{}],"retryPolicy":{
		"maxAttempts":%d,"initialBackoff":"0.1s","maxBackoff":"2s","backoffMultiplier":2,
		"retryableStatusCodes":["UNAVAILABLE"]}}]}`, attempts)
}

// fillRequestID gives a mutating request without a request_id a fresh one
// before the first attempt, so that every retry carries the same id. The
// request message is changed in place: read the id back from it.
func fillRequestID(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if m, ok := req.(proto.Message); ok {
		r := m.ProtoReflect()
		if fd := r.Descriptor().Fields().ByName("request_id"); fd != nil && fd.Kind() == protoreflect.StringKind && r.Get(fd).String() == "" {
			r.Set(fd, protoreflect.ValueOfString(uuid.NewString()))
		}
	}
	return invoker(ctx, method, req, reply, cc, opts...)
}

// devSubject presents a subject to a server started with
// --insecure-plaintext, on every call, unary and streaming alike.
type devSubject string

func (s devSubject) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"x-eaeu-forwarded-subject": string(s)}, nil
}

// RequireTransportSecurity is false: this is the plaintext mode.
func (devSubject) RequireTransportSecurity() bool { return false }
