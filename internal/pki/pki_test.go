package pki_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eaeu/customs-exchange/internal/pki"
)

var allFiles = []string{
	"ca.pem", "ca-key.pem", "server.pem", "server-key.pem",
	"customs.pem", "customs-key.pem", "peer.pem", "peer-key.pem",
	"commission.pem", "commission-key.pem", "operator.pem", "operator-key.pem",
	"individual.pem", "individual-key.pem",
}

func readAll(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	for _, f := range allFiles {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		m[f] = b
	}
	return m
}

func baseNames(paths []string) []string {
	var out []string
	for _, p := range paths {
		out = append(out, filepath.Base(p))
	}
	slices.Sort(out)
	return out
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func mustCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := pki.ParseCertificatePEM(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEnsureDevPKIIdempotent(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	first, err := pki.EnsureDevPKI(dir, "kz")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := baseNames(first.Created), sorted(allFiles); !slices.Equal(got, want) {
		t.Fatalf("first call created %v, want %v", got, want)
	}
	if first.Regenerated || len(first.Warnings) != 0 {
		t.Fatalf("first call: regenerated=%v warnings=%v", first.Regenerated, first.Warnings)
	}
	if first.MemberState != "KZ" {
		t.Fatalf("MemberState = %q", first.MemberState)
	}
	before := readAll(t, dir)

	second, err := pki.EnsureDevPKI(dir, "KZ")
	if err != nil {
		t.Fatal(err)
	}
	if len(second.Created) != 0 || second.Regenerated || len(second.Warnings) != 0 {
		t.Fatalf("second call: created=%v regenerated=%v warnings=%v", second.Created, second.Regenerated, second.Warnings)
	}
	after := readAll(t, dir)
	for _, f := range allFiles {
		if !bytes.Equal(before[f], after[f]) {
			t.Errorf("%s changed on the second call", f)
		}
	}
	if first.CAFile != second.CAFile || first.ServerURI != second.ServerURI {
		t.Errorf("descriptions differ: %+v vs %+v", first, second)
	}
	for _, r := range pki.Roles() {
		if first.Clients[r] != second.Clients[r] {
			t.Errorf("client %s: %+v vs %+v", r, first.Clients[r], second.Clients[r])
		}
	}

	// Permissions.
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v, want 0700", st.Mode().Perm())
	}
	for _, f := range allFiles {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		want := os.FileMode(0o644)
		if strings.HasSuffix(f, "-key.pem") {
			want = 0o600
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s mode %v, want %v", f, st.Mode().Perm(), want)
		}
	}
}

func TestEnsureDevPKICertificates(t *testing.T) {
	cases := []struct {
		state string
		uris  map[string]string
		node  string
	}{
		{"KZ", map[string]string{
			"customs":    "spiffe://eaeu/KZ/customs/55000000",
			"peer":       "spiffe://eaeu/RU/customs/10000000",
			"commission": "spiffe://eaeu/EEC/commission/eec-dev",
			"operator":   "spiffe://eaeu/KZ/operator/KZ-OP-0001",
			"individual": "spiffe://eaeu/KZ/individual/dev-individual",
		}, "spiffe://eaeu/KZ/node/dev"},
		{"RU", map[string]string{
			"customs":    "spiffe://eaeu/RU/customs/10000000",
			"peer":       "spiffe://eaeu/KZ/customs/55000000",
			"commission": "spiffe://eaeu/EEC/commission/eec-dev",
			"operator":   "spiffe://eaeu/RU/operator/RU-OP-0001",
			"individual": "spiffe://eaeu/RU/individual/dev-individual",
		}, "spiffe://eaeu/RU/node/dev"},
	}
	for _, tc := range cases {
		t.Run(tc.state, func(t *testing.T) {
			d, err := pki.EnsureDevPKI(t.TempDir(), tc.state)
			if err != nil {
				t.Fatal(err)
			}
			ca := mustCert(t, d.CAFile)
			if !ca.IsCA || ca.KeyUsage&x509.KeyUsageCertSign == 0 || ca.SignatureAlgorithm != x509.ECDSAWithSHA256 {
				t.Fatalf("CA: IsCA=%v KeyUsage=%v alg=%v", ca.IsCA, ca.KeyUsage, ca.SignatureAlgorithm)
			}
			if v := ca.NotAfter.Sub(ca.NotBefore); v < 10*365*24*time.Hour {
				t.Errorf("CA validity %v, want ≥ 10 years", v)
			}
			roots := x509.NewCertPool()
			roots.AddCert(ca)

			srv := mustCert(t, d.ServerCert)
			if d.ServerURI != tc.node || len(srv.URIs) != 1 || srv.URIs[0].String() != tc.node {
				t.Errorf("server URI %q / %v, want %s", d.ServerURI, srv.URIs, tc.node)
			}
			for _, h := range []string{"localhost", "127.0.0.1", "::1"} {
				if err := srv.VerifyHostname(h); err != nil {
					t.Errorf("server: %v", err)
				}
			}
			for _, u := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
				if _, err := srv.Verify(x509.VerifyOptions{Roots: roots, DNSName: "localhost", KeyUsages: []x509.ExtKeyUsage{u}}); err != nil {
					t.Errorf("server verify for %v: %v", u, err)
				}
			}

			if len(d.Clients) != 5 {
				t.Fatalf("clients: %v", d.Clients)
			}
			for role, want := range tc.uris {
				f := d.Clients[role]
				if f.URI != want {
					t.Errorf("%s URI %q, want %q", role, f.URI, want)
				}
				c := mustCert(t, f.Cert)
				if len(c.URIs) != 1 || c.URIs[0].String() != want || c.Subject.CommonName != want {
					t.Errorf("%s: URIs %v CN %q", role, c.URIs, c.Subject.CommonName)
				}
				if len(c.DNSNames)+len(c.IPAddresses)+len(c.EmailAddresses) != 0 {
					t.Errorf("%s: unexpected SANs", role)
				}
				if c.IsCA || c.SignatureAlgorithm != x509.ECDSAWithSHA256 {
					t.Errorf("%s: IsCA=%v alg=%v", role, c.IsCA, c.SignatureAlgorithm)
				}
				if pub, ok := c.PublicKey.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
					t.Errorf("%s: key %T, want ECDSA P-256", role, c.PublicKey)
				}
				if c.SerialNumber.Sign() <= 0 || c.SerialNumber.BitLen() > 128 || c.SerialNumber.BitLen() < 64 {
					t.Errorf("%s: serial %v", role, c.SerialNumber)
				}
				if d := time.Until(c.NotBefore); d > -59*time.Minute || d < -61*time.Minute {
					t.Errorf("%s: NotBefore %v not ~1h ago", role, c.NotBefore)
				}
				if v := c.NotAfter.Sub(c.NotBefore); v < 365*24*time.Hour || v > 366*24*time.Hour+time.Hour {
					t.Errorf("%s: validity %v, want ~1 year", role, v)
				}
				if _, err := c.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
					t.Errorf("%s verify as client: %v", role, err)
				}
				if _, err := c.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err == nil {
					t.Errorf("%s verified for ServerAuth", role)
				}
				p, err := d.ClientPair(role)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := p.TLSCertificate(); err != nil {
					t.Errorf("%s: %v", role, err)
				}
			}
			if _, err := d.CA(); err != nil {
				t.Errorf("load CA: %v", err)
			}
		})
	}
}

func TestEnsureDevPKIPartial(t *testing.T) {
	dir := t.TempDir()
	if _, err := pki.EnsureDevPKI(dir, "BY"); err != nil {
		t.Fatal(err)
	}
	before := readAll(t, dir)
	for _, f := range []string{"customs.pem", "customs-key.pem"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	d, err := pki.EnsureDevPKI(dir, "BY")
	if err != nil {
		t.Fatal(err)
	}
	if got := baseNames(d.Created); !slices.Equal(got, []string{"customs-key.pem", "customs.pem"}) {
		t.Fatalf("created %v", got)
	}
	if d.Regenerated || len(d.Warnings) != 0 {
		t.Fatalf("regenerated=%v warnings=%v", d.Regenerated, d.Warnings)
	}
	after := readAll(t, dir)
	for _, f := range allFiles {
		if changed := !bytes.Equal(before[f], after[f]); changed != strings.HasPrefix(f, "customs") {
			t.Errorf("%s changed=%v", f, changed)
		}
	}
	roots := x509.NewCertPool()
	roots.AddCert(mustCert(t, d.CAFile))
	if _, err := mustCert(t, d.Clients["customs"].Cert).Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Fatal(err)
	}
}

func TestEnsureDevPKIRegeneratesWithoutCA(t *testing.T) {
	dir := t.TempDir()
	if _, err := pki.EnsureDevPKI(dir, "AM"); err != nil {
		t.Fatal(err)
	}
	before := readAll(t, dir)
	if err := os.Remove(filepath.Join(dir, "ca.pem")); err != nil {
		t.Fatal(err)
	}
	d, err := pki.EnsureDevPKI(dir, "AM")
	if err != nil {
		t.Fatal(err)
	}
	if !d.Regenerated || len(d.Warnings) == 0 {
		t.Fatalf("regenerated=%v warnings=%v", d.Regenerated, d.Warnings)
	}
	if got, want := baseNames(d.Created), sorted(allFiles); !slices.Equal(got, want) {
		t.Fatalf("created %v, want %v", got, want)
	}
	after := readAll(t, dir)
	for _, f := range allFiles {
		if f != "ca.pem" && bytes.Equal(before[f], after[f]) {
			t.Errorf("%s not rewritten", f)
		}
	}
	roots := x509.NewCertPool()
	roots.AddCert(mustCert(t, d.CAFile))
	if _, err := mustCert(t, d.ServerCert).Verify(x509.VerifyOptions{Roots: roots}); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(d.CAKeyFile)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("ca-key.pem mode %v", st.Mode().Perm())
	}
}

func TestEnsureDevPKIReusedForeignFilesWarn(t *testing.T) {
	dir := t.TempDir()
	if _, err := pki.EnsureDevPKI(dir, "KZ"); err != nil {
		t.Fatal(err)
	}
	// Another directory's CA replaces ours (keeping the old leaves): the
	// leaves are kept and reported.
	other := t.TempDir()
	if _, err := pki.EnsureDevPKI(other, "RU"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"ca.pem", "ca-key.pem"} {
		b, _ := os.ReadFile(filepath.Join(other, f))
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	before := readAll(t, dir)
	d, err := pki.EnsureDevPKI(dir, "RU")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Created) != 0 || d.Regenerated {
		t.Fatalf("created %v regenerated %v", d.Created, d.Regenerated)
	}
	if !bytes.Equal(before["customs.pem"], readAll(t, dir)["customs.pem"]) {
		t.Fatal("customs.pem rewritten")
	}
	if d.Clients["customs"].URI != "spiffe://eaeu/KZ/customs/55000000" {
		t.Errorf("customs URI %q: want the URI found in the file", d.Clients["customs"].URI)
	}
	joined := strings.Join(d.Warnings, "\n")
	if !strings.Contains(joined, "not signed by the CA") || !strings.Contains(joined, "expected spiffe://eaeu/RU/customs/10000000") {
		t.Errorf("warnings:\n%s", joined)
	}
}

func TestEnsureDevPKIErrors(t *testing.T) {
	t.Run("unknown state", func(t *testing.T) {
		for _, s := range []string{"", "EEC", "XX", "K Z"} {
			if _, err := pki.EnsureDevPKI(t.TempDir(), s); err == nil {
				t.Errorf("state %q accepted", s)
			}
		}
	})
	t.Run("empty dir", func(t *testing.T) {
		if _, err := pki.EnsureDevPKI("", "KZ"); err == nil {
			t.Error("empty dir accepted")
		}
	})
	t.Run("cert without key", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := pki.EnsureDevPKI(dir, "KG"); err != nil {
			t.Fatal(err)
		}
		os.Remove(filepath.Join(dir, "operator-key.pem"))
		if _, err := pki.EnsureDevPKI(dir, "KG"); err == nil || !strings.Contains(err.Error(), "operator.pem exists") {
			t.Errorf("err = %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "operator.pem")); err != nil {
			t.Error("operator.pem removed")
		}
	})
	t.Run("missing CA key", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := pki.EnsureDevPKI(dir, "KG"); err != nil {
			t.Fatal(err)
		}
		os.Remove(filepath.Join(dir, "ca-key.pem"))
		// Nothing to issue: fine.
		if _, err := pki.EnsureDevPKI(dir, "KG"); err != nil {
			t.Fatalf("no issuance needed: %v", err)
		}
		os.Remove(filepath.Join(dir, "peer.pem"))
		os.Remove(filepath.Join(dir, "peer-key.pem"))
		if _, err := pki.EnsureDevPKI(dir, "KG"); err == nil || !strings.Contains(err.Error(), "ca-key.pem is absent") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestCA(t *testing.T) {
	ca, err := pki.NewCA("test CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := pki.LoadCA(ca.CertPEM(), ca.KeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	if !loaded.Cert().Equal(ca.Cert()) {
		t.Fatal("loaded CA differs")
	}
	// Leaf NotAfter is capped at the CA's.
	p, err := loaded.IssueClient("spiffe://eaeu/KZ/customs/1", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := p.Certificate()
	if err != nil {
		t.Fatal(err)
	}
	if leaf.NotAfter.After(ca.Cert().NotAfter) {
		t.Errorf("leaf outlives CA: %v > %v", leaf.NotAfter, ca.Cert().NotAfter)
	}

	other, _ := pki.NewCA("other", time.Hour)
	if _, err := pki.LoadCA(ca.CertPEM(), other.KeyPEM()); err == nil {
		t.Error("mismatched key accepted")
	}
	if _, err := pki.LoadCA(p.CertPEM, p.KeyPEM); err == nil {
		t.Error("leaf accepted as CA")
	}
	if _, err := pki.NewCA("", time.Hour); err == nil {
		t.Error("empty CN accepted")
	}
	if _, err := ca.IssueClient("", time.Hour); err == nil {
		t.Error("client without URI accepted")
	}
	if _, err := ca.IssueClient("not a uri", time.Hour); err == nil {
		t.Error("bad URI accepted")
	}
	if _, err := ca.IssueServer(nil, "", time.Hour); err == nil {
		t.Error("server without SAN accepted")
	}
	srv, err := ca.IssueServer([]string{"node.example", "10.0.0.1"}, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := srv.Certificate()
	if !slices.Equal(c.DNSNames, []string{"node.example"}) || len(c.IPAddresses) != 1 || len(c.URIs) != 0 || c.Subject.CommonName != "node.example" {
		t.Errorf("server SANs: %v %v %v CN %q", c.DNSNames, c.IPAddresses, c.URIs, c.Subject.CommonName)
	}
	// Serial numbers differ.
	p2, _ := ca.IssueClient("spiffe://eaeu/KZ/customs/1", time.Hour)
	c2, _ := p2.Certificate()
	if c2.SerialNumber.Cmp(leaf.SerialNumber) == 0 {
		t.Error("serial numbers repeat")
	}
}

// handshake runs a TLS handshake over net.Pipe: the server requires and
// verifies a client certificate against serverRoots and answers "ok"; the
// client reads that answer, so a client certificate refused by the server
// (reported after the client's side of a TLS 1.3 handshake) surfaces as a
// client error too.
func handshake(t *testing.T, serverPair pki.Pair, clientCAs, clientRoots *x509.CertPool, clientPair *pki.Pair) (serverErr, clientErr error, state tls.ConnectionState) {
	t.Helper()
	srvCert, err := serverPair.TLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	cConn, sConn := net.Pipe()
	deadline := time.Now().Add(10 * time.Second)
	cConn.SetDeadline(deadline)
	sConn.SetDeadline(deadline)

	type result struct {
		err   error
		state tls.ConnectionState
	}
	done := make(chan result, 1)
	go func() {
		s := tls.Server(sConn, &tls.Config{
			Certificates: []tls.Certificate{srvCert},
			ClientAuth:   tls.RequireAndVerifyClientCert,
			ClientCAs:    clientCAs,
			MinVersion:   tls.VersionTLS12,
		})
		defer s.Close()
		if err := s.Handshake(); err != nil {
			done <- result{err: err}
			return
		}
		_, err := s.Write([]byte("ok"))
		done <- result{err: err, state: s.ConnectionState()}
	}()

	cfg := &tls.Config{RootCAs: clientRoots, ServerName: "localhost", MinVersion: tls.VersionTLS12}
	if clientPair != nil {
		cc, err := clientPair.TLSCertificate()
		if err != nil {
			t.Fatal(err)
		}
		// GetClientCertificate, not Certificates: crypto/tls would
		// otherwise withhold a certificate whose issuer the server does
		// not list as acceptable, and the server would never see it.
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cc, nil }
	}
	c := tls.Client(cConn, cfg)
	clientErr = c.Handshake()
	if clientErr == nil {
		buf := make([]byte, 2)
		_, clientErr = io.ReadFull(c, buf)
		if clientErr == nil && string(buf) != "ok" {
			clientErr = errors.New("unexpected answer " + string(buf))
		}
	}
	// Close the raw pipe, not c: over a synchronous net.Pipe both sides'
	// close_notify writes would block each other until their 5s timeout.
	cConn.Close()
	r := <-done
	return r.err, clientErr, r.state
}

func TestTLSHandshake(t *testing.T) {
	dir := t.TempDir()
	d, err := pki.EnsureDevPKI(dir, "KZ")
	if err != nil {
		t.Fatal(err)
	}
	ca, err := d.CA()
	if err != nil {
		t.Fatal(err)
	}
	serverPair, err := d.ServerPair()
	if err != nil {
		t.Fatal(err)
	}
	foreignCA, err := pki.NewCA("foreign CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	foreignPair, err := foreignCA.IssueClient("spiffe://eaeu/KZ/customs/55000000", time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	for _, role := range pki.Roles() {
		t.Run("ok/"+role, func(t *testing.T) {
			p, err := d.ClientPair(role)
			if err != nil {
				t.Fatal(err)
			}
			sErr, cErr, st := handshake(t, serverPair, ca.Pool(), ca.Pool(), &p)
			if sErr != nil || cErr != nil {
				t.Fatalf("server: %v; client: %v", sErr, cErr)
			}
			if len(st.VerifiedChains) == 0 || st.VerifiedChains[0][0].URIs[0].String() != d.Clients[role].URI {
				t.Fatalf("verified chains: %v", st.VerifiedChains)
			}
		})
	}
	t.Run("node certificate as client", func(t *testing.T) {
		sErr, cErr, _ := handshake(t, serverPair, ca.Pool(), ca.Pool(), &serverPair)
		if sErr != nil || cErr != nil {
			t.Fatalf("server: %v; client: %v", sErr, cErr)
		}
	})
	t.Run("client from another CA", func(t *testing.T) {
		sErr, cErr, _ := handshake(t, serverPair, ca.Pool(), ca.Pool(), &foreignPair)
		var verr *tls.CertificateVerificationError
		if !errors.As(sErr, &verr) {
			t.Fatalf("server error %v, want a certificate verification error", sErr)
		}
		if cErr == nil {
			t.Fatal("client saw no error")
		}
	})
	t.Run("no client certificate", func(t *testing.T) {
		sErr, cErr, _ := handshake(t, serverPair, ca.Pool(), ca.Pool(), nil)
		if sErr == nil || cErr == nil {
			t.Fatalf("server: %v; client: %v", sErr, cErr)
		}
	})
	t.Run("server from another CA", func(t *testing.T) {
		p, _ := d.ClientPair("customs")
		sErr, cErr, _ := handshake(t, serverPair, ca.Pool(), foreignCA.Pool(), &p)
		if sErr == nil || cErr == nil {
			t.Fatalf("server: %v; client: %v", sErr, cErr)
		}
	})
}
