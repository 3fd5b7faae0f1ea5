package main

import (
	"bufio"
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/eaeu/customs-exchange/client"
	"github.com/eaeu/customs-exchange/internal/pki"
)

// statePKI is the PKI of one member state's customs: its own CA, the
// node's certificate (server and client usage, URI naming the customs
// body, so that the node can call peers with it and sign with its key)
// and client certificates issued by that CA.
type statePKI struct {
	t      testing.TB
	dir    string
	state  string
	code   string
	ca     *pki.CA
	caFile string
	// node is the node's certificate pair and files.
	node              pki.Pair
	nodeCert, nodeKey string
	official          clientFiles // the customs officials' system (ROLE_CUSTOMS at home)
}

type clientFiles struct{ cert, key string }

func customsURI(state, code string) string { return "spiffe://eaeu/" + state + "/customs/" + code }

func newStatePKI(t testing.TB, dir, state, code string) *statePKI {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	ca, err := pki.NewCA(state+" customs CA", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p := &statePKI{t: t, dir: dir, state: state, code: code, ca: ca, caFile: filepath.Join(dir, "ca.pem")}
	writeFile(t, p.caFile, ca.CertPEM())
	p.node, err = ca.IssueServer([]string{"127.0.0.1", "localhost"}, customsURI(state, code), 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p.nodeCert, p.nodeKey = filepath.Join(dir, "node.pem"), filepath.Join(dir, "node-key.pem")
	writeFile(t, p.nodeCert, p.node.CertPEM)
	writeFile(t, p.nodeKey, p.node.KeyPEM)
	p.official = p.issue("official", customsURI(state, code))
	return p
}

// issue writes a client certificate of this CA for uri.
func (p *statePKI) issue(name, uri string) clientFiles {
	p.t.Helper()
	pair, err := p.ca.IssueClient(uri, 24*time.Hour)
	if err != nil {
		p.t.Fatal(err)
	}
	f := clientFiles{filepath.Join(p.dir, name+".pem"), filepath.Join(p.dir, name+"-key.pem")}
	writeFile(p.t, f.cert, pair.CertPEM)
	writeFile(p.t, f.key, pair.KeyPEM)
	return f
}

// nodeSigner is the node's key and certificate, to sign as the node does.
func (p *statePKI) nodeSigner() (crypto.Signer, *x509.Certificate) {
	c, err := p.node.TLSCertificate()
	if err != nil {
		p.t.Fatal(err)
	}
	return c.PrivateKey.(crypto.Signer), c.Leaf
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// freeAddr returns a local address nobody listens on, so that a node can
// be restarted on the same address its peers have in their directory.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// exNode is a node started with its own state's PKI (no --dev).
type exNode struct {
	*node
	pki  *statePKI
	addr string
	args []string
}

// startExchangeNode starts the binary for p's state on addr, trusting
// each CA of trust for its state.
func startExchangeNode(t testing.TB, p *statePKI, dataDir, storeDSN, addr string, trust []*statePKI, extra ...string) *exNode {
	t.Helper()
	args := []string{"--member-state", p.state, "--data-dir", dataDir, "--grpc-addr", addr, "--http-addr", "127.0.0.1:0",
		"--metrics-addr", "127.0.0.1:0", "--log-format", "text", "--shutdown-timeout", "5s",
		"--tls-cert", p.nodeCert, "--tls-key", p.nodeKey,
		"--exchange-retry-base", "100ms", "--exchange-poll", "200ms"}
	for _, q := range trust {
		args = append(args, "--trust", q.state+"="+q.caFile)
	}
	if storeDSN != "" {
		args = append(args, "--store", storeDSN)
	}
	args = append(args, extra...)
	n := &exNode{pki: p, addr: addr, args: args}
	n.node = runNode(t, dataDir, storeDSN, args)
	return n
}

// restart starts the node again with the same arguments (and address).
func (n *exNode) restart(t testing.TB) {
	t.Helper()
	n.node = runNode(t, n.dataDir, n.storeDSN, n.args)
}

// kill ends the process with SIGKILL: no graceful shutdown.
func (n *exNode) kill(t *testing.T) {
	t.Helper()
	_ = n.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case err := <-n.exited:
		n.exited <- err
	case <-time.After(15 * time.Second):
		t.Fatal("no exit within 15s of SIGKILL")
	}
}

// dial connects to the node with a client certificate of any CA.
func (n *exNode) dial(t testing.TB, f clientFiles) *client.Client {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AddCert(n.pki.ca.Cert())
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots}
	if f.cert != "" {
		pair, err := tls.LoadX509KeyPair(f.cert, f.key)
		if err != nil {
			t.Fatal(err)
		}
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }
	}
	c, err := client.Dial(n.addr, client.WithTLSConfig(cfg), client.WithDialOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// httpsClient is an HTTP client for the node's gateway with a client
// certificate.
func (n *exNode) httpsClient(t testing.TB, f clientFiles) *http.Client {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(f.cert, f.key)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: n.pki.ca.Pool(),
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 10 * time.Second}
}

// runNode starts the server binary with exactly args and waits for READY.
func runNode(t testing.TB, dataDir, storeDSN string, args []string) *node {
	t.Helper()
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
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
	n := &node{cmd: cmd, dataDir: dataDir, storeDSN: storeDSN, exited: make(chan error, 1)}
	if tt, ok := t.(*testing.T); ok {
		n.t = tt
	}
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
	case <-time.After(90 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("server not READY within 90s")
	}
	t.Cleanup(func() { _ = n.stop() })
	return n
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v; last: %s", what, timeout, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func ctxFor(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
