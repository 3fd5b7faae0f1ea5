// Command customs-exchange is the exchange node of a member state's customs
// body: one binary serving gRPC (mutual TLS) and the HTTP/JSON gateway.
//
//	customs-exchange [serve] [flags]   serve (the default)
//	customs-exchange certs [flags]     create the development CA and certificates
//	customs-exchange audit-verify      verify the audit hash chain of the store
//
// Run with -h for the flags; every flag also reads an EAEU_* variable.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/eaeu/customs-exchange/internal/app"
	"github.com/eaeu/customs-exchange/internal/audit"
	"github.com/eaeu/customs-exchange/internal/pki"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var cfg app.Config
	fs := flag.NewFlagSet("customs-exchange "+cmd, flag.ContinueOnError)
	cfg.Register(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := cfg.Finish(); err != nil && cmd == "serve" {
		fmt.Fprintln(os.Stderr, "customs-exchange:", err)
		return 2
	}
	log := newLogger(cfg)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, cfg, log)
	case "certs":
		err = certs(cfg)
	case "audit-verify":
		err = auditVerify(ctx, cfg)
	default:
		fmt.Fprintf(os.Stderr, "customs-exchange: unknown command %q (serve, certs, audit-verify)\n", cmd)
		return 2
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "customs-exchange:", err)
		return 1
	}
	return 0
}

func newLogger(cfg app.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, opts))
}

func serve(ctx context.Context, cfg app.Config, log *slog.Logger) error {
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	return a.Run(ctx, func(grpcAddr, httpAddr, metricsAddr string) {
		if a.DevPKI() != nil {
			printDevHelp(a.DevPKI(), grpcAddr, httpAddr, metricsAddr)
		}
		// A line tests and scripts wait for.
		fmt.Fprintf(os.Stdout, "READY grpc=%s http=%s metrics=%s\n", grpcAddr, httpAddr, metricsAddr)
	})
}

func certs(cfg app.Config) error {
	dev, err := pki.EnsureDevPKI(cfg.CertsDir(), cfg.MemberState)
	if err != nil {
		return err
	}
	for _, w := range dev.Warnings {
		fmt.Fprintln(os.Stderr, "warning:", w)
	}
	fmt.Printf("development certificates in %s (%d files created)\n", dev.Dir, len(dev.Created))
	for _, role := range pki.Roles() {
		c := dev.Clients[role]
		fmt.Printf("  %-11s %s  %s\n", role, c.Cert, c.URI)
	}
	return nil
}

func auditVerify(ctx context.Context, cfg app.Config) error {
	st, err := app.OpenStore(ctx, cfg.StoreDSN)
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := audit.Verify(ctx, st)
	if err != nil {
		return err
	}
	if !v.Intact {
		return fmt.Errorf("audit chain BROKEN at record %d: %s (%d records checked)", v.FirstBrokenSequence, v.Problem, v.RecordsChecked)
	}
	fmt.Printf("audit chain intact: %d records checked\n", v.RecordsChecked)
	return nil
}
