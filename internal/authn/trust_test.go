package authn_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/eaeu/customs-exchange/internal/authn"
	"github.com/eaeu/customs-exchange/internal/pki"
)

const hour = time.Hour

func newCA(t *testing.T, cn string) *pki.CA {
	t.Helper()
	ca, err := pki.NewCA(cn, 24*hour)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func bundle(t *testing.T, entries ...authn.TrustEntry) *authn.TrustBundle {
	t.Helper()
	b, err := authn.NewTrustBundle(entries)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func entry(ca *pki.CA, states ...string) authn.TrustEntry {
	return authn.TrustEntry{States: states, CACerts: []*x509.Certificate{ca.Cert()}}
}

func client(t *testing.T, ca *pki.CA, uri string) pki.Pair {
	t.Helper()
	p, err := ca.IssueClient(uri, hour)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func leaf(t *testing.T, p pki.Pair) *x509.Certificate {
	t.Helper()
	c, err := p.Certificate()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// verify verifies a client certificate against roots as crypto/tls does
// for RequireAndVerifyClientCert and returns the verified chains.
func verify(t *testing.T, roots *x509.CertPool, p pki.Pair) [][]*x509.Certificate {
	t.Helper()
	chains, err := leaf(t, p).Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err != nil {
		t.Fatal(err)
	}
	return chains
}

func TestAuthenticate(t *testing.T) {
	kzCA, ruCA, byruCA, eecCA, devCA, foreignCA := newCA(t, "KZ CA"), newCA(t, "RU CA"), newCA(t, "RU+BY CA"), newCA(t, "EEC CA"), newCA(t, "dev CA"), newCA(t, "foreign CA")
	states := bundle(t, entry(kzCA, "KZ"), entry(ruCA, "RU"), entry(byruCA, "RU", "BY"), entry(eecCA, "EEC"))
	star := bundle(t, entry(devCA, "*"))

	twoURIs, err := kzCA.Issue(pki.LeafRequest{
		URIs:        []string{"spiffe://eaeu/KZ/customs/55000000", "spiffe://eaeu/KZ/operator/KZ-OP-0001"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		Validity:    hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	noURI, err := kzCA.IssueServer([]string{"localhost"}, "", hour)
	if err != nil {
		t.Fatal(err)
	}
	kzNode, err := kzCA.IssueServer([]string{"localhost"}, "spiffe://eaeu/KZ/node/dev", hour)
	if err != nil {
		t.Fatal(err)
	}
	ruNodeAsKZ, err := ruCA.IssueServer([]string{"localhost"}, "spiffe://eaeu/KZ/node/dev", hour)
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name    string
		bundle  *authn.TrustBundle
		roots   *x509.CertPool // verification pool; the bundle's when nil
		pair    pki.Pair
		wantErr error
		want    authn.Subject
	}{
		{name: "KZ customs from KZ CA", bundle: states, pair: client(t, kzCA, "spiffe://eaeu/KZ/customs/55000000"),
			want: authn.Subject{URI: "spiffe://eaeu/KZ/customs/55000000", MemberState: "KZ", Kind: authn.KindCustoms, ID: "55000000"}},
		{name: "RU operator from RU CA", bundle: states, pair: client(t, ruCA, "spiffe://eaeu/RU/operator/RU-OP-0001"),
			want: authn.Subject{URI: "spiffe://eaeu/RU/operator/RU-OP-0001", MemberState: "RU", Kind: authn.KindOperator, ID: "RU-OP-0001"}},
		{name: "BY individual from RU,BY CA", bundle: states, pair: client(t, byruCA, "spiffe://eaeu/BY/individual/p1"),
			want: authn.Subject{URI: "spiffe://eaeu/BY/individual/p1", MemberState: "BY", Kind: authn.KindIndividual, ID: "p1"}},
		{name: "commission from EEC CA", bundle: states, pair: client(t, eecCA, "spiffe://eaeu/EEC/commission/eec-dev"),
			want: authn.Subject{URI: "spiffe://eaeu/EEC/commission/eec-dev", MemberState: "EEC", Kind: authn.KindCommission, ID: "eec-dev"}},
		{name: "state mismatch: RU CA, KZ subject", bundle: states, pair: client(t, ruCA, "spiffe://eaeu/KZ/customs/55000000"), wantErr: authn.ErrUntrustedState},
		{name: "state mismatch: RU,BY CA, KZ subject", bundle: states, pair: client(t, byruCA, "spiffe://eaeu/KZ/operator/x"), wantErr: authn.ErrUntrustedState},
		{name: "state mismatch: KZ CA, commission", bundle: states, pair: client(t, kzCA, "spiffe://eaeu/EEC/commission/eec-dev"), wantErr: authn.ErrUntrustedState},
		{name: "state mismatch: EEC CA, KZ customs", bundle: states, pair: client(t, eecCA, "spiffe://eaeu/KZ/customs/55000000"), wantErr: authn.ErrUntrustedState},
		{name: "chain ends outside the bundle", bundle: states, roots: foreignCA.Pool(), pair: client(t, foreignCA, "spiffe://eaeu/KZ/customs/55000000"), wantErr: authn.ErrUntrustedState},
		{name: "* accepts KZ", bundle: star, pair: client(t, devCA, "spiffe://eaeu/KZ/customs/55000000"),
			want: authn.Subject{URI: "spiffe://eaeu/KZ/customs/55000000", MemberState: "KZ", Kind: authn.KindCustoms, ID: "55000000"}},
		{name: "* accepts RU", bundle: star, pair: client(t, devCA, "spiffe://eaeu/RU/customs/10000000"),
			want: authn.Subject{URI: "spiffe://eaeu/RU/customs/10000000", MemberState: "RU", Kind: authn.KindCustoms, ID: "10000000"}},
		{name: "* accepts EEC", bundle: star, pair: client(t, devCA, "spiffe://eaeu/EEC/commission/eec-dev"),
			want: authn.Subject{URI: "spiffe://eaeu/EEC/commission/eec-dev", MemberState: "EEC", Kind: authn.KindCommission, ID: "eec-dev"}},
		{name: "two URI SANs", bundle: states, pair: twoURIs, wantErr: authn.ErrInvalidSubject},
		{name: "no URI SAN", bundle: states, pair: noURI, wantErr: authn.ErrInvalidSubject},
		{name: "malformed URI SAN", bundle: states, pair: client(t, kzCA, "spiffe://eaeu/KZ/bank/1"), wantErr: authn.ErrInvalidSubject},
		{name: "foreign trust domain", bundle: star, pair: client(t, devCA, "spiffe://example.org/KZ/customs/1"), wantErr: authn.ErrInvalidSubject},
		{name: "node kind refused", bundle: states, pair: kzNode, wantErr: authn.ErrNotAClient},
		{name: "node kind refused under *", bundle: star, pair: mustIssueServer(t, devCA, "spiffe://eaeu/RU/node/n1"), wantErr: authn.ErrNotAClient},
		{name: "node from wrong state CA", bundle: states, pair: ruNodeAsKZ, wantErr: authn.ErrUntrustedState},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			roots := tc.roots
			if roots == nil {
				roots = tc.bundle.Pool()
			}
			chains := verify(t, roots, tc.pair)
			check := func(fn string, got authn.Subject, err error) {
				t.Helper()
				if tc.wantErr != nil {
					if !errors.Is(err, tc.wantErr) {
						t.Fatalf("%s: error %v, want %v", fn, err, tc.wantErr)
					}
					return
				}
				if err != nil {
					t.Fatalf("%s: %v", fn, err)
				}
				if got != tc.want {
					t.Fatalf("%s: got %+v, want %+v", fn, got, tc.want)
				}
			}
			s, err := tc.bundle.AuthenticateCert(chains)
			check("AuthenticateCert", s, err)
			s, err = tc.bundle.Authenticate(tls.ConnectionState{PeerCertificates: []*x509.Certificate{chains[0][0]}, VerifiedChains: chains})
			check("Authenticate", s, err)
		})
	}

	t.Run("no certificate", func(t *testing.T) {
		if _, err := states.Authenticate(tls.ConnectionState{}); !errors.Is(err, authn.ErrNoCertificate) {
			t.Errorf("Authenticate: %v", err)
		}
		if _, err := states.AuthenticateCert(nil); !errors.Is(err, authn.ErrNoCertificate) {
			t.Errorf("AuthenticateCert(nil): %v", err)
		}
		if _, err := states.AuthenticateCert([][]*x509.Certificate{{}}); !errors.Is(err, authn.ErrNoCertificate) {
			t.Errorf("AuthenticateCert(empty chain): %v", err)
		}
	})
	t.Run("certificate not verified", func(t *testing.T) {
		p := client(t, kzCA, "spiffe://eaeu/KZ/customs/55000000")
		_, err := states.Authenticate(tls.ConnectionState{PeerCertificates: []*x509.Certificate{leaf(t, p)}})
		if !errors.Is(err, authn.ErrUnverifiedChain) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("any verified chain may grant the state", func(t *testing.T) {
		// A KZ subject with two chains: one ending at the RU CA (not
		// trusted for KZ), one at the KZ CA. Only possible with cross
		// certification; assembled by hand here.
		p := client(t, kzCA, "spiffe://eaeu/KZ/customs/55000000")
		l := leaf(t, p)
		chains := [][]*x509.Certificate{{l, ruCA.Cert()}, {l, kzCA.Cert()}}
		if _, err := states.AuthenticateCert(chains); err != nil {
			t.Errorf("err = %v", err)
		}
		if _, err := states.AuthenticateCert(chains[:1]); !errors.Is(err, authn.ErrUntrustedState) {
			t.Errorf("err = %v", err)
		}
	})
}

func mustIssueServer(t *testing.T, ca *pki.CA, uri string) pki.Pair {
	t.Helper()
	p, err := ca.IssueServer([]string{"localhost"}, uri, hour)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNewTrustBundle(t *testing.T) {
	a, b := newCA(t, "A"), newCA(t, "B")
	leafPair := client(t, a, "spiffe://eaeu/KZ/customs/1")

	// The same CA in two entries is trusted for the union of their states.
	tb := bundle(t, entry(a, "KZ"), entry(b, "ru"), entry(a, "BY", "KZ"))
	if got := tb.States(a.Cert()); !slices.Equal(got, []string{"BY", "KZ"}) {
		t.Errorf("States(a) = %v", got)
	}
	if got := tb.States(b.Cert()); !slices.Equal(got, []string{"RU"}) {
		t.Errorf("States(b) = %v", got)
	}
	if got := tb.States(newCA(t, "C").Cert()); got != nil {
		t.Errorf("States(unknown) = %v", got)
	}
	if got := len(tb.Pool().Subjects()); got != 2 { //nolint:staticcheck // counting only
		t.Errorf("pool has %d CAs, want 2", got)
	}
	// Pool returns a copy.
	tb.Pool().AddCert(newCA(t, "D").Cert())
	if got := len(tb.Pool().Subjects()); got != 2 { //nolint:staticcheck // counting only
		t.Errorf("pool modified through Pool(): %d", got)
	}
	if got := bundle(t, entry(a, "*"), entry(a, "KZ")).States(a.Cert()); !slices.Equal(got, []string{"*"}) {
		t.Errorf("States = %v", got)
	}

	bad := []struct {
		name    string
		entries []authn.TrustEntry
	}{
		{"no entries", nil},
		{"no states", []authn.TrustEntry{entry(a)}},
		{"empty state", []authn.TrustEntry{entry(a, "")}},
		{"unknown state", []authn.TrustEntry{entry(a, "UA")}},
		{"star with state", []authn.TrustEntry{entry(a, "*", "KZ")}},
		{"no certificates", []authn.TrustEntry{{States: []string{"KZ"}}}},
		{"nil certificate", []authn.TrustEntry{{States: []string{"KZ"}, CACerts: []*x509.Certificate{nil}}}},
		{"leaf certificate", []authn.TrustEntry{{States: []string{"KZ"}, CACerts: []*x509.Certificate{leaf(t, leafPair)}}}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := authn.NewTrustBundle(tc.entries); err == nil {
				t.Error("accepted")
			}
		})
	}
}

func TestParseTrustFlag(t *testing.T) {
	dir := t.TempDir()
	a, b := newCA(t, "A"), newCA(t, "B")
	write := func(name string, data ...[]byte) string {
		p := filepath.Join(dir, name)
		var all []byte
		for _, d := range data {
			all = append(all, d...)
		}
		if err := os.WriteFile(p, all, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	one := write("one.pem", a.CertPEM())
	two := write("two.pem", []byte("# a comment before the first block\n"), a.CertPEM(), b.CertPEM())
	withKey := write("with-key.pem", a.CertPEM(), a.KeyPEM())
	empty := write("empty.pem", []byte("nothing here\n"))
	leafFile := write("leaf.pem", client(t, a, "spiffe://eaeu/KZ/customs/1").CertPEM)
	broken := write("broken.pem", []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))

	good := []struct {
		flag   string
		states []string
		certs  int
	}{
		{"KZ=" + one, []string{"KZ"}, 1},
		{"RU,BY=" + two, []string{"RU", "BY"}, 2},
		{"*=" + one, []string{"*"}, 1},
		{"EEC=" + one, []string{"EEC"}, 1},
		{"kz, ru ,KZ=" + one, []string{"KZ", "RU"}, 1},
	}
	for _, tc := range good {
		t.Run("good/"+filepath.Base(tc.flag), func(t *testing.T) {
			e, err := authn.ParseTrustFlag(tc.flag)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(e.States, tc.states) || len(e.CACerts) != tc.certs {
				t.Fatalf("got states %v, %d certs", e.States, len(e.CACerts))
			}
		})
	}
	bad := []struct{ name, flag string }{
		{"no equals", one},
		{"no states", "=" + one},
		{"empty state", "KZ,=" + one},
		{"unknown state", "UA=" + one},
		{"star with state", "*,KZ=" + one},
		{"no file", "KZ="},
		{"missing file", "KZ=" + filepath.Join(dir, "absent.pem")},
		{"no certificate", "KZ=" + empty},
		{"private key in file", "KZ=" + withKey},
		{"leaf certificate", "KZ=" + leafFile},
		{"broken certificate", "KZ=" + broken},
	}
	for _, tc := range bad {
		t.Run("bad/"+tc.name, func(t *testing.T) {
			if e, err := authn.ParseTrustFlag(tc.flag); err == nil {
				t.Fatalf("accepted: %+v", e)
			}
		})
	}

	// TrustFlags collects repeated flags for NewTrustBundle.
	var f authn.TrustFlags
	for _, v := range []string{"KZ=" + one, "RU,BY=" + two} {
		if err := f.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Set("nope"); err == nil {
		t.Error("Set accepted a bad value")
	}
	tb, err := authn.NewTrustBundle(f)
	if err != nil {
		t.Fatal(err)
	}
	if got := tb.States(a.Cert()); !slices.Equal(got, []string{"BY", "KZ", "RU"}) {
		t.Errorf("States(a) = %v", got)
	}
	if f.String() == "" {
		t.Error("empty String()")
	}
}

// TestAuthenticateOverTLS authenticates real mutual-TLS connections set up
// with the development PKI and a trust bundle built from flags: a TLS
// handshake over net.Pipe (Authenticate) and an HTTPS request over
// loopback (AuthenticateCert).
func TestAuthenticateOverTLS(t *testing.T) {
	dir := t.TempDir()
	d, err := pki.EnsureDevPKI(dir, "KZ")
	if err != nil {
		t.Fatal(err)
	}
	serverPair, err := d.ServerPair()
	if err != nil {
		t.Fatal(err)
	}
	serverCert, err := serverPair.TLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	// The dev CA trusted for KZ only: the peer (RU) and commission
	// certificates it also issued must be refused.
	kzOnly, err := authn.ParseTrustFlag("KZ=" + d.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	anyState, err := authn.ParseTrustFlag("*=" + d.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	strict, dev := bundle(t, kzOnly), bundle(t, anyState)

	serverConfig := func(b *authn.TrustBundle) *tls.Config {
		return &tls.Config{
			Certificates: []tls.Certificate{serverCert},
			ClientAuth:   tls.RequireAndVerifyClientCert,
			ClientCAs:    b.Pool(),
			MinVersion:   tls.VersionTLS12,
		}
	}
	clientConfig := func(b *authn.TrustBundle, role string) *tls.Config {
		p, err := d.ClientPair(role)
		if err != nil {
			t.Fatal(err)
		}
		c, err := p.TLSCertificate()
		if err != nil {
			t.Fatal(err)
		}
		return &tls.Config{
			RootCAs:              b.Pool(),
			ServerName:           "localhost",
			MinVersion:           tls.VersionTLS12,
			GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &c, nil },
		}
	}

	cases := []struct {
		role    string
		bundle  *authn.TrustBundle
		wantErr error
	}{
		{"customs", strict, nil},
		{"operator", strict, nil},
		{"individual", strict, nil},
		{"peer", strict, authn.ErrUntrustedState},
		{"commission", strict, authn.ErrUntrustedState},
		{"peer", dev, nil},
		{"commission", dev, nil},
	}
	for _, tc := range cases {
		name := tc.role + "/strict"
		if tc.bundle == dev {
			name = tc.role + "/any"
		}
		t.Run("pipe/"+name, func(t *testing.T) {
			cConn, sConn := net.Pipe()
			deadline := time.Now().Add(10 * time.Second)
			cConn.SetDeadline(deadline)
			sConn.SetDeadline(deadline)
			c := tls.Client(cConn, clientConfig(tc.bundle, tc.role))
			go func() {
				c.Handshake()
				io.Copy(io.Discard, c) // read until the server closes
				cConn.Close()
			}()
			s := tls.Server(sConn, serverConfig(tc.bundle))
			if err := s.Handshake(); err != nil {
				t.Fatal(err)
			}
			sub, err := tc.bundle.Authenticate(s.ConnectionState())
			sConn.Close()
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sub.URI != d.Clients[tc.role].URI {
				t.Fatalf("subject %+v, want %s", sub, d.Clients[tc.role].URI)
			}
		})
	}

	t.Run("https", func(t *testing.T) {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sub, err := strict.AuthenticateCert(r.TLS.VerifiedChains)
			if err != nil {
				http.Error(w, err.Error(), http.StatusForbidden)
				return
			}
			io.WriteString(w, sub.URI)
		}))
		srv.TLS = serverConfig(strict)
		srv.StartTLS()
		defer srv.Close()
		for _, tc := range []struct {
			role   string
			status int
		}{{"customs", http.StatusOK}, {"peer", http.StatusForbidden}} {
			tr := &http.Transport{TLSClientConfig: clientConfig(strict, tc.role)}
			tr.TLSClientConfig.ServerName = "127.0.0.1"
			resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			tr.CloseIdleConnections()
			if resp.StatusCode != tc.status {
				t.Fatalf("%s: status %d (%s), want %d", tc.role, resp.StatusCode, body, tc.status)
			}
			if tc.status == http.StatusOK && string(body) != d.Clients[tc.role].URI {
				t.Fatalf("%s: body %q", tc.role, body)
			}
		}
	})
}

func TestAuthenticatePeerVerifiesTheChainItself(t *testing.T) {
	dir := t.TempDir()
	dev, err := pki.EnsureDevPKI(dir, "KZ")
	if err != nil {
		t.Fatal(err)
	}
	ca, err := dev.CA()
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := authn.NewTrustBundle([]authn.TrustEntry{{States: []string{"*"}, CACerts: []*x509.Certificate{ca.Cert()}}})
	if err != nil {
		t.Fatal(err)
	}
	good, err := dev.ClientPair(pki.RoleCustoms)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := good.Certificate()
	if err != nil {
		t.Fatal(err)
	}
	s, err := bundle.AuthenticatePeer([]*x509.Certificate{leaf})
	if err != nil || s.Kind != authn.KindCustoms || s.MemberState != "KZ" {
		t.Fatalf("dev customs certificate: got %+v, %v", s, err)
	}
	other, err := pki.NewCA("another CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := other.IssueClient("spiffe://eaeu/KZ/customs/55000000", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	fleaf, err := foreign.Certificate()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bundle.AuthenticatePeer([]*x509.Certificate{fleaf}); !errors.Is(err, authn.ErrUnverifiedChain) {
		t.Fatalf("certificate of another CA: want ErrUnverifiedChain, got %v", err)
	}
	if _, err := bundle.AuthenticatePeer(nil); !errors.Is(err, authn.ErrNoCertificate) {
		t.Fatalf("no certificate: want ErrNoCertificate, got %v", err)
	}
}
