package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/eaeu/customs-exchange/client"
	auditv1 "github.com/eaeu/customs-exchange/gen/eaeu/audit/v1"
	authv1 "github.com/eaeu/customs-exchange/gen/eaeu/auth/v1"
	referencev1 "github.com/eaeu/customs-exchange/gen/eaeu/reference/v1"
	"github.com/eaeu/customs-exchange/internal/pki"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func wantCode(t *testing.T, err error, code codes.Code, reason string) *status.Status {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != code {
		t.Fatalf("want %s, got %v", code, err)
	}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			if info.GetReason() != reason {
				t.Fatalf("want reason %s, got %s", reason, info.GetReason())
			}
			return st
		}
	}
	t.Fatalf("no ErrorInfo in %v", err)
	return st
}

func violations(st *status.Status) map[string]string {
	out := map[string]string{}
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out[v.GetField()] = v.GetDescription()
			}
		}
	}
	return out
}

func body(code string) *referencev1.CustomsBody {
	return &referencev1.CustomsBody{Code: code, MemberState: "RU", DisplayName: "Central Excise Customs",
		Endpoint: "ru-node.example:8443", DesignatedForRequests: true}
}

func TestEndToEnd(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			n := startNode(t, t.TempDir(), b.dsn(t))
			t.Run("SDKReferenceData", func(t *testing.T) { testSDKReferenceData(t, n) })
			t.Run("Idempotency", func(t *testing.T) { testIdempotency(t, n) })
			t.Run("BadInput", func(t *testing.T) { testBadInput(t, n) })
			t.Run("Calendar", func(t *testing.T) { testCalendar(t, n) })
			t.Run("ExchangeRates", func(t *testing.T) { testExchangeRates(t, n) })
			t.Run("RefusalsAudited", func(t *testing.T) { testRefusalsAudited(t, n) })
			t.Run("Grpcurl", func(t *testing.T) { testGrpcurl(t, n) })
			t.Run("Gateway", func(t *testing.T) { testGateway(t, n) })
			t.Run("AuditChainVerifies", func(t *testing.T) { testAuditVerify(t, n) })
		})
	}
}

func testSDKReferenceData(t *testing.T, n *node) {
	ctx := ctxT(t)
	c := n.sdk(pki.RoleCustoms)
	id, err := c.Identity.GetCallerIdentity(ctx, &authv1.GetCallerIdentityRequest{})
	if err != nil || id.GetIdentity().GetRole() != authv1.Role_ROLE_CUSTOMS || id.GetIdentity().GetMemberState() != "KZ" {
		t.Fatalf("identity: %v %v", id, err)
	}
	created, err := c.CustomsBodies.CreateCustomsBody(ctx, &referencev1.CreateCustomsBodyRequest{CustomsBody: body("10000000")})
	if err != nil {
		t.Fatal(err)
	}
	if created.GetCustomsBody().GetName() != "customsBodies/10000000" || created.GetCustomsBody().GetEtag() != "1" {
		t.Fatalf("created: %v", created)
	}
	_, err = c.CustomsBodies.CreateCustomsBody(ctx, &referencev1.CreateCustomsBodyRequest{CustomsBody: body("10000000")})
	wantCode(t, err, codes.AlreadyExists, "REASON_ALREADY_EXISTS")

	// A peer may read the directory; the update is the customs role's.
	peer := n.sdk(pki.RolePeer)
	got, err := peer.CustomsBodies.GetCustomsBody(ctx, &referencev1.GetCustomsBodyRequest{Name: "customsBodies/10000000"})
	if err != nil || got.GetCustomsBody().GetDisplayName() != "Central Excise Customs" {
		t.Fatalf("peer get: %v %v", got, err)
	}
	upd := &referencev1.UpdateCustomsBodyRequest{
		CustomsBody: &referencev1.CustomsBody{Name: "customsBodies/10000000", DisplayName: "Renamed", Endpoint: "ignored:1",
			ExchangeOfficials: []*referencev1.ExchangeOfficial{{PeerMemberState: "KZ", Duty: referencev1.ExchangeDuty_EXCHANGE_DUTY_RECEIVING, FullName: "A. Petrov"}}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name", "exchange_officials"}},
	}
	_, err = peer.CustomsBodies.UpdateCustomsBody(ctx, upd)
	wantCode(t, err, codes.PermissionDenied, "REASON_PERMISSION_DENIED")
	u, err := c.CustomsBodies.UpdateCustomsBody(ctx, upd)
	if err != nil {
		t.Fatal(err)
	}
	if u.GetCustomsBody().GetDisplayName() != "Renamed" || u.GetCustomsBody().GetEndpoint() != "ru-node.example:8443" ||
		len(u.GetCustomsBody().GetExchangeOfficials()) != 1 || u.GetCustomsBody().GetEtag() != "2" {
		t.Fatalf("field mask not honoured: %v", u)
	}
	// A stale etag is refused.
	upd.CustomsBody.Etag = "1"
	upd.RequestId = ""
	_, err = c.CustomsBodies.UpdateCustomsBody(ctx, upd)
	wantCode(t, err, codes.Aborted, "REASON_ETAG_MISMATCH")

	for _, code := range []string{"10000001", "10000002", "55000000"} {
		b := body(code)
		if code == "55000000" {
			b.MemberState = "KZ"
		}
		if _, err := c.CustomsBodies.CreateCustomsBody(ctx, &referencev1.CreateCustomsBodyRequest{CustomsBody: b}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	token := ""
	for {
		page, err := c.CustomsBodies.ListCustomsBodies(ctx, &referencev1.ListCustomsBodiesRequest{MemberState: "RU", PageSize: 2, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range page.GetCustomsBodies() {
			names = append(names, b.GetCode())
		}
		if token = page.GetNextPageToken(); token == "" {
			break
		}
	}
	if strings.Join(names, ",") != "10000000,10000001,10000002" {
		t.Fatalf("paged RU list: %v", names)
	}
	_, err = c.CustomsBodies.ListCustomsBodies(ctx, &referencev1.ListCustomsBodiesRequest{MemberState: "KZ", PageToken: "bm90LWEtdG9rZW4"})
	wantCode(t, err, codes.InvalidArgument, "REASON_INVALID_FIELD")
}

func testIdempotency(t *testing.T, n *node) {
	ctx := ctxT(t)
	c := n.sdk(pki.RoleCustoms)
	req := &referencev1.CreateCustomsBodyRequest{RequestId: "retry-0001-abcdef", CustomsBody: body("10000100")}
	first, err := c.CustomsBodies.CreateCustomsBody(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.CustomsBodies.CreateCustomsBody(ctx, req)
	if err != nil {
		t.Fatalf("a retry must return the first response, got %v", err)
	}
	if again.GetCustomsBody().GetCreateTime().AsTime() != first.GetCustomsBody().GetCreateTime().AsTime() {
		t.Fatal("the retry did not return the first response")
	}
	recs, err := c.Audit.ListAuditRecords(ctx, &auditv1.ListAuditRecordsRequest{Resource: "customsBodies/10000100"})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs.GetAuditRecords()) != 1 {
		t.Fatalf("a retry must write nothing: %d audit records", len(recs.GetAuditRecords()))
	}
	other := &referencev1.CreateCustomsBodyRequest{RequestId: "retry-0001-abcdef", CustomsBody: body("10000101")}
	_, err = c.CustomsBodies.CreateCustomsBody(ctx, other)
	wantCode(t, err, codes.Aborted, "REASON_REQUEST_ID_REUSED")
	_, err = c.CustomsBodies.GetCustomsBody(ctx, &referencev1.GetCustomsBodyRequest{Name: "customsBodies/10000101"})
	wantCode(t, err, codes.NotFound, "REASON_NOT_FOUND")
}

func testBadInput(t *testing.T, n *node) {
	ctx := ctxT(t)
	c := n.sdk(pki.RoleCustoms)
	_, err := c.CustomsBodies.CreateCustomsBody(ctx, &referencev1.CreateCustomsBodyRequest{CustomsBody: &referencev1.CustomsBody{
		Code: "12AB", MemberState: "XX", Endpoint: "not an endpoint",
	}})
	st := wantCode(t, err, codes.InvalidArgument, "REASON_INVALID_FIELD")
	v := violations(st)
	for _, f := range []string{"customs_body.code", "customs_body.member_state", "customs_body.endpoint"} {
		if v[f] == "" {
			t.Errorf("no field violation for %s in %v", f, v)
		}
	}
	_, err = c.CustomsBodies.CreateCustomsBody(ctx, &referencev1.CreateCustomsBodyRequest{CustomsBody: &referencev1.CustomsBody{Code: "12345678"}})
	st = wantCode(t, err, codes.InvalidArgument, "REASON_INVALID_FIELD")
	if v := violations(st); v["customs_body.member_state"] == "" || v["customs_body.display_name"] == "" {
		t.Errorf("missing required fields not reported: %v", v)
	}
	_, err = c.CustomsBodies.GetCustomsBody(ctx, &referencev1.GetCustomsBodyRequest{Name: "customsBodies/12345678"})
	wantCode(t, err, codes.NotFound, "REASON_NOT_FOUND")
	_, err = c.DutySchedules.CreateDutySchedule(ctx, &referencev1.CreateDutyScheduleRequest{DutyScheduleId: "eec-bad",
		DutySchedule: &referencev1.DutySchedule{Jurisdiction: "EEC", EffectiveDate: "2026-02-30", Shape: referencev1.DutyShape_DUTY_SHAPE_OVER_NORM,
			NormCurrencyCode: "EUR", ValueNorm: "200", WeightNormKg: "31", Rate: "0.15", MinimumPerKg: "2", LegalBasis: "x",
			NationalTaxes: []*referencev1.NationalTax{{Code: "vat", Rate: "0.12"}}}})
	st = wantCode(t, err, codes.InvalidArgument, "REASON_INVALID_FIELD")
	if v := violations(st); v["duty_schedule.effective_date"] == "" || v["duty_schedule.national_taxes"] == "" {
		t.Errorf("schedule violations: %v", v)
	}
}

func testCalendar(t *testing.T, n *node) {
	ctx := ctxT(t)
	c := n.sdk(pki.RoleCustoms)
	cal, err := c.Calendars.GetCalendar(ctx, &referencev1.GetCalendarRequest{Name: "calendars/KZ"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Calendars.UpdateCalendar(ctx, &referencev1.UpdateCalendarRequest{
		Calendar: &referencev1.Calendar{Name: "calendars/KZ", Etag: cal.GetCalendar().GetEtag(), Exceptions: []*referencev1.CalendarDay{
			{Date: "2026-12-16", Kind: referencev1.DayKind_DAY_KIND_HOLIDAY, Description: "Independence Day"},
			{Date: "2026-12-19", Kind: referencev1.DayKind_DAY_KIND_WORKING, Description: "transfer"},
		}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"exceptions"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Public callers compute deadlines: no certificate needed.
	pub := n.sdk("")
	// Mon 14 Dec 2026 + 3 working days: 15 (Tue), 16 holiday, 17 (Thu), 18 (Fri).
	d, err := pub.Calendars.ComputeDate(ctx, &referencev1.ComputeDateRequest{Calendar: "calendars/KZ", StartDate: "2026-12-14",
		Period: &referencev1.ComputeDateRequest_WorkingDays{WorkingDays: 3}})
	if err != nil || d.GetDate() != "2026-12-18" {
		t.Fatalf("3 working days over a holiday: %v %v", d, err)
	}
	// art. 371: one month, clamped to the month's end.
	d, err = pub.Calendars.ComputeDate(ctx, &referencev1.ComputeDateRequest{Calendar: "calendars/KZ", StartDate: "2027-01-31",
		Period: &referencev1.ComputeDateRequest_Months{Months: 1}})
	if err != nil || d.GetDate() != "2027-02-28" {
		t.Fatalf("one month from 31 January: %v %v", d, err)
	}
	w, err := pub.Calendars.CheckWorkingDay(ctx, &referencev1.CheckWorkingDayRequest{Calendar: "calendars/KZ", Date: "2026-12-19"})
	if err != nil || !w.GetWorkingDay() || !strings.HasPrefix(w.GetReason(), "transfer") {
		t.Fatalf("transferred Saturday: %v %v", w, err)
	}
	_, err = c.Calendars.UpdateCalendar(ctx, &referencev1.UpdateCalendarRequest{
		Calendar: &referencev1.Calendar{Name: "calendars/KZ", Exceptions: []*referencev1.CalendarDay{
			{Date: "2026-12-17", Kind: referencev1.DayKind_DAY_KIND_WORKING}}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"exceptions"}},
	})
	wantCode(t, err, codes.InvalidArgument, "REASON_INVALID_FIELD")
	_, err = pub.Calendars.UpdateCalendar(ctx, &referencev1.UpdateCalendarRequest{
		Calendar: &referencev1.Calendar{Name: "calendars/KZ"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"exceptions"}}})
	wantCode(t, err, codes.Unauthenticated, "REASON_UNAUTHENTICATED")
}

func testExchangeRates(t *testing.T, n *node) {
	ctx := ctxT(t)
	c := n.sdk(pki.RoleCustoms)
	_, err := c.ExchangeRates.CreateExchangeRates(ctx, &referencev1.CreateExchangeRatesRequest{ExchangeRates: []*referencev1.ExchangeRate{
		{CurrencyCode: "EUR", EffectiveDate: "2026-11-16", Rate: "540.1200"},
		{CurrencyCode: "EUR", EffectiveDate: "2026-11-23", Rate: "541.0000000001"},
		{CurrencyCode: "USD", EffectiveDate: "2026-11-23", Rate: "498.5"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	pub := n.sdk("")
	r, err := pub.ExchangeRates.ResolveExchangeRate(ctx, &referencev1.ResolveExchangeRateRequest{CurrencyCode: "EUR", Date: "2026-11-20"})
	if err != nil || r.GetExchangeRate().GetRate() != "540.1200" || r.GetExchangeRate().GetQuoteCurrencyCode() != "KZT" {
		t.Fatalf("rate in force on 20 Nov must be the 16 Nov one, exactly: %v %v", r, err)
	}
	r, err = pub.ExchangeRates.ResolveExchangeRate(ctx, &referencev1.ResolveExchangeRateRequest{CurrencyCode: "EUR", Date: "2026-12-01"})
	if err != nil || r.GetExchangeRate().GetRate() != "541.0000000001" {
		t.Fatalf("latest rate, exactly: %v %v", r, err)
	}
	_, err = pub.ExchangeRates.ResolveExchangeRate(ctx, &referencev1.ResolveExchangeRateRequest{CurrencyCode: "EUR", Date: "2026-01-01"})
	wantCode(t, err, codes.NotFound, "REASON_NO_EXCHANGE_RATE")
	_, err = c.ExchangeRates.CreateExchangeRates(ctx, &referencev1.CreateExchangeRatesRequest{ExchangeRates: []*referencev1.ExchangeRate{
		{CurrencyCode: "CNY", EffectiveDate: "2026-11-23", Rate: "70"},
		{CurrencyCode: "EUR", EffectiveDate: "2026-11-23", Rate: "999"},
	}})
	wantCode(t, err, codes.AlreadyExists, "REASON_ALREADY_EXISTS")
	_, err = pub.ExchangeRates.GetExchangeRate(ctx, &referencev1.GetExchangeRateRequest{Name: "exchangeRates/CNY/2026-11-23"})
	wantCode(t, err, codes.NotFound, "REASON_NOT_FOUND") // the batch was all or nothing
	_, err = c.ExchangeRates.CreateExchangeRates(ctx, &referencev1.CreateExchangeRatesRequest{ExchangeRates: []*referencev1.ExchangeRate{
		{CurrencyCode: "ZZZ", EffectiveDate: "2026-11-23", Rate: "1"}, {CurrencyCode: "KZT", EffectiveDate: "2026-11-23", Rate: "1"}}})
	st := wantCode(t, err, codes.InvalidArgument, "REASON_INVALID_FIELD")
	if v := violations(st); v["exchange_rates[0].currency_code"] == "" || v["exchange_rates[1].currency_code"] == "" {
		t.Fatalf("currency violations: %v", v)
	}
	l, err := pub.ExchangeRates.ListExchangeRates(ctx, &referencev1.ListExchangeRatesRequest{CurrencyCode: "EUR", PageSize: 1})
	if err != nil || len(l.GetExchangeRates()) != 1 || l.GetExchangeRates()[0].GetEffectiveDate() != "2026-11-23" || l.GetNextPageToken() == "" {
		t.Fatalf("list newest first: %v %v", l, err)
	}
}

func testRefusalsAudited(t *testing.T, n *node) {
	ctx := ctxT(t)
	audit := n.sdk(pki.RoleCustoms).Audit
	count := func(outcome auditv1.Outcome, method string) int {
		r, err := audit.ListAuditRecords(ctx, &auditv1.ListAuditRecordsRequest{Outcome: outcome, Method: method, PageSize: 1000})
		if err != nil {
			t.Fatal(err)
		}
		return len(r.GetAuditRecords())
	}
	const listAudit = "/eaeu.audit.v1.AuditService/ListAuditRecords"

	// No client certificate.
	before := count(auditv1.Outcome_OUTCOME_UNAUTHENTICATED, listAudit)
	_, err := n.sdk("").Audit.ListAuditRecords(ctx, &auditv1.ListAuditRecordsRequest{})
	wantCode(t, err, codes.Unauthenticated, "REASON_UNAUTHENTICATED")
	if count(auditv1.Outcome_OUTCOME_UNAUTHENTICATED, listAudit) != before+1 {
		t.Fatal("call without a certificate not audited")
	}

	// A certificate from another CA, claiming to be our customs.
	other, err := pki.NewCA("another CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := other.IssueClient("spiffe://eaeu/KZ/customs/55000000", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	_ = os.WriteFile(filepath.Join(dir, "f.pem"), forged.CertPEM, 0o600)
	_ = os.WriteFile(filepath.Join(dir, "f-key.pem"), forged.KeyPEM, 0o600)
	fc, err := client.Dial(n.grpc, client.WithCertificates(n.caFile(), filepath.Join(dir, "f.pem"), filepath.Join(dir, "f-key.pem")))
	if err != nil {
		t.Fatal(err)
	}
	defer fc.Close()
	before = count(auditv1.Outcome_OUTCOME_UNAUTHENTICATED, listAudit)
	_, err = fc.Audit.ListAuditRecords(ctx, &auditv1.ListAuditRecordsRequest{})
	wantCode(t, err, codes.Unauthenticated, "REASON_UNAUTHENTICATED")
	// Even a public RPC refuses a certificate that does not hold up.
	_, err = fc.Identity.GetCallerIdentity(ctx, &authv1.GetCallerIdentityRequest{})
	wantCode(t, err, codes.Unauthenticated, "REASON_UNAUTHENTICATED")
	if count(auditv1.Outcome_OUTCOME_UNAUTHENTICATED, listAudit) != before+1 {
		t.Fatal("certificate of another CA not audited")
	}

	// A role not allowed for the RPC.
	before = count(auditv1.Outcome_OUTCOME_PERMISSION_DENIED, listAudit)
	_, err = n.sdk(pki.RoleOperator).Audit.ListAuditRecords(ctx, &auditv1.ListAuditRecordsRequest{})
	wantCode(t, err, codes.PermissionDenied, "REASON_PERMISSION_DENIED")
	r, err := audit.ListAuditRecords(ctx, &auditv1.ListAuditRecordsRequest{Outcome: auditv1.Outcome_OUTCOME_PERMISSION_DENIED, Method: listAudit, PageSize: 1000})
	if err != nil || len(r.GetAuditRecords()) != before+1 {
		t.Fatalf("wrong role not audited: %v", err)
	}
	last := r.GetAuditRecords()[len(r.GetAuditRecords())-1]
	if last.GetActorSubject() != "spiffe://eaeu/KZ/operator/KZ-OP-0001" || last.GetActorRole() != "ROLE_OPERATOR" || last.GetStatusCode() != "PERMISSION_DENIED" {
		t.Fatalf("audit record of the refusal: %v", last)
	}
	// The Commission may read the audit trail.
	if _, err := n.sdk(pki.RoleCommission).Audit.ListAuditRecords(ctx, &auditv1.ListAuditRecordsRequest{PageSize: 1}); err != nil {
		t.Fatal(err)
	}
}

func testGrpcurl(t *testing.T, n *node) {
	out, err := n.grpcurl(pki.RoleCustoms, n.grpc, "list")
	if err != nil || !strings.Contains(out, "eaeu.reference.v1.CalendarService") || !strings.Contains(out, "grpc.health.v1.Health") {
		t.Fatalf("grpcurl list: %v\n%s", err, out)
	}
	out, err = n.grpcurl(pki.RoleCustoms, n.grpc, "grpc.health.v1.Health/Check")
	if err != nil || !strings.Contains(out, "SERVING") {
		t.Fatalf("grpcurl health: %v\n%s", err, out)
	}
	out, err = n.grpcurl(pki.RoleCustoms, "-d", `{"customs_body":{"code":"41700000","member_state":"KG","display_name":"KG customs"}}`,
		n.grpc, "eaeu.reference.v1.CustomsBodyService/CreateCustomsBody")
	if err != nil || !strings.Contains(out, `"name": "customsBodies/41700000"`) {
		t.Fatalf("grpcurl create: %v\n%s", err, out)
	}
	out, err = n.grpcurl("", n.grpc, "eaeu.auth.v1.IdentityService/GetCallerIdentity")
	if err != nil || !strings.Contains(out, "ROLE_PUBLIC") {
		t.Fatalf("grpcurl without certificate: %v\n%s", err, out)
	}
	out, err = n.grpcurl(pki.RoleIndividual, n.grpc, "eaeu.audit.v1.AuditService/VerifyAuditChain")
	if err == nil || !strings.Contains(out, "PermissionDenied") {
		t.Fatalf("grpcurl with a role not allowed: %v\n%s", err, out)
	}
}

func getJSON(t *testing.T, hc *http.Client, method, url, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s %s: not JSON: %s", method, url, b)
	}
	return resp.StatusCode, m
}

func testGateway(t *testing.T, n *node) {
	base := "https://" + n.http
	code, m := getJSON(t, n.https(pki.RoleCommission), "GET", base+"/v1/identity", "")
	if code != 200 || m["identity"].(map[string]any)["role"] != "ROLE_COMMISSION" {
		t.Fatalf("identity through the gateway: %d %v", code, m)
	}
	code, m = getJSON(t, n.https(pki.RoleCustoms), "POST", base+"/v1/customsBodies",
		`{"code":"06000000","memberState":"BY","displayName":"State Customs Committee"}`)
	if code != 200 || m["customsBody"].(map[string]any)["name"] != "customsBodies/06000000" {
		t.Fatalf("create through the gateway: %d %v", code, m)
	}
	code, m = getJSON(t, n.https(pki.RolePeer), "GET", base+"/v1/customsBodies/06000000", "")
	if code != 200 || m["customsBody"].(map[string]any)["displayName"] != "State Customs Committee" {
		t.Fatalf("get through the gateway: %d %v", code, m)
	}
	code, m = getJSON(t, n.https(""), "GET", base+"/v1/dutySchedules:resolve?member_state=KZ&date=2026-11-23", "")
	if code != 200 || m["commission"].(map[string]any)["valueNorm"] != "200" {
		t.Fatalf("public schedule through the gateway: %d %v", code, m)
	}
	code, m = getJSON(t, n.https(""), "GET", base+"/v1/customsBodies", "")
	if code != 401 {
		t.Fatalf("no certificate through the gateway: want 401, got %d %v", code, m)
	}
	code, _ = getJSON(t, n.https(pki.RoleIndividual), "GET", base+"/v1/auditRecords", "")
	if code != 403 {
		t.Fatalf("wrong role through the gateway: want 403, got %d", code)
	}
	code, m = getJSON(t, n.https(pki.RoleCustoms), "POST", base+"/v1/customsBodies", `{"code":"1"}`)
	if code != 400 || !strings.Contains(mustJSON(m), "customs_body.code") {
		t.Fatalf("bad input through the gateway: %d %v", code, m)
	}
	// A forged forwarded-subject header is ignored: still public.
	req, _ := http.NewRequest("GET", base+"/v1/identity", nil)
	req.Header.Set("Grpc-Metadata-X-Eaeu-Forwarded-Subject", "spiffe://eaeu/KZ/customs/55000000")
	req.Header.Set("X-Eaeu-Forwarded-Subject", "spiffe://eaeu/KZ/customs/55000000")
	resp, err := n.https("").Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "ROLE_PUBLIC") {
		t.Fatalf("forged subject header must be ignored: %s", b)
	}
	code, m = getJSON(t, n.https(""), "GET", base+"/openapi.json", "")
	if code != 200 || m["paths"] == nil {
		t.Fatalf("openapi document: %d", code)
	}
	// A client certificate from another CA through the gateway.
	other, _ := pki.NewCA("another CA", time.Hour)
	forged, _ := other.IssueClient("spiffe://eaeu/KZ/customs/55000000", time.Hour)
	pair, _ := forged.TLSCertificate()
	hc := n.https("")
	hc.Transport.(*http.Transport).TLSClientConfig.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }
	code, _ = getJSON(t, hc, "GET", base+"/v1/customsBodies", "")
	if code != 401 {
		t.Fatalf("foreign certificate through the gateway: want 401, got %d", code)
	}
	// Metrics count the calls per RPC.
	resp, err = http.Get("http://" + n.metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `grpc_server_handled_total{grpc_code="OK",grpc_method="CreateCustomsBody"`) {
		t.Fatalf("per-RPC metrics missing")
	}
	// The embedded store's single writer reports its calls and busy time;
	// PostgreSQL has no single writer to report.
	writes := regexp.MustCompile(`(?m)^eaeu_store_writer_calls_total ([0-9.e+]+)$`).FindStringSubmatch(string(b))
	busy := strings.Contains(string(b), `eaeu_store_writer_busy_seconds_total{phase="commit"}`)
	if !strings.HasPrefix(n.storeDSN, "postgres") {
		if writes == nil || writes[1] == "0" || !busy {
			t.Fatalf("embedded store: writer metrics missing or zero after writes: %v, busy %v", writes, busy)
		}
	} else if writes != nil || busy {
		t.Fatal("PostgreSQL store reports single-writer metrics")
	}
}

func mustJSON(m map[string]any) string {
	b, _ := json.Marshal(m)
	return string(b)
}

func testAuditVerify(t *testing.T, n *node) {
	v, err := n.sdk(pki.RoleCustoms).Audit.VerifyAuditChain(ctxT(t), &auditv1.VerifyAuditChainRequest{})
	if err != nil || !v.GetIntact() || v.GetRecordsChecked() < 10 {
		t.Fatalf("verify: %v %v", v, err)
	}
}

// TestAuditTamperDetected edits a stored audit record directly in the
// database and shows that both the RPC and the command line find it.
func TestAuditTamperDetected(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			dir := t.TempDir()
			dsn := b.dsn(t)
			n := startNode(t, dir, dsn)
			ctx := ctxT(t)
			c := n.sdk(pki.RoleCustoms)
			for _, code := range []string{"20000001", "20000002", "20000003"} {
				b := body(code)
				if _, err := c.CustomsBodies.CreateCustomsBody(ctx, &referencev1.CreateCustomsBodyRequest{CustomsBody: b}); err != nil {
					t.Fatal(err)
				}
			}
			if dsn == "" {
				dsn = filepath.Join(dir, "exchange.db")
			}
			tamper(t, dsn, "UPDATE audit_records SET detail = 'edited' WHERE sequence = 2")
			v, err := c.Audit.VerifyAuditChain(ctx, &auditv1.VerifyAuditChainRequest{})
			if err != nil || v.GetIntact() || v.GetFirstBrokenSequence() != 2 {
				t.Fatalf("tampering not found: %v %v", v, err)
			}
			if err := n.stop(); err != nil {
				t.Fatalf("graceful stop: %v", err)
			}
			out, err := exec.Command(serverBin, "audit-verify", "--data-dir", dir, "--store", dsn).CombinedOutput()
			if err == nil || !strings.Contains(string(out), "BROKEN at record 2") {
				t.Fatalf("audit-verify must fail at record 2: %v\n%s", err, out)
			}
		})
	}
}

// TestLogsHoldNoPersonalIdentifiers: an individual's id (a personal
// identifier) appears in the log only as a hash.
func TestLogsHoldNoPersonalIdentifiers(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir, "")
	ctx := ctxT(t)
	ind := n.sdk(pki.RoleIndividual)
	if _, err := ind.Identity.GetCallerIdentity(ctx, &authv1.GetCallerIdentityRequest{}); err != nil {
		t.Fatal(err)
	}
	_, _ = ind.Audit.ListAuditRecords(ctx, &auditv1.ListAuditRecordsRequest{}) // refused, logged
	if err := n.stop(); err != nil {
		t.Fatal(err)
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "server-*.log"))
	var all strings.Builder
	for _, f := range logs {
		b, _ := os.ReadFile(f)
		all.Write(b)
	}
	text := all.String()
	if !strings.Contains(text, "/individual/~") {
		t.Fatalf("the individual's calls are not in the log at all:\n%s", text)
	}
	if strings.Contains(text, "dev-individual") {
		t.Fatalf("an individual's id appears in clear in the log")
	}
}
