package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/eaeu/customs-exchange/client"
	referencev1 "github.com/eaeu/customs-exchange/gen/eaeu/reference/v1"
	"github.com/eaeu/customs-exchange/internal/app"
	"github.com/eaeu/customs-exchange/internal/benchkit"
	"github.com/eaeu/customs-exchange/internal/pki"
)

// benchNode starts the service in this process (development PKI, embedded
// store, logs discarded after formatting) and returns its gRPC address and
// the dev PKI.
func benchNode(b *testing.B) (string, *pki.DevPKI) {
	n := startBenchApp(b, b.TempDir())
	return n.addr, n.dev
}

// benchApp is an in-process node of a benchmark.
type benchApp struct {
	addr string
	dev  *pki.DevPKI
	app  *app.App
	stop func() // idempotent; also run at the benchmark's cleanup
}

// startBenchApp starts a node in this process on dataDir, configured
// through the flags (so every setting keeps its documented default) plus
// extra flags, and waits until it serves.
func startBenchApp(b *testing.B, dataDir string, extra ...string) *benchApp {
	b.Helper()
	var cfg app.Config
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	cfg.Register(fs)
	args := append([]string{"--dev", "--member-state=KZ", "--data-dir=" + dataDir, "--grpc-addr=127.0.0.1:0",
		"--http-addr=", "--metrics-addr=", "--shutdown-timeout=5s", "--log-level=info"}, extra...)
	if err := fs.Parse(args); err != nil {
		b.Fatal(err)
	}
	if err := cfg.Finish(); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		cancel()
		b.Fatal(err)
	}
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, func(g, _, _ string) { addr <- g }) }()
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-done }) }
	b.Cleanup(stop)
	select {
	case g := <-addr:
		return &benchApp{addr: g, dev: a.DevPKI(), app: a, stop: stop}
	case err := <-done:
		once.Do(cancel)
		b.Fatal(err)
	}
	return nil
}

// echoNode is the baseline: a gRPC server on the same mTLS certificates
// with no interceptors, store or audit, answering health checks.
func echoNode(b *testing.B, dev *pki.DevPKI) string {
	s, lis := bareServer(b, dev)
	go func() { _ = s.Serve(lis) }()
	b.Cleanup(s.Stop)
	return lis.Addr().String()
}

// echoCaller starts the echo baseline and returns one call of it: a
// health check over its own mTLS connection.
func echoCaller(b *testing.B, dev *pki.DevPKI) func(context.Context) error {
	echo := healthpb.NewHealthClient(dialAs(b, dev, echoNode(b, dev), pki.RoleCustoms).Conn())
	return func(ctx context.Context) error {
		_, err := echo.Check(ctx, &healthpb.HealthCheckRequest{})
		return err
	}
}

// bareServer is a gRPC server on the node's mTLS certificates with no
// interceptors, answering health checks, and its listener.
func bareServer(b *testing.B, dev *pki.DevPKI) (*grpc.Server, net.Listener) {
	cert, err := tls.LoadX509KeyPair(dev.ServerCert, dev.ServerKey)
	if err != nil {
		b.Fatal(err)
	}
	ca, _ := os.ReadFile(dev.CAFile)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	s := grpc.NewServer(grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{cert},
		ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool})))
	healthpb.RegisterHealthServer(s, health.NewServer())
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	return s, lis
}

func dialAs(b *testing.B, dev *pki.DevPKI, addr, role string) *client.Client {
	c, err := client.Dial(addr, client.WithCertificates(dev.CAFile, dev.Clients[role].Cert, dev.Clients[role].Key))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	return c
}

const (
	benchWorkers  = 32
	benchDuration = 3 * time.Second
)

// BenchmarkReferenceReadVsEcho reports the rate of a reference-data read
// (GetDutySchedule) through the full stack — mTLS, certificate identity,
// role table, validation, logging, metrics, the SQLite store — as a ratio
// to a trivial mTLS gRPC echo measured in the same run. Run it with
// -benchtime=1x: each run measures for a fixed time.
func BenchmarkReferenceReadVsEcho(b *testing.B) {
	ctx := context.Background()
	addr, dev := benchNode(b)
	echoCall := echoCaller(b, dev)
	full := dialAs(b, dev, addr, pki.RoleCustoms).DutySchedules
	readCall := func(ctx context.Context) error {
		_, err := full.GetDutySchedule(ctx, &referencev1.GetDutyScheduleRequest{Name: "dutySchedules/eec-2020"})
		return err
	}
	// Warm both connections up.
	benchkit.Run(ctx, 4, 300*time.Millisecond, echoCall)
	benchkit.Run(ctx, 4, 300*time.Millisecond, readCall)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e := benchkit.Run(ctx, benchWorkers, benchDuration, echoCall)
		r := benchkit.Run(ctx, benchWorkers, benchDuration, readCall)
		if e.Errors+r.Errors > 0 {
			b.Fatalf("errors: echo %d, read %d", e.Errors, r.Errors)
		}
		b.ReportMetric(e.Rate(), "echo_calls/s")
		b.ReportMetric(r.Rate(), "read_calls/s")
		b.ReportMetric(r.Rate()/e.Rate(), "read/echo")
		b.ReportMetric(float64(e.P99.Microseconds()), "echo_p99_µs")
		b.ReportMetric(float64(r.P99.Microseconds()), "read_p99_µs")
	}
}
