package main

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eaeu/customs-exchange/client"
	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	operatorsv1 "github.com/eaeu/customs-exchange/gen/eaeu/operators/v1"
	referencev1 "github.com/eaeu/customs-exchange/gen/eaeu/reference/v1"
	"github.com/eaeu/customs-exchange/internal/benchkit"
	"github.com/eaeu/customs-exchange/internal/pki"
	"github.com/eaeu/customs-exchange/internal/store/postgres"
	"github.com/eaeu/customs-exchange/internal/store/sqlstore"
)

// declNode is an in-process node for the declaration benchmarks, with the
// declaration settings and a data directory of the caller's choosing (so
// that a pre-loaded store can be served).
type declNode = benchApp

func startDeclNode(b *testing.B, dataDir string, registerOnFiling bool) *declNode {
	return startBenchApp(b, dataDir, "--store", filepath.Join(dataDir, "exchange.db"),
		fmt.Sprint("--register-on-filing=", registerOnFiling))
}

// operator on the register of e-commerce operators.
func seedDeclarationBench(b *testing.B, n *declNode) {
	b.Helper()
	ctx := context.Background()
	customs := dialAs(b, n.dev, n.addr, pki.RoleCustoms)
	if _, err := customs.CustomsBodies.CreateCustomsBody(ctx, &referencev1.CreateCustomsBodyRequest{CustomsBody: &referencev1.CustomsBody{
		Code: "55201000", MemberState: "KZ", DisplayName: "Almaty customs post"}}); err != nil {
		b.Fatal(err)
	}
	if _, err := customs.ExchangeRates.CreateExchangeRates(ctx, &referencev1.CreateExchangeRatesRequest{ExchangeRates: []*referencev1.ExchangeRate{
		{CurrencyCode: "EUR", EffectiveDate: "2020-01-01", Rate: "500"},
		{CurrencyCode: "USD", EffectiveDate: "2020-01-01", Rate: "450"},
	}}); err != nil {
		b.Fatal(err)
	}
	sub, err := dialAs(b, n.dev, n.addr, pki.RoleOperator).Register.SubmitApplication(ctx,
		&operatorsv1.SubmitApplicationRequest{Application: application(inYears(3))})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := customs.Register.DecideApplication(ctx, &operatorsv1.DecideApplicationRequest{
		Name: sub.GetApplication().GetName(), Include: true}); err != nil {
		b.Fatal(err)
	}
}

// filingCall files (and, the node registering at filing, registers) a
// 3-item declaration with a request id never used before.
func filingCall(op *client.Client) func(context.Context) error {
	var seq atomic.Int64
	var salt [4]byte
	_, _ = crand.Read(salt[:])
	prefix := "bench-" + hex.EncodeToString(salt[:]) + "-"
	return func(ctx context.Context) error {
		resp, err := op.Declarations.FileDeclaration(ctx, &ecommercev1.FileDeclarationRequest{
			RequestId:   fmt.Sprint(prefix, seq.Add(1)),
			Declaration: operatorDeclaration(),
		})
		if err != nil {
			return err
		}
		if resp.GetDeclaration().GetStatus() != ecommercev1.DeclarationStatus_DECLARATION_STATUS_REGISTERED {
			return fmt.Errorf("filed but not registered: %v", resp.GetDeclaration().GetStatus())
		}
		return nil
	}
}

const filingDuration = 5 * time.Second

// wireNode serves FileDeclaration with a fixed response (and health
// checks) on the echo's mTLS certificates, with no interceptors, store or
// work: the cost of a filing's request and response messages alone.
func wireNode(b *testing.B, dev *pki.DevPKI, resp *ecommercev1.FileDeclarationResponse) string {
	s, lis := bareServer(b, dev)
	ecommercev1.RegisterDeclarationServiceServer(s, cannedFiling{resp: resp})
	go func() { _ = s.Serve(lis) }()
	b.Cleanup(s.Stop)
	return lis.Addr().String()
}

type cannedFiling struct {
	ecommercev1.UnimplementedDeclarationServiceServer
	resp *ecommercev1.FileDeclarationResponse
}

func (c cannedFiling) FileDeclaration(context.Context, *ecommercev1.FileDeclarationRequest) (*ecommercev1.FileDeclarationResponse, error) {
	return c.resp, nil
}

// BenchmarkFilingVsEcho reports the rate of filing a 3-item declaration
// that the node registers in the same call (number, duty, obligation) —
// mTLS, identity, role table, validation, idempotency record, audit record,
// one SQLite transaction committed with synchronous=FULL — as a ratio to a
// trivial mTLS gRPC echo measured in the same run (closed loop, 32
// callers). Beside them it measures the wire floor: the same request and
// response messages over the same mTLS stack answered with no work at all
// (wireNode). Then it compares the p99 latency of filing and of the echo
// at the same paced rate: half the measured filing rate. Run it with
// -benchtime=1x: each run measures for a fixed time.
func BenchmarkFilingVsEcho(b *testing.B) {
	ctx := context.Background()
	n := startDeclNode(b, b.TempDir(), true)
	seedDeclarationBench(b, n)
	echoCall := echoCaller(b, n.dev)
	op := dialAs(b, n.dev, n.addr, pki.RoleOperator)
	fileCall := filingCall(op)
	filed, err := op.Declarations.FileDeclaration(ctx, &ecommercev1.FileDeclarationRequest{
		RequestId: "bench-wire-template", Declaration: operatorDeclaration()})
	if err != nil {
		b.Fatal(err)
	}
	wireCall := filingCall(dialAs(b, n.dev, wireNode(b, n.dev, filed), pki.RoleOperator))
	// Warm the connections up.
	benchkit.Run(ctx, 4, 300*time.Millisecond, echoCall)
	benchkit.Run(ctx, 4, 300*time.Millisecond, wireCall)
	benchkit.Run(ctx, 4, 300*time.Millisecond, fileCall)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e := benchkit.Run(ctx, benchWorkers, filingDuration, echoCall)
		w := benchkit.Run(ctx, benchWorkers, filingDuration, wireCall)
		before := writerStats(b, n)
		f := benchkit.Run(ctx, benchWorkers, filingDuration, fileCall)
		writer := writerStats(b, n)
		if e.Errors+w.Errors+f.Errors > 0 {
			b.Fatalf("errors: echo %d, wire %d, filing %d", e.Errors, w.Errors, f.Errors)
		}
		half := f.Rate() / 2
		pf := benchkit.Paced(ctx, half, filingDuration, fileCall)
		pe := benchkit.Paced(ctx, half, filingDuration, echoCall)
		if pe.Errors+pf.Errors > 0 {
			b.Fatalf("errors at half load: echo %d, filing %d", pe.Errors, pf.Errors)
		}
		reportFiling(b, e, f)
		b.ReportMetric(w.Rate()/e.Rate(), "wire/echo")
		// The single writer's busy time per filing bounds the filing rate
		// whatever the rest costs: writer_bound/echo is that bound.
		calls := float64(writer.Calls - before.Calls)
		run, commit := (writer.Running-before.Running).Seconds()/calls, (writer.Committing-before.Committing).Seconds()/calls
		b.ReportMetric(run*1e6, "writer_run_µs/filing")
		b.ReportMetric(commit*1e6, "writer_commit_µs/filing")
		b.ReportMetric(1/(run+commit)/e.Rate(), "writer_bound/echo")
		b.ReportMetric(half, "half_load_calls/s")
		b.ReportMetric(durMS(pf.P50), "filing_p50_ms")
		b.ReportMetric(durMS(pf.P99), "filing_p99_ms")
		b.ReportMetric(durMS(pe.P99), "echo_p99_ms")
		b.ReportMetric(durMS(pf.P99)/durMS(pe.P99), "p99_ratio")
	}
}

// BenchmarkFilingOnPostgres is the closed-loop part of
// BenchmarkFilingVsEcho on a node whose store is PostgreSQL (a schema of
// its own in EAEU_TEST_POSTGRES_DSN; skipped without it): the server and
// PostgreSQL share the machine's cores. Run it with -benchtime=1x.
func BenchmarkFilingOnPostgres(b *testing.B) {
	base := os.Getenv(postgres.TestDSNEnv)
	if base == "" {
		b.Skip(postgres.TestDSNEnv + " not set: filing on PostgreSQL not measured")
	}
	ctx := context.Background()
	n := startBenchApp(b, b.TempDir(), "--store", pgSchema(b, base), "--register-on-filing=true")
	seedDeclarationBench(b, n)
	echoCall := echoCaller(b, n.dev)
	fileCall := filingCall(dialAs(b, n.dev, n.addr, pki.RoleOperator))
	benchkit.Run(ctx, 4, 300*time.Millisecond, echoCall)
	benchkit.Run(ctx, 4, 300*time.Millisecond, fileCall)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e := benchkit.Run(ctx, benchWorkers, filingDuration, echoCall)
		f := benchkit.Run(ctx, benchWorkers, filingDuration, fileCall)
		if e.Errors+f.Errors > 0 {
			b.Fatalf("errors: echo %d, filing %d", e.Errors, f.Errors)
		}
		reportFiling(b, e, f)
	}
}

// reportFiling reports the closed-loop rates of the echo (e) and of
// filing (f), their ratio and filing's p99.
func reportFiling(b *testing.B, e, f benchkit.Result) {
	b.ReportMetric(e.Rate(), "echo_calls/s")
	b.ReportMetric(f.Rate(), "filing_calls/s")
	b.ReportMetric(f.Rate()/e.Rate(), "filing/echo")
	b.ReportMetric(durMS(f.P99), "saturated_filing_p99_ms")
}

// writerStats reads what the node's single writer did so far.
func writerStats(b *testing.B, n *declNode) sqlstore.WriterStats {
	w, ok := n.app.Store().(interface {
		WriterStats() (sqlstore.WriterStats, bool)
	})
	if !ok {
		b.Fatal("the node's store has no single writer")
	}
	st, _ := w.WriterStats()
	return st
}

func durMS(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// lookupSizes are the store sizes BenchmarkLookupScaling compares.
var lookupSizes = []struct {
	name string
	rows int
}{{"10k", 10_000}, {"1M", 1_000_000}}

const (
	lookupRate     = 300 // paced lookups per second on each node
	lookupDuration = 8 * time.Second
)

// lookupTarget is one node serving a store of one size.
type lookupTarget struct {
	name string
	rows int
	gen  *declGen
	node *declNode
	c    ecommercev1.DeclarationServiceClient

	mu  sync.Mutex
	rng *rand.Rand
	lat []time.Duration
}

func (t *lookupTarget) lookup(ctx context.Context) error {
	t.mu.Lock()
	num := t.gen.number(t.rng.IntN(t.rows))
	t.mu.Unlock()
	start := time.Now()
	resp, err := t.c.LookupDeclaration(ctx, &ecommercev1.LookupDeclarationRequest{Number: num})
	if err != nil {
		return err
	}
	d := time.Since(start)
	if resp.GetDeclaration().GetNumber() != num {
		return fmt.Errorf("lookup %s returned %s", num, resp.GetDeclaration().GetNumber())
	}
	t.mu.Lock()
	t.lat = append(t.lat, d)
	t.mu.Unlock()
	return nil
}

// lookupPercentiles returns the 50th and 99th percentiles, as benchkit does.
func lookupPercentiles(lat []time.Duration) (p50, p99 time.Duration) {
	if len(lat) == 0 {
		return 0, 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	return s[len(s)*50/100], s[min(len(s)-1, len(s)*99/100)]
}

// BenchmarkLookupScaling reports the latency of LookupDeclaration (get by
// registration number, customs role, full stack) with 10 thousand and
// with 1 million registered declarations stored, and the ratio of the two.
// Each size is served by its own node; one paced load alternates between
// the two, call by call, so that both see the same machine at the same
// moments (the machine is shared and noisy), each at lookupRate calls/s.
// Numbers are picked uniformly at random among the stored ones.
//
// The declarations are loaded straight into each node's SQLite file
// through the store before the node starts (bench_declgen_test.go), with
// the body of a real registered 3-item declaration. The 1M store (about
// 2.7 GB, under a minute to build on the 2-core development machine) is
// built once per run in the benchmark's temporary directory, removed at
// its end; -short skips it. Run it with -benchtime=1x.
func BenchmarkLookupScaling(b *testing.B) {
	sizes := lookupSizes
	if testing.Short() {
		b.Logf("-short: skipping the 1M-declaration store (about 2.7 GB, under a minute to build); measuring 10k only")
		sizes = sizes[:1]
	}
	tmpl := declarationTemplate(b)
	dir := b.TempDir()
	ctx := context.Background()
	var targets []*lookupTarget
	for _, size := range sizes {
		dataDir := filepath.Join(dir, size.name)
		t := &lookupTarget{name: size.name, rows: size.rows, gen: loadDeclarations(b, dataDir, tmpl, size.rows),
			rng: rand.New(rand.NewPCG(uint64(size.rows), 1))}
		t.node = startDeclNode(b, dataDir, false)
		t.c = dialAs(b, t.node.dev, t.node.addr, pki.RoleCustoms).Declarations
		if err := t.lookup(ctx); err != nil {
			b.Fatal(err)
		}
		benchkit.Run(ctx, 4, 500*time.Millisecond, t.lookup) // warm up
		targets = append(targets, t)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, t := range targets {
			t.lat = t.lat[:0]
		}
		var next atomic.Int64
		r := benchkit.Paced(ctx, float64(lookupRate*len(targets)), lookupDuration, func(ctx context.Context) error {
			return targets[int(next.Add(1))%len(targets)].lookup(ctx)
		})
		if r.Errors > 0 {
			b.Fatalf("%d lookups failed", r.Errors)
		}
		var p50s, p99s []time.Duration
		for _, t := range targets {
			p50, p99 := lookupPercentiles(t.lat)
			p50s, p99s = append(p50s, p50), append(p99s, p99)
			b.ReportMetric(durMS(p50), t.name+"_p50_ms")
			b.ReportMetric(durMS(p99), t.name+"_p99_ms")
		}
		if len(targets) == 2 {
			b.ReportMetric(durMS(p50s[1])/durMS(p50s[0]), "p50_ratio")
			b.ReportMetric(durMS(p99s[1])/durMS(p99s[0]), "p99_ratio")
		}
	}
}
