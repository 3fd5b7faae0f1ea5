// Package app wires the service together: configuration, the store, TLS,
// the gRPC server and its interceptors, the HTTP/JSON gateway, metrics,
// health, and an orderly shutdown.
package app

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	typev1 "github.com/eaeu/customs-exchange/gen/eaeu/type/v1"
	"github.com/eaeu/customs-exchange/internal/api/operators"
	"github.com/eaeu/customs-exchange/internal/authn"
	"github.com/eaeu/customs-exchange/internal/rules/currency"
)

// Config is every setting of the service. Each flag can also be set by the
// environment variable named beside it in Register.
type Config struct {
	MemberState      string
	GRPCAddr         string
	HTTPAddr         string
	MetricsAddr      string
	DataDir          string
	StoreDSN         string
	TLSCert          string
	TLSKey           string
	Trust            authn.TrustFlags
	Dev              bool
	InsecurePlain    bool
	ShutdownTimeout  time.Duration
	LogLevel         string
	LogFormat        string
	RegisterOnFiling bool
	ProhibitedHS     []string
	PermitHS         []string
	PenaltyDailyRate string
	ReleaseFee       string
	Operators        operators.Requirements
	Exchange         ExchangeConfig
}

// env returns the environment value of key or def.
func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

// Register binds the flags (defaults from the environment) to c.
func (c *Config) Register(fs *flag.FlagSet) {
	fs.StringVar(&c.MemberState, "member-state", env("EAEU_MEMBER_STATE", "KZ"), "member state this node serves: AM, BY, KZ, KG or RU [EAEU_MEMBER_STATE]")
	fs.StringVar(&c.GRPCAddr, "grpc-addr", env("EAEU_GRPC_ADDR", "127.0.0.1:8443"), "gRPC listen address (mTLS) [EAEU_GRPC_ADDR]")
	fs.StringVar(&c.HTTPAddr, "http-addr", env("EAEU_HTTP_ADDR", "127.0.0.1:8444"), "HTTP/JSON gateway listen address (mTLS); empty disables it [EAEU_HTTP_ADDR]")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", env("EAEU_METRICS_ADDR", "127.0.0.1:9464"), "Prometheus /metrics listen address (plain HTTP, keep it internal); empty disables it [EAEU_METRICS_ADDR]")
	fs.StringVar(&c.DataDir, "data-dir", env("EAEU_DATA_DIR", ".data"), "directory for the embedded store and development certificates [EAEU_DATA_DIR]")
	fs.StringVar(&c.StoreDSN, "store", env("EAEU_STORE", ""), "store: a postgres:// DSN, or a SQLite file path; default <data-dir>/exchange.db [EAEU_STORE]")
	fs.StringVar(&c.TLSCert, "tls-cert", env("EAEU_TLS_CERT", ""), "server certificate PEM [EAEU_TLS_CERT]")
	fs.StringVar(&c.TLSKey, "tls-key", env("EAEU_TLS_KEY", ""), "server private key PEM [EAEU_TLS_KEY]")
	fs.Var(&c.Trust, "trust", "trusted client CA bound to member states, STATES=ca.pem (e.g. KZ=kz-ca.pem, RU,BY=peers.pem, *=dev-ca.pem); repeatable [EAEU_TRUST, space-separated]")
	fs.BoolVar(&c.Dev, "dev", env("EAEU_DEV", "") == "true", "development mode: create a dev CA, server and per-role client certificates in <data-dir>/certs and trust the dev CA for every state [EAEU_DEV=true]")
	fs.BoolVar(&c.InsecurePlain, "insecure-plaintext", false, "DEVELOPMENT ONLY: serve without TLS; the caller's identity is then taken from the x-eaeu-forwarded-subject header")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 20*time.Second, "how long in-flight calls may run after SIGTERM")
	fs.StringVar(&c.LogLevel, "log-level", env("EAEU_LOG_LEVEL", "info"), "debug, info, warn or error [EAEU_LOG_LEVEL]")
	fs.BoolVar(&c.RegisterOnFiling, "register-on-filing", env("EAEU_REGISTER_ON_FILING", "") == "true", "register e-commerce declarations as soon as they are filed [EAEU_REGISTER_ON_FILING=true]")
	fs.Func("prohibited-hs", "comma-separated HS code prefixes whose import is prohibited (release refused) [EAEU_PROHIBITED_HS]", func(v string) error {
		c.ProhibitedHS = splitList(v)
		return nil
	})
	fs.Func("permit-hs", "comma-separated HS code prefixes that need a permit number on the item for release [EAEU_PERMIT_HS]", func(v string) error {
		c.PermitHS = splitList(v)
		return nil
	})
	fs.StringVar(&c.PenaltyDailyRate, "penalty-daily-rate", env("EAEU_PENALTY_DAILY_RATE", "0.0001"), "share of an unpaid e-commerce duty accrued as penalty per day after the notice of unpaid amounts [EAEU_PENALTY_DAILY_RATE]")
	fs.StringVar(&c.ReleaseFee, "release-fee", env("EAEU_RELEASE_FEE", "0"), "customs fees due before release per e-commerce declaration, in the national currency; 0 for none [EAEU_RELEASE_FEE]")
	c.Operators.QualifiedEmployees = true
	c.Operators.SecurityMinimum = &typev1.Money{CurrencyCode: "EUR", Amount: "1000000"}
	fs.Func("operator-security-minimum", "minimum security of an e-commerce operator, \"AMOUNT CUR\": the Commission's amount or a higher national one (default \"1000000 EUR\") [EAEU_OPERATOR_SECURITY_MINIMUM]", func(v string) error {
		m, err := parseMoney(v)
		c.Operators.SecurityMinimum = m
		return err
	})
	fs.Func("operator-security-minimum-for-sale", "minimum security when the scope includes goods for sale to individuals, \"AMOUNT CUR\" (default: the same) [EAEU_OPERATOR_SECURITY_MINIMUM_FOR_SALE]", func(v string) error {
		m, err := parseMoney(v)
		c.Operators.SecurityMinimumForSale = m
		return err
	})
	fs.BoolVar(&c.Operators.QualifiedEmployees, "operator-qualified-employees", env("EAEU_OPERATOR_QUALIFIED_EMPLOYEES", "true") == "true", "the member state requires at least 2 qualified employees (art. 429.2(3)) [EAEU_OPERATOR_QUALIFIED_EMPLOYEES]")
	fs.Func("operator-extra-conditions", "the member state's extra conditions, \"code=description;...\" (art. 429.2(2)) [EAEU_OPERATOR_EXTRA_CONDITIONS]", func(v string) error {
		var err error
		c.Operators.ExtraConditions, err = parseConditions(v)
		return err
	})
	c.Exchange.register(fs)
	fs.StringVar(&c.LogFormat, "log-format", env("EAEU_LOG_FORMAT", "json"), "json or text [EAEU_LOG_FORMAT]")
}

// Finish applies the environment to repeatable flags and checks the whole.
func (c *Config) Finish() error {
	if len(c.Trust) == 0 {
		for _, t := range strings.Fields(os.Getenv("EAEU_TRUST")) {
			if err := c.Trust.Set(t); err != nil {
				return fmt.Errorf("EAEU_TRUST: %w", err)
			}
		}
	}
	if c.ProhibitedHS == nil {
		c.ProhibitedHS = splitList(os.Getenv("EAEU_PROHIBITED_HS"))
	}
	if c.PermitHS == nil {
		c.PermitHS = splitList(os.Getenv("EAEU_PERMIT_HS"))
	}
	for _, p := range append(append([]string{}, c.ProhibitedHS...), c.PermitHS...) {
		if len(p) < 2 || len(p) > 10 || strings.Trim(p, "0123456789") != "" {
			return fmt.Errorf("HS prefix %q: want 2 to 10 digits", p)
		}
	}
	for env, dst := range map[string]**typev1.Money{"EAEU_OPERATOR_SECURITY_MINIMUM": &c.Operators.SecurityMinimum,
		"EAEU_OPERATOR_SECURITY_MINIMUM_FOR_SALE": &c.Operators.SecurityMinimumForSale} {
		if v := os.Getenv(env); v != "" {
			m, err := parseMoney(v)
			if err != nil {
				return fmt.Errorf("%s: %w", env, err)
			}
			*dst = m
		}
	}
	if v := os.Getenv("EAEU_OPERATOR_EXTRA_CONDITIONS"); v != "" && c.Operators.ExtraConditions == nil {
		conds, err := parseConditions(v)
		if err != nil {
			return fmt.Errorf("EAEU_OPERATOR_EXTRA_CONDITIONS: %w", err)
		}
		c.Operators.ExtraConditions = conds
	}
	if c.PenaltyDailyRate == "" {
		c.PenaltyDailyRate = "0"
	}
	if r, _, err := apd.NewFromString(c.PenaltyDailyRate); err != nil || r.Sign() < 0 || r.Cmp(apd.New(1, 0)) > 0 {
		return fmt.Errorf("--penalty-daily-rate %q: want a decimal between 0 and 1", c.PenaltyDailyRate)
	}
	if c.ReleaseFee == "" {
		c.ReleaseFee = "0"
	}
	if f, _, err := apd.NewFromString(c.ReleaseFee); err != nil || f.Sign() < 0 || f.Form != apd.Finite {
		return fmt.Errorf("--release-fee %q: want a non-negative decimal amount in the national currency", c.ReleaseFee)
	}
	if !authn.IsMemberState(c.MemberState) {
		return fmt.Errorf("--member-state %q: want AM, BY, KZ, KG or RU", c.MemberState)
	}
	if c.StoreDSN == "" {
		c.StoreDSN = filepath.Join(c.DataDir, "exchange.db")
	}
	if err := c.Exchange.finish(); err != nil {
		return err
	}
	if c.InsecurePlain {
		return nil
	}
	if c.Dev {
		return nil // certificates come from the dev PKI
	}
	if c.TLSCert == "" || c.TLSKey == "" {
		return fmt.Errorf("--tls-cert and --tls-key are required (or --dev for development certificates)")
	}
	if len(c.Trust) == 0 {
		return fmt.Errorf("--trust is required: at least one client CA bound to member states")
	}
	return nil
}

// CertsDir is where development certificates live.
func (c *Config) CertsDir() string { return filepath.Join(c.DataDir, "certs") }

func splitList(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// parseMoney reads "AMOUNT CUR", e.g. "1000000 EUR".
func parseMoney(v string) (*typev1.Money, error) {
	f := strings.Fields(v)
	if len(f) != 2 || !currency.Known(f[1]) {
		return nil, fmt.Errorf("%q: want \"AMOUNT CUR\", e.g. \"1000000 EUR\"", v)
	}
	if d, _, err := apd.NewFromString(f[0]); err != nil || d.Sign() < 0 {
		return nil, fmt.Errorf("%q: the amount is not a non-negative decimal", v)
	}
	return &typev1.Money{Amount: f[0], CurrencyCode: f[1]}, nil
}

// parseConditions reads "code=description;code=description".
func parseConditions(v string) (map[string]string, error) {
	out := map[string]string{}
	for _, part := range strings.Split(v, ";") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		code, desc, ok := strings.Cut(part, "=")
		code = strings.TrimSpace(code)
		if !ok || code == "" || strings.Trim(code, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return nil, fmt.Errorf("%q: want code=description with a lower-case code", part)
		}
		out[code] = strings.TrimSpace(desc)
	}
	return out, nil
}
