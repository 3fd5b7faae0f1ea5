package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/eaeu/customs-exchange/client"
)

// Binaries built once for the whole test run.
var (
	serverBin  string
	grpcurlBin string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "eaeu-e2e-bin")
	if err != nil {
		panic(err)
	}
	serverBin = filepath.Join(dir, "customs-exchange")
	grpcurlBin = filepath.Join(dir, "grpcurl")
	build := func(args ...string) {
		cmd := exec.Command("go", args...)
		cmd.Dir = ".."
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "build failed:", args, err)
			os.Exit(1)
		}
	}
	build("build", "-o", serverBin, "./server")
	build("build", "-modfile=tools/go.mod", "-o", grpcurlBin, "github.com/fullstorydev/grpcurl/cmd/grpcurl")
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// node is one running server process.
type node struct {
	t        *testing.T
	cmd      *exec.Cmd
	dataDir  string
	storeDSN string
	grpc     string
	http     string
	metrics  string
	certs    string
	exited   chan error
}

// backend is a store the suite runs against.
type backend struct {
	name string
	dsn  func(t *testing.T) string // "" for the default SQLite file in the data dir
}

// backends lists SQLite always and PostgreSQL when EAEU_TEST_POSTGRES_DSN is
// set; each PostgreSQL test gets a schema of its own.
func backends(t *testing.T) []backend {
	bs := []backend{{name: "sqlite", dsn: func(*testing.T) string { return "" }}}
	base := os.Getenv("EAEU_TEST_POSTGRES_DSN")
	if base == "" {
		t.Log("EAEU_TEST_POSTGRES_DSN not set: end-to-end tests on PostgreSQL skipped")
		return bs
	}
	return append(bs, backend{name: "postgres", dsn: func(t *testing.T) string { return pgSchema(t, base) }})
}

func pgSchema(t testing.TB, base string) string {
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "e2e_" + hex.EncodeToString(b[:])
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
		_ = db.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

var readyLine = regexp.MustCompile(`^READY grpc=(\S*) http=(\S*) metrics=(\S*)$`)

// startNode starts the server binary in development mode on random ports
// and waits for its READY line (printed once health is SERVING).
func startNode(t *testing.T, dataDir, storeDSN string, extra ...string) *node {
	t.Helper()
	args := []string{"--dev", "--data-dir", dataDir, "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
		"--metrics-addr", "127.0.0.1:0", "--log-format", "text", "--shutdown-timeout", "5s"}
	if storeDSN != "" {
		args = append(args, "--store", storeDSN)
	}
	args = append(args, extra...)
	cmd := exec.Command(serverBin, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(dataDir, fmt.Sprintf("server-%d.log", time.Now().UnixNano())))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n := &node{t: t, cmd: cmd, dataDir: dataDir, storeDSN: storeDSN, certs: filepath.Join(dataDir, "certs"), exited: make(chan error, 1)}
	ready := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := readyLine.FindStringSubmatch(sc.Text()); m != nil {
				ready <- m[1:]
			}
		}
	}()
	go func() { n.exited <- cmd.Wait(); _ = logFile.Close() }()
	select {
	case m := <-ready:
		n.grpc, n.http, n.metrics = m[0], m[1], m[2]
	case err := <-n.exited:
		log, _ := os.ReadFile(logFile.Name())
		t.Fatalf("server exited before READY: %v\n%s", err, log)
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("server not READY within 60s")
	}
	t.Cleanup(func() { n.stop() })
	return n
}

// stop sends SIGTERM and waits for a clean exit.
func (n *node) stop() error {
	if n.cmd.ProcessState != nil {
		return nil
	}
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-n.exited:
		n.exited <- err
		return err
	case <-time.After(15 * time.Second):
		_ = n.cmd.Process.Kill()
		return fmt.Errorf("no exit within 15s of SIGTERM")
	}
}

func (n *node) cert(role string) (string, string) {
	return filepath.Join(n.certs, role+".pem"), filepath.Join(n.certs, role+"-key.pem")
}

func (n *node) caFile() string { return filepath.Join(n.certs, "ca.pem") }

// sdk dials the node with the certificate of role ("" for none).
func (n *node) sdk(role string) *client.Client {
	n.t.Helper()
	cert, key := "", ""
	if role != "" {
		cert, key = n.cert(role)
	}
	c, err := client.Dial(n.grpc, client.WithCertificates(n.caFile(), cert, key))
	if err != nil {
		n.t.Fatal(err)
	}
	n.t.Cleanup(func() { _ = c.Close() })
	return c
}

// https returns an HTTP client for the gateway with role's certificate.
func (n *node) https(role string) *http.Client {
	n.t.Helper()
	pem, err := os.ReadFile(n.caFile())
	if err != nil {
		n.t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	cfg := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	if role != "" {
		pair, err := tls.LoadX509KeyPair(n.cert(role))
		if err != nil {
			n.t.Fatal(err)
		}
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 10 * time.Second}
}

// grpcurl runs the real grpcurl binary against the node.
func (n *node) grpcurl(role string, args ...string) (string, error) {
	full := []string{"-cacert", n.caFile()}
	if role != "" {
		cert, key := n.cert(role)
		full = append(full, "-cert", cert, "-key", key)
	}
	full = append(full, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, grpcurlBin, full...).CombinedOutput()
	return string(out), err
}
