package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/eaeu/customs-exchange/client"
	auditv1 "github.com/eaeu/customs-exchange/gen/eaeu/audit/v1"
	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	operatorsv1 "github.com/eaeu/customs-exchange/gen/eaeu/operators/v1"
	referencev1 "github.com/eaeu/customs-exchange/gen/eaeu/reference/v1"
	typev1 "github.com/eaeu/customs-exchange/gen/eaeu/type/v1"
	"github.com/eaeu/customs-exchange/internal/app"
	"github.com/eaeu/customs-exchange/internal/pki"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
)

// TestWarehouseLife follows goods for sale to individuals in an operator's
// customs warehouse (art. 309.6) over gRPC and the gateway.
func TestWarehouseLife(t *testing.T) {
	// The periodic sweep runs once at start and then not again during the
	// test, so that the counts of RunDueSweep are the test's own.
	t.Setenv(app.WarehouseSweepIntervalEnv, "1h")
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			n := startNode(t, t.TempDir(), b.dsn(t))
			seedDeclarationReference(t, n)
			registerDevOperator(t, n)
			other := operatorClient(t, n, "KZ-OP-0002")
			registerOperatorAs(t, n, other, "KZ-OP-0002")
			w := testWarehousePurchases(t, n, other)
			testWarehouseEvents(t, n, other, w)
			testWarehouseSweep(t, n, w)
			testWarehouseBadInput(t, n)
			testWarehouseThroughGateway(t, n)
		})
	}
}

// operatorClient is an SDK client with a dev-CA certificate for another
// operator legal entity.
func operatorClient(t *testing.T, n *node, id string) *client.Client {
	t.Helper()
	dev, err := pki.EnsureDevPKI(n.certs, "KZ")
	if err != nil {
		t.Fatal(err)
	}
	ca, err := dev.CA()
	if err != nil {
		t.Fatal(err)
	}
	pair, err := ca.IssueClient("spiffe://eaeu/KZ/operator/"+id, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert, key := filepath.Join(dir, id+".pem"), filepath.Join(dir, id+"-key.pem")
	if err := os.WriteFile(cert, pair.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pair.KeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(n.grpc, client.WithCertificates(n.caFile(), cert, key))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func registerOperatorAs(t *testing.T, n *node, c *client.Client, legalEntity string) {
	ctx := ctxT(t)
	a := application(inYears(3))
	a.Details.LegalEntityNumber = legalEntity
	sub, err := c.Register.SubmitApplication(ctx, &operatorsv1.SubmitApplicationRequest{Application: a})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.sdk(pki.RoleCustoms).Register.DecideApplication(ctx, &operatorsv1.DecideApplicationRequest{Name: sub.GetApplication().GetName(), Include: true}); err != nil {
		t.Fatal(err)
	}
}

// warehouseToday is today's date in the node's member state.
func warehouseToday() time.Time { return dates.Local(time.Now(), "KZ") }

func warehousePurchase(purchase, placement time.Time, ref string) *ecommercev1.WarehousePurchase {
	return &ecommercev1.WarehousePurchase{ItemDescription: "wireless headphones", HsCode: "8518300000",
		Value: &typev1.Money{CurrencyCode: "EUR", Amount: "79.90"}, PurchaseDate: dates.Format(purchase),
		PlacementDate: dates.Format(placement), BuyerReference: ref}
}

// warehouseNames are the purchases the cases share.
type warehouseNames struct {
	missed, lost, removed, declared, refused, others string
}

func reportPurchase(t *testing.T, c *client.Client, p *ecommercev1.WarehousePurchase) *ecommercev1.WarehousePurchase {
	t.Helper()
	r, err := c.Warehouse.ReportPurchase(ctxT(t), &ecommercev1.ReportPurchaseRequest{Purchase: p})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetPurchase()
}

func testWarehousePurchases(t *testing.T, n *node, other *client.Client) warehouseNames {
	ctx := ctxT(t)
	op, customs := n.sdk(pki.RoleOperator), n.sdk(pki.RoleCustoms)
	today := warehouseToday()
	past := today.AddDate(0, -3, 0)

	missed := reportPurchase(t, op, warehousePurchase(past, past.AddDate(0, 0, -10), "ORD-MISSED"))
	if missed.GetStatus() != ecommercev1.WarehousePurchaseStatus_WAREHOUSE_PURCHASE_STATUS_OPEN ||
		missed.GetDeclarationDeadline() != dates.Format(dates.FifteenthOfNextMonth(past)) ||
		missed.GetOperatorRegisterNumber() != devOperatorNumber || missed.GetEtag() != "1" ||
		!strings.HasPrefix(missed.GetName(), "warehousePurchases/") {
		t.Fatalf("art. 309.6(13): reported: %v", missed)
	}
	w := warehouseNames{missed: missed.GetName()}
	w.lost = reportPurchase(t, op, warehousePurchase(today, today.AddDate(0, 0, -10), "ORD-LOST")).GetName()
	w.removed = reportPurchase(t, op, warehousePurchase(today, today.AddDate(0, 0, -10), "ORD-REMOVED")).GetName()
	w.declared = reportPurchase(t, op, warehousePurchase(today, today, "ORD-DECLARED")).GetName()
	// December purchase: declare by 15 January (art. 309.6(13)).
	refused := reportPurchase(t, op, warehousePurchase(dates.MustParse("2025-12-05"), dates.MustParse("2025-12-01"), "ORD-REFUSED"))
	if refused.GetDeclarationDeadline() != "2026-01-15" {
		t.Fatalf("art. 309.6(13): a December purchase is declared by 15 January: %s", refused.GetDeclarationDeadline())
	}
	w.refused = refused.GetName()
	w.others = reportPurchase(t, other, warehousePurchase(past, past, "ORD-OTHER")).GetName()

	// Not on the register: no warehouse.
	_, err := operatorClient(t, n, "KZ-OP-0003").Warehouse.ReportPurchase(ctx, &ecommercev1.ReportPurchaseRequest{
		Purchase: warehousePurchase(today, today, "ORD-X")})
	wantCode(t, err, codes.PermissionDenied, "REASON_PERMISSION_DENIED")

	names := func(c *client.Client, req *ecommercev1.ListPurchasesRequest) []string {
		t.Helper()
		l, err := c.Warehouse.ListPurchases(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range l.GetPurchases() {
			out = append(out, p.GetName())
		}
		return out
	}
	if got := names(op, &ecommercev1.ListPurchasesRequest{}); len(got) != 5 || strings.Contains(strings.Join(got, ","), w.others) {
		t.Fatalf("the operator lists only its own five: %v", got)
	}
	if got := names(other, &ecommercev1.ListPurchasesRequest{}); len(got) != 1 || got[0] != w.others {
		t.Fatalf("the other operator lists only its own: %v", got)
	}
	if got := names(customs, &ecommercev1.ListPurchasesRequest{}); len(got) != 6 {
		t.Fatalf("customs lists all six: %v", got)
	}
	if got := names(customs, &ecommercev1.ListPurchasesRequest{OperatorRegisterNumber: "KZ-EO-0000002"}); len(got) != 1 || got[0] != w.others {
		t.Fatalf("customs filters by operator: %v", got)
	}
	_, err = op.Warehouse.ListPurchases(ctx, &ecommercev1.ListPurchasesRequest{OperatorRegisterNumber: "KZ-EO-0000002"})
	wantCode(t, err, codes.InvalidArgument, "REASON_INVALID_FIELD")
	page, err := customs.Warehouse.ListPurchases(ctx, &ecommercev1.ListPurchasesRequest{PageSize: 4})
	if err != nil || len(page.GetPurchases()) != 4 || page.GetNextPageToken() == "" {
		t.Fatalf("first page: %v %v", page, err)
	}
	rest, err := customs.Warehouse.ListPurchases(ctx, &ecommercev1.ListPurchasesRequest{PageSize: 4, PageToken: page.GetNextPageToken()})
	if err != nil || len(rest.GetPurchases()) != 2 || rest.GetNextPageToken() != "" {
		t.Fatalf("last page: %v %v", rest, err)
	}
	_, err = customs.Warehouse.ListPurchases(ctx, &ecommercev1.ListPurchasesRequest{PageToken: page.GetNextPageToken(),
		Status: ecommercev1.WarehousePurchaseStatus_WAREHOUSE_PURCHASE_STATUS_DUE})
	wantCode(t, err, codes.InvalidArgument, "REASON_INVALID_FIELD") // a token of another query

	// Another operator's purchase does not exist for it.
	_, err = other.Warehouse.GetPurchase(ctx, &ecommercev1.GetPurchaseRequest{Name: w.missed})
	wantCode(t, err, codes.NotFound, "REASON_NOT_FOUND")
	_, err = n.sdk(pki.RoleIndividual).Warehouse.GetPurchase(ctx, &ecommercev1.GetPurchaseRequest{Name: w.missed})
	wantCode(t, err, codes.PermissionDenied, "REASON_PERMISSION_DENIED")
	if g, err := customs.Warehouse.GetPurchase(ctx, &ecommercev1.GetPurchaseRequest{Name: w.others}); err != nil || g.GetPurchase().GetBuyerReference() != "ORD-OTHER" {
		t.Fatalf("customs reads any purchase: %v", err)
	}
	return w
}

func warehouseEvent(kind ecommercev1.WarehouseEventKind, date, number string) *ecommercev1.WarehousePurchaseEvent {
	return &ecommercev1.WarehousePurchaseEvent{Kind: kind, Date: date, DeclarationNumber: number}
}

const (
	whDeclared = ecommercev1.WarehouseEventKind_WAREHOUSE_EVENT_KIND_DECLARED
	whRefused  = ecommercev1.WarehouseEventKind_WAREHOUSE_EVENT_KIND_RELEASE_REFUSED
	whLost     = ecommercev1.WarehouseEventKind_WAREHOUSE_EVENT_KIND_LOST
	whRemoved  = ecommercev1.WarehouseEventKind_WAREHOUSE_EVENT_KIND_REMOVED_WITHOUT_NOTICE
)

func testWarehouseEvents(t *testing.T, n *node, other *client.Client, w warehouseNames) {
	ctx := ctxT(t)
	op, customs := n.sdk(pki.RoleOperator), n.sdk(pki.RoleCustoms)
	today := warehouseToday()
	record := func(c *client.Client, name string, e *ecommercev1.WarehousePurchaseEvent) (*ecommercev1.WarehousePurchase, error) {
		r, err := c.Warehouse.RecordPurchaseEvent(ctx, &ecommercev1.RecordPurchaseEventRequest{Name: name, Event: e})
		return r.GetPurchase(), err
	}
	must := func(p *ecommercev1.WarehousePurchase, err error) *ecommercev1.WarehousePurchase {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	// art. 309.6(17)(1): lost on a known day: due that day.
	lossDay := dates.Format(today.AddDate(0, 0, -1))
	p := must(record(op, w.lost, warehouseEvent(whLost, lossDay, "")))
	if p.GetStatus() != ecommercev1.WarehousePurchaseStatus_WAREHOUSE_PURCHASE_STATUS_DUE ||
		p.GetDueReason() != ecommercev1.WarehouseDueReason_WAREHOUSE_DUE_REASON_LOSS || p.GetDueDate() != lossDay ||
		len(p.GetEvents()) != 1 || p.GetEvents()[0].GetRecordedBy() != "spiffe://eaeu/KZ/operator/KZ-OP-0001" {
		t.Fatalf("art. 309.6(17)(1): %v", p)
	}
	_, err := record(customs, w.lost, warehouseEvent(whLost, "", ""))
	wantCode(t, err, codes.FailedPrecondition, "REASON_WRONG_STATE") // nothing after due

	// art. 309.6(17)(3): removed without notice, day unknown: due on the day of placement.
	_, err = record(op, w.removed, warehouseEvent(whRemoved, "", ""))
	wantCode(t, err, codes.PermissionDenied, "REASON_PERMISSION_DENIED") // customs records a removal
	p = must(record(customs, w.removed, warehouseEvent(whRemoved, "", "")))
	if p.GetDueReason() != ecommercev1.WarehouseDueReason_WAREHOUSE_DUE_REASON_REMOVED_WITHOUT_NOTICE ||
		p.GetDueDate() != dates.Format(today.AddDate(0, 0, -10)) {
		t.Fatalf("art. 309.6(17)(3): %v", p)
	}

	// art. 309.6(13): declared in time; not twice.
	_, err = record(op, w.declared, warehouseEvent(whDeclared, "", ""))
	if st := wantCode(t, err, codes.InvalidArgument, "REASON_INVALID_FIELD"); violations(st)["event.declaration_number"] == "" {
		t.Fatalf("a declaration needs its number: %v", violations(st))
	}
	p = must(record(op, w.declared, warehouseEvent(whDeclared, "", "55201000/231126/0000001")))
	if p.GetStatus() != ecommercev1.WarehousePurchaseStatus_WAREHOUSE_PURCHASE_STATUS_DECLARED ||
		p.GetDeclarationNumber() != "55201000/231126/0000001" || p.GetEvents()[0].GetDate() != dates.Format(today) || p.GetEtag() != "2" {
		t.Fatalf("declared: %v", p)
	}
	_, err = record(op, w.declared, warehouseEvent(whDeclared, "", "55201000/231126/0000002"))
	wantCode(t, err, codes.FailedPrecondition, "REASON_WRONG_STATE")
	_, err = op.Warehouse.RecordPurchaseEvent(ctx, &ecommercev1.RecordPurchaseEventRequest{Name: w.declared, Etag: "1",
		Event: warehouseEvent(whLost, "", "")})
	wantCode(t, err, codes.Aborted, "REASON_ETAG_MISMATCH")
	_, err = record(op, w.declared, warehouseEvent(whLost, dates.Format(today.AddDate(0, 0, 1)), ""))
	if st := wantCode(t, err, codes.InvalidArgument, "REASON_INVALID_FIELD"); violations(st)["event.date"] == "" {
		t.Fatalf("an event in the future: %v", violations(st))
	}
	_, err = record(other, w.declared, warehouseEvent(whLost, "", ""))
	wantCode(t, err, codes.NotFound, "REASON_NOT_FOUND") // another operator's purchase

	// art. 309.6(13): after a refusal of release on Friday 12 December 2025,
	// 5 working days of the KZ calendar from the day after: Mon 15,
	// (16 Independence Day), Wed 17, Thu 18, Fri 19, Mon 22 December.
	if _, err := customs.Calendars.UpdateCalendar(ctx, &referencev1.UpdateCalendarRequest{
		Calendar: &referencev1.Calendar{Name: "calendars/KZ", Exceptions: []*referencev1.CalendarDay{
			{Date: "2025-12-16", Kind: referencev1.DayKind_DAY_KIND_HOLIDAY, Description: "Independence Day"}}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"exceptions"}},
	}); err != nil {
		t.Fatal(err)
	}
	must(record(op, w.refused, warehouseEvent(whDeclared, "2025-12-10", "55201000/101225/0000007")))
	_, err = record(op, w.refused, warehouseEvent(whRefused, "2025-12-12", ""))
	wantCode(t, err, codes.PermissionDenied, "REASON_PERMISSION_DENIED") // customs refuses release
	p = must(record(customs, w.refused, warehouseEvent(whRefused, "2025-12-12", "")))
	if p.GetStatus() != ecommercev1.WarehousePurchaseStatus_WAREHOUSE_PURCHASE_STATUS_OPEN ||
		p.GetDeclarationDeadline() != "2025-12-22" || p.GetDeclarationNumber() != "" {
		t.Fatalf("art. 309.6(13): refusal + 5 working days: %v", p)
	}
	// Declaring now is too late: the obligation became due on 22 December.
	_, err = record(op, w.refused, warehouseEvent(whDeclared, "", "55201000/231126/0000003"))
	if st := wantCode(t, err, codes.FailedPrecondition, "REASON_WRONG_STATE"); !strings.Contains(st.Message(), "2025-12-22") {
		t.Fatalf("a late declaration: %s", st.Message())
	}
}

func testWarehouseSweep(t *testing.T, n *node, w warehouseNames) {
	ctx := ctxT(t)
	customs := n.sdk(pki.RoleCustoms)
	_, err := n.sdk(pki.RoleOperator).Warehouse.RunDueSweep(ctx, &ecommercev1.RunDueSweepRequest{})
	wantCode(t, err, codes.PermissionDenied, "REASON_PERMISSION_DENIED")

	// art. 309.6(17)(2): the missed deadlines of both operators and the one
	// after the refusal; the declared, lost and removed ones are not open.
	first, err := customs.Warehouse.RunDueSweep(ctx, &ecommercev1.RunDueSweepRequest{RequestId: "due-sweep-0001"})
	if err != nil || first.GetMarkedCount() != 3 || first.GetAsOfDate() != dates.Format(warehouseToday()) {
		t.Fatalf("first sweep: %v %v", first, err)
	}
	second, err := customs.Warehouse.RunDueSweep(ctx, &ecommercev1.RunDueSweepRequest{})
	if err != nil || second.GetMarkedCount() != 0 {
		t.Fatalf("second sweep marks nothing: %v %v", second, err)
	}
	replay, err := customs.Warehouse.RunDueSweep(ctx, &ecommercev1.RunDueSweepRequest{RequestId: "due-sweep-0001"})
	if err != nil || replay.GetMarkedCount() != 3 {
		t.Fatalf("a retry of the first call gets the first answer: %v %v", replay, err)
	}

	for name, wantDue := range map[string]string{
		w.missed:  dates.Format(dates.FifteenthOfNextMonth(warehouseToday().AddDate(0, -3, 0))),
		w.others:  dates.Format(dates.FifteenthOfNextMonth(warehouseToday().AddDate(0, -3, 0))),
		w.refused: "2025-12-22",
	} {
		g, err := customs.Warehouse.GetPurchase(ctx, &ecommercev1.GetPurchaseRequest{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		p := g.GetPurchase()
		if p.GetStatus() != ecommercev1.WarehousePurchaseStatus_WAREHOUSE_PURCHASE_STATUS_DUE ||
			p.GetDueReason() != ecommercev1.WarehouseDueReason_WAREHOUSE_DUE_REASON_MISSED_DEADLINE || p.GetDueDate() != wantDue {
			t.Fatalf("art. 309.6(17)(2): %s: %v %v %s, want due %s", name, p.GetStatus(), p.GetDueReason(), p.GetDueDate(), wantDue)
		}
		// Marked once: one audit record of the marking, by the node.
		r, err := customs.Audit.ListAuditRecords(ctx, &auditv1.ListAuditRecordsRequest{
			Method: ecommercev1.WarehouseService_RunDueSweep_FullMethodName, Resource: name, PageSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.GetAuditRecords()) != 1 || r.GetAuditRecords()[0].GetActorSubject() != "spiffe://eaeu/KZ/node/warehouse-due-sweep" ||
			!strings.Contains(r.GetAuditRecords()[0].GetDetail(), "309.6(17)(2)") {
			t.Fatalf("audit records of the marking of %s: %v", name, r.GetAuditRecords())
		}
	}
	g, err := customs.Warehouse.GetPurchase(ctx, &ecommercev1.GetPurchaseRequest{Name: w.declared})
	if err != nil || g.GetPurchase().GetStatus() != ecommercev1.WarehousePurchaseStatus_WAREHOUSE_PURCHASE_STATUS_DECLARED {
		t.Fatalf("a declared purchase is left alone: %v %v", g, err)
	}
	due, err := customs.Warehouse.ListPurchases(ctx, &ecommercev1.ListPurchasesRequest{Status: ecommercev1.WarehousePurchaseStatus_WAREHOUSE_PURCHASE_STATUS_DUE})
	if err != nil || len(due.GetPurchases()) != 5 {
		t.Fatalf("five due (three deadlines, a loss, a removal): %v", err)
	}
	v, err := customs.Audit.VerifyAuditChain(ctx, &auditv1.VerifyAuditChainRequest{})
	if err != nil || !v.GetIntact() {
		t.Fatalf("audit chain: %v %v", v, err)
	}
}

func testWarehouseBadInput(t *testing.T, n *node) {
	ctx := ctxT(t)
	op := n.sdk(pki.RoleOperator)
	today := warehouseToday()
	cases := []struct {
		name  string
		edit  func(p *ecommercev1.WarehousePurchase)
		field string
	}{
		{"HS code not 10 digits", func(p *ecommercev1.WarehousePurchase) { p.HsCode = "85183" }, "purchase.hs_code"},
		{"negative value", func(p *ecommercev1.WarehousePurchase) { p.Value.Amount = "-1" }, "purchase.value.amount"},
		{"unknown currency", func(p *ecommercev1.WarehousePurchase) { p.Value.CurrencyCode = "ZZZ" }, "purchase.value.currency_code"},
		{"art. 309.6: purchase date in the future", func(p *ecommercev1.WarehousePurchase) {
			p.PurchaseDate = dates.Format(today.AddDate(0, 0, 2))
		}, "purchase.purchase_date"},
		{"art. 309.6: placed after the purchase", func(p *ecommercev1.WarehousePurchase) {
			p.PlacementDate = dates.Format(today.AddDate(0, 0, 1))
		}, "purchase.placement_date"},
		{"not a date", func(p *ecommercev1.WarehousePurchase) { p.PurchaseDate = "2026-02-30" }, "purchase.purchase_date"},
		{"no buyer reference", func(p *ecommercev1.WarehousePurchase) { p.BuyerReference = "" }, "purchase.buyer_reference"},
	}
	before, err := n.sdk(pki.RoleCustoms).Warehouse.ListPurchases(ctx, &ecommercev1.ListPurchasesRequest{PageSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		p := warehousePurchase(today, today, "ORD-BAD")
		c.edit(p)
		_, err := op.Warehouse.ReportPurchase(ctx, &ecommercev1.ReportPurchaseRequest{Purchase: p})
		st := wantCode(t, err, codes.InvalidArgument, "REASON_INVALID_FIELD")
		if violations(st)[c.field] == "" {
			t.Errorf("%s: no violation on %s: %v", c.name, c.field, violations(st))
		}
	}
	_, err = n.sdk(pki.RoleCustoms).Warehouse.ReportPurchase(ctx, &ecommercev1.ReportPurchaseRequest{Purchase: warehousePurchase(today, today, "ORD-C")})
	wantCode(t, err, codes.PermissionDenied, "REASON_PERMISSION_DENIED") // the operator reports
	after, _ := n.sdk(pki.RoleCustoms).Warehouse.ListPurchases(ctx, &ecommercev1.ListPurchasesRequest{PageSize: 500})
	if len(after.GetPurchases()) != len(before.GetPurchases()) {
		t.Fatal("a refused report stored something")
	}
	// Refusals of mutating calls are audited.
	r, err := n.sdk(pki.RoleCustoms).Audit.ListAuditRecords(ctx, &auditv1.ListAuditRecordsRequest{
		Method: ecommercev1.WarehouseService_ReportPurchase_FullMethodName, Outcome: auditv1.Outcome_OUTCOME_INVALID_ARGUMENT, PageSize: 100})
	if err != nil || len(r.GetAuditRecords()) < len(cases) {
		t.Fatalf("refused reports audited: %d %v", len(r.GetAuditRecords()), err)
	}
}

func testWarehouseThroughGateway(t *testing.T, n *node) {
	base := "https://" + n.http
	op := n.https(pki.RoleOperator)
	today := dates.Format(warehouseToday())
	code, m := getJSON(t, op, "POST", base+"/v1/warehousePurchases", `{"itemDescription":"smart watch","hsCode":"9102120000",
	  "value":{"currencyCode":"USD","amount":"149"},"purchaseDate":"`+today+`","placementDate":"`+today+`","buyerReference":"ORD-GW-1"}`)
	if code != 200 {
		t.Fatalf("report through the gateway: %d %v", code, m)
	}
	p := m["purchase"].(map[string]any)
	name := p["name"].(string)
	if p["status"] != "WAREHOUSE_PURCHASE_STATUS_OPEN" || p["operatorRegisterNumber"] != devOperatorNumber {
		t.Fatalf("reported through the gateway: %v", p)
	}
	code, m = getJSON(t, op, "GET", base+"/v1/"+name, "")
	if code != 200 || m["purchase"].(map[string]any)["buyerReference"] != "ORD-GW-1" {
		t.Fatalf("get through the gateway: %d %v", code, m)
	}
	code, m = getJSON(t, op, "POST", base+"/v1/"+name+":recordEvent", `{"event":{"kind":"WAREHOUSE_EVENT_KIND_LOST"}}`)
	if code != 200 || m["purchase"].(map[string]any)["dueReason"] != "WAREHOUSE_DUE_REASON_LOSS" ||
		m["purchase"].(map[string]any)["dueDate"] != today {
		t.Fatalf("art. 309.6(17)(1) through the gateway: %d %v", code, m)
	}
	code, m = getJSON(t, n.https(pki.RoleCustoms), "POST", base+"/v1/warehousePurchases:runDueSweep", `{}`)
	if code != 200 || m["asOfDate"] != today {
		t.Fatalf("sweep through the gateway: %d %v", code, m)
	}
	code, _ = getJSON(t, n.https(pki.RolePeer), "GET", base+"/v1/warehousePurchases", "")
	if code != 403 {
		t.Fatalf("a peer may not list purchases: %d", code)
	}
	code, m = getJSON(t, op, "POST", base+"/v1/warehousePurchases", `{"itemDescription":"x","hsCode":"1","value":{"currencyCode":"USD","amount":"1"},
	  "purchaseDate":"`+today+`","placementDate":"`+today+`","buyerReference":"R"}`)
	if code != 400 || !strings.Contains(mustJSON(m), "purchase.hs_code") {
		t.Fatalf("bad input through the gateway: %d %v", code, m)
	}
}
