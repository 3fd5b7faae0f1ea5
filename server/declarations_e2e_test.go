package main

import (
	"regexp"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	referencev1 "github.com/eaeu/customs-exchange/gen/eaeu/reference/v1"
	typev1 "github.com/eaeu/customs-exchange/gen/eaeu/type/v1"
	"github.com/eaeu/customs-exchange/internal/pki"
)

func item(id, hs, amount, cur string) *ecommercev1.Item {
	return &ecommercev1.Item{ItemId: id, Description: "goods " + id, HsCode: hs, Quantity: "1", Unit: "pcs",
		Price: &typev1.Money{CurrencyCode: cur, Amount: amount}, Platform: "shop.example", OrderReference: "ORD-" + id, Seller: "Seller Ltd"}
}

// operatorDeclaration: parcel P1 is over the value norm (300 USD + 100 EUR
// at 450 and 500 KZT = 185 000 KZT against 200 EUR = 100 000 KZT), parcel P2
// is within the norms.
func operatorDeclaration() *ecommercev1.Declaration {
	return &ecommercev1.Declaration{
		CustomsBodyCode: "55201000",
		Declarant:       &ecommercev1.Declarant{Kind: ecommercev1.DeclarantKind_DECLARANT_KIND_OPERATOR, OperatorRegisterNumber: devOperatorNumber},
		Recipient: &ecommercev1.Recipient{IndividualNumber: "900501300123", FullName: "Aigerim Example", BirthDate: "1990-05-01",
			CountryCode: "KZ", Address: "Almaty, Abay ave 1"},
		Parcels: []*ecommercev1.Parcel{
			{ParcelNumber: "RR123456785CN", GrossWeightKg: "2.5", Items: []*ecommercev1.Item{
				item("1", "6109100000", "300", "USD"), item("2", "9302000000", "100", "EUR")}},
			{ParcelNumber: "RR987654321CN", GrossWeightKg: "1", Items: []*ecommercev1.Item{item("3", "4202920000", "50", "EUR")}},
		},
	}
}

func seedDeclarationReference(t *testing.T, n *node) {
	ctx := ctxT(t)
	c := n.sdk(pki.RoleCustoms)
	if _, err := c.CustomsBodies.CreateCustomsBody(ctx, &referencev1.CreateCustomsBodyRequest{CustomsBody: &referencev1.CustomsBody{
		Code: "55201000", MemberState: "KZ", DisplayName: "Almaty customs post"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ExchangeRates.CreateExchangeRates(ctx, &referencev1.CreateExchangeRatesRequest{ExchangeRates: []*referencev1.ExchangeRate{
		{CurrencyCode: "EUR", EffectiveDate: "2020-01-01", Rate: "500"},
		{CurrencyCode: "USD", EffectiveDate: "2020-01-01", Rate: "450"},
	}}); err != nil {
		t.Fatal(err)
	}
}

func TestDeclarationLife(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			n := startNode(t, t.TempDir(), b.dsn(t), "--prohibited-hs", "9303", "--permit-hs", "3004")
			seedDeclarationReference(t, n)
			registerDevOperator(t, n)
			testDeclarationLife(t, n)
			testDeclarationBadInput(t, n)
			testDeclarationThroughGateway(t, n)
			testAmendAndWithdraw(t, n)
			testAfterReleaseObligation(t, n)
		})
	}
}

func testDeclarationLife(t *testing.T, n *node) {
	ctx := ctxT(t)
	op, customs := n.sdk(pki.RoleOperator), n.sdk(pki.RoleCustoms)

	quote, err := op.Declarations.QuoteDuty(ctx, &ecommercev1.QuoteDutyRequest{Parcels: operatorDeclaration().GetParcels()})
	if err != nil {
		t.Fatal(err)
	}
	// art. 309.8: 15 % of (185 000 - 100 000) KZT = 12 750.00; P2 duty-free.
	if quote.GetDuty().GetTotal() != "12750.00" || !quote.GetDuty().GetParcels()[1].GetDutyFree() {
		t.Fatalf("quote: %v", quote.GetDuty())
	}

	filed, err := op.Declarations.FileDeclaration(ctx, &ecommercev1.FileDeclarationRequest{Declaration: operatorDeclaration()})
	if err != nil {
		t.Fatal(err)
	}
	d := filed.GetDeclaration()
	if d.GetStatus() != ecommercev1.DeclarationStatus_DECLARATION_STATUS_FILED || d.GetNumber() != "" || d.GetDuty() != nil {
		t.Fatalf("filed: %v", d)
	}
	_, err = op.Declarations.RegisterDeclaration(ctx, &ecommercev1.RegisterDeclarationRequest{Name: d.GetName()})
	wantCode(t, err, codes.PermissionDenied, "REASON_PERMISSION_DENIED")

	reg, err := customs.Declarations.RegisterDeclaration(ctx, &ecommercev1.RegisterDeclarationRequest{Name: d.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	d = reg.GetDeclaration()
	if !regexp.MustCompile(`^55201000/[0-9]{6}/[0-9]{7}$`).MatchString(d.GetNumber()) || d.GetStatus() != ecommercev1.DeclarationStatus_DECLARATION_STATUS_REGISTERED {
		t.Fatalf("registered: %s %s", d.GetNumber(), d.GetStatus())
	}
	if d.GetDuty().GetTotal() != "12750.00" || d.GetObligation().GetState() != ecommercev1.ObligationState_OBLIGATION_STATE_ARISEN ||
		d.GetObligation().GetBalance().GetAmount() != "12750.00" {
		t.Fatalf("duty and obligation at registration: %v %v", d.GetDuty().GetTotal(), d.GetObligation())
	}
	if len(d.GetDuty().GetParcels()[0].GetSteps()) == 0 || !strings.Contains(d.GetDuty().GetParcels()[0].GetSteps()[0].GetLegalBasis(), "309.8") {
		t.Fatalf("steps must cite art. 309.8: %v", d.GetDuty().GetParcels()[0].GetSteps())
	}
	_, err = customs.Declarations.RegisterDeclaration(ctx, &ecommercev1.RegisterDeclarationRequest{Name: d.GetName()})
	wantCode(t, err, codes.FailedPrecondition, "REASON_WRONG_STATE")

	// Only the declarant operator, the recipient and customs see it.
	_, err = n.sdk(pki.RoleIndividual).Declarations.GetDeclaration(ctx, &ecommercev1.GetDeclarationRequest{Name: d.GetName()})
	wantCode(t, err, codes.NotFound, "REASON_NOT_FOUND")
	byNumber, err := op.Declarations.LookupDeclaration(ctx, &ecommercev1.LookupDeclarationRequest{Number: d.GetNumber()})
	if err != nil || byNumber.GetDeclaration().GetName() != d.GetName() {
		t.Fatalf("lookup by number: %v", err)
	}

	decideAll := func(release bool) *ecommercev1.DecideReleaseRequest {
		return &ecommercev1.DecideReleaseRequest{Name: d.GetName(), Decisions: []*ecommercev1.ReleaseDecision{
			{ItemId: "1", Release: release}, {ItemId: "2", Release: release}}}
	}
	// art. 309.5(1)(1): no release before the duty is paid.
	_, err = customs.Declarations.DecideRelease(ctx, decideAll(true))
	wantCode(t, err, codes.FailedPrecondition, "REASON_WRONG_STATE")

	pay := func(ref, amount, cur string) (*ecommercev1.RecordPaymentResponse, error) {
		return customs.Declarations.RecordPayment(ctx, &ecommercev1.RecordPaymentRequest{Name: d.GetName(), Payment: &ecommercev1.Payment{
			Reference: ref, Amount: &typev1.Money{CurrencyCode: cur, Amount: amount}, PaymentDate: "2026-11-23"}})
	}
	_, err = pay("T-1", "12750.01", "KZT")
	wantCode(t, err, codes.InvalidArgument, "REASON_INVALID_FIELD")
	_, err = pay("T-1", "100", "EUR")
	wantCode(t, err, codes.InvalidArgument, "REASON_INVALID_FIELD")
	p, err := pay("T-1", "10000", "KZT")
	if err != nil || p.GetDeclaration().GetObligation().GetBalance().GetAmount() != "2750.00" {
		t.Fatalf("partial payment: %v %v", err, p.GetDeclaration().GetObligation())
	}
	_, err = pay("T-1", "1", "KZT")
	wantCode(t, err, codes.AlreadyExists, "REASON_ALREADY_EXISTS")
	p, err = pay("T-2", "2750.00", "KZT")
	if err != nil || p.GetDeclaration().GetObligation().GetState() != ecommercev1.ObligationState_OBLIGATION_STATE_PAID {
		t.Fatalf("full payment: %v %v", err, p.GetDeclaration().GetObligation())
	}

	// art. 118(5.1): items of one parcel are released together.
	_, err = customs.Declarations.DecideRelease(ctx, &ecommercev1.DecideReleaseRequest{Name: d.GetName(),
		Decisions: []*ecommercev1.ReleaseDecision{{ItemId: "1", Release: true}}})
	wantCode(t, err, codes.FailedPrecondition, "REASON_WRONG_STATE")
	rel, err := customs.Declarations.DecideRelease(ctx, decideAll(true))
	if err != nil {
		t.Fatal(err)
	}
	if rel.GetDeclaration().GetStatus() != ecommercev1.DeclarationStatus_DECLARATION_STATUS_PARTIALLY_RELEASED {
		t.Fatalf("P1 released, P2 pending: %v", rel.GetDeclaration().GetStatus())
	}
	_, err = customs.Declarations.DecideRelease(ctx, decideAll(true))
	wantCode(t, err, codes.FailedPrecondition, "REASON_WRONG_STATE") // releasing twice
	_, err = customs.Declarations.DecideRelease(ctx, &ecommercev1.DecideReleaseRequest{Name: d.GetName(),
		Decisions: []*ecommercev1.ReleaseDecision{{ItemId: "3", Release: false}}})
	wantCode(t, err, codes.InvalidArgument, "REASON_INVALID_FIELD") // a refusal needs its reason
	rel, err = customs.Declarations.DecideRelease(ctx, &ecommercev1.DecideReleaseRequest{Name: d.GetName(),
		Decisions: []*ecommercev1.ReleaseDecision{{ItemId: "3", Release: false, Note: "recipient refused the goods"}}})
	if err != nil || rel.GetDeclaration().GetStatus() != ecommercev1.DeclarationStatus_DECLARATION_STATUS_RELEASED {
		t.Fatalf("all decided: %v %v", err, rel.GetDeclaration().GetStatus())
	}
	_, err = pay("T-3", "1", "KZT")
	wantCode(t, err, codes.InvalidArgument, "REASON_INVALID_FIELD") // nothing left to pay

	list, err := op.Declarations.ListDeclarations(ctx, &ecommercev1.ListDeclarationsRequest{})
	if err != nil || len(list.GetDeclarations()) != 1 || list.GetDeclarations()[0].GetName() != d.GetName() {
		t.Fatalf("operator's list: %v %v", err, list)
	}
	_, err = op.Declarations.ListDeclarations(ctx, &ecommercev1.ListDeclarationsRequest{OperatorRegisterNumber: "KZ-OP-9999"})
	wantCode(t, err, codes.InvalidArgument, "REASON_INVALID_FIELD")

	// A prohibited item cannot be released, even paid.
	bad := operatorDeclaration()
	bad.Parcels = bad.Parcels[1:]
	bad.Parcels[0].Items[0].HsCode = "9303201000"
	f, err := op.Declarations.FileDeclaration(ctx, &ecommercev1.FileDeclarationRequest{Declaration: bad})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := customs.Declarations.RegisterDeclaration(ctx, &ecommercev1.RegisterDeclarationRequest{Name: f.GetDeclaration().GetName()}); err != nil {
		t.Fatal(err)
	}
	_, err = customs.Declarations.DecideRelease(ctx, &ecommercev1.DecideReleaseRequest{Name: f.GetDeclaration().GetName(),
		Decisions: []*ecommercev1.ReleaseDecision{{ItemId: "3", Release: true}}})
	if st := wantCode(t, err, codes.FailedPrecondition, "REASON_WRONG_STATE"); !strings.Contains(st.Message(), "prohibited") {
		t.Fatalf("want a prohibition: %v", st.Message())
	}
}

func testDeclarationBadInput(t *testing.T, n *node) {
	ctx := ctxT(t)
	op := n.sdk(pki.RoleOperator)
	cases := []struct {
		name  string
		edit  func(d *ecommercev1.Declaration)
		field string
	}{
		{"art. 309.2: recipient under 16", func(d *ecommercev1.Declaration) { d.Recipient.BirthDate = "2015-01-01" }, "declaration.recipient.birth_date"},
		{"HS code not 10 digits", func(d *ecommercev1.Declaration) { d.Parcels[0].Items[0].HsCode = "61091" }, "declaration.parcels[0].items[0].hs_code"},
		{"zero weight", func(d *ecommercev1.Declaration) { d.Parcels[0].GrossWeightKg = "0" }, "declaration.parcels[0].gross_weight_kg"},
		{"zero quantity", func(d *ecommercev1.Declaration) { d.Parcels[0].Items[0].Quantity = "0" }, "declaration.parcels[0].items[0].quantity"},
		{"unknown currency", func(d *ecommercev1.Declaration) { d.Parcels[0].Items[0].Price.CurrencyCode = "ZZZ" }, "declaration.parcels[0].items[0].price.currency_code"},
		{"currency with no rate", func(d *ecommercev1.Declaration) { d.Parcels[0].Items[0].Price.CurrencyCode = "CNY" }, "declaration.parcels[0].items[0].price.currency_code"},
		{"duplicate parcel numbers", func(d *ecommercev1.Declaration) { d.Parcels[1].ParcelNumber = d.Parcels[0].ParcelNumber }, "declaration.parcels[1].parcel_number"},
		{"another operator's number", func(d *ecommercev1.Declaration) { d.Declarant.OperatorRegisterNumber = "KZ-EO-0000002" }, "declaration.declarant.operator_register_number"},
		{"customs body not in the directory", func(d *ecommercev1.Declaration) { d.CustomsBodyCode = "55299999" }, "declaration.customs_body_code"},
	}
	before, err := n.sdk(pki.RoleCustoms).Declarations.ListDeclarations(ctx, &ecommercev1.ListDeclarationsRequest{PageSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		d := operatorDeclaration()
		c.edit(d)
		_, err := op.Declarations.FileDeclaration(ctx, &ecommercev1.FileDeclarationRequest{Declaration: d})
		st := wantCode(t, err, codes.InvalidArgument, "REASON_INVALID_FIELD")
		if violations(st)[c.field] == "" {
			t.Errorf("%s: no violation on %s: %v", c.name, c.field, violations(st))
		}
	}
	after, _ := n.sdk(pki.RoleCustoms).Declarations.ListDeclarations(ctx, &ecommercev1.ListDeclarationsRequest{PageSize: 500})
	if len(after.GetDeclarations()) != len(before.GetDeclarations()) {
		t.Fatal("a refused filing stored something")
	}
}

func testDeclarationThroughGateway(t *testing.T, n *node) {
	base := "https://" + n.http
	ind := n.https(pki.RoleIndividual)
	body := `{"customsBodyCode":"55201000","declarant":{"kind":"DECLARANT_KIND_INDIVIDUAL"},
	  "recipient":{"individualNumber":"dev-individual","fullName":"Dev Individual","birthDate":"1985-03-10","countryCode":"KZ","address":"Astana"},
	  "parcels":[{"parcelNumber":"CP000000001KZ","grossWeightKg":"40","items":[{"itemId":"1","description":"bicycle","hsCode":"8712003000",
	  "quantity":"1","unit":"pcs","price":{"currencyCode":"EUR","amount":"150"}}]}]}`
	code, m := getJSON(t, ind, "POST", base+"/v1/declarations", body)
	if code != 200 {
		t.Fatalf("individual filing through the gateway: %d %v", code, m)
	}
	name := m["declaration"].(map[string]any)["name"].(string)
	code, m = getJSON(t, n.https(pki.RoleCustoms), "POST", base+"/v1/"+name+":register", `{}`)
	if code != 200 {
		t.Fatalf("register through the gateway: %d %v", code, m)
	}
	// art. 309.8: within the value norm but 9 kg over the weight norm: the
	// floor of 2 EUR per kg wins: 9 x 2 x 500 = 9 000.00 KZT.
	if total := m["declaration"].(map[string]any)["duty"].(map[string]any)["total"]; total != "9000.00" {
		t.Fatalf("per-kg minimum: %v", total)
	}
	code, m = getJSON(t, ind, "GET", base+"/v1/declarations", "")
	if code != 200 || len(m["declarations"].([]any)) != 1 {
		t.Fatalf("the individual lists only its own: %d %v", code, m)
	}
	code, _ = getJSON(t, n.https(pki.RolePeer), "GET", base+"/v1/"+name, "")
	if code != 403 {
		t.Fatalf("a peer may not read declarations: %d", code)
	}
}

// fileRegistered files operatorDeclaration as the operator and registers it.
func fileRegistered(t *testing.T, n *node) *ecommercev1.Declaration {
	ctx := ctxT(t)
	f, err := n.sdk(pki.RoleOperator).Declarations.FileDeclaration(ctx, &ecommercev1.FileDeclarationRequest{Declaration: operatorDeclaration()})
	if err != nil {
		t.Fatal(err)
	}
	r, err := n.sdk(pki.RoleCustoms).Declarations.RegisterDeclaration(ctx, &ecommercev1.RegisterDeclarationRequest{Name: f.GetDeclaration().GetName()})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetDeclaration()
}

func payAll(t *testing.T, n *node, d *ecommercev1.Declaration, ref string) *ecommercev1.Declaration {
	p, err := n.sdk(pki.RoleCustoms).Declarations.RecordPayment(ctxT(t), &ecommercev1.RecordPaymentRequest{Name: d.GetName(), Payment: &ecommercev1.Payment{
		Reference: ref, Amount: d.GetObligation().GetBalance(), PaymentDate: "2026-11-23"}})
	if err != nil {
		t.Fatal(err)
	}
	return p.GetDeclaration()
}

func amended(d *ecommercev1.Declaration, usd string) []*ecommercev1.Parcel {
	ps := operatorDeclaration().GetParcels()
	ps[0].Items[0].Price.Amount = usd
	return ps
}

func testAmendAndWithdraw(t *testing.T, n *node) {
	ctx := ctxT(t)
	op := n.sdk(pki.RoleOperator)
	d := payAll(t, n, fileRegistered(t, n), "A-1")
	// art. 112: 300 USD becomes 200 USD: 15 % of (140 000 - 100 000) = 6 000.00;
	// 12 750.00 was paid, so 6 750.00 is refundable.
	a, err := op.Declarations.AmendDeclaration(ctx, &ecommercev1.AmendDeclarationRequest{Name: d.GetName(), Etag: d.GetEtag(),
		Parcels: amended(d, "200"), Reason: "the seller's corrected invoice"})
	if err != nil {
		t.Fatal(err)
	}
	o := a.GetDeclaration().GetObligation()
	if a.GetDeclaration().GetVersion() != 2 || a.GetDeclaration().GetDuty().GetTotal() != "6000.00" ||
		o.GetRefundable().GetAmount() != "6750.00" || o.GetState() != ecommercev1.ObligationState_OBLIGATION_STATE_PAID {
		t.Fatalf("amended: v%d duty %s obligation %v", a.GetDeclaration().GetVersion(), a.GetDeclaration().GetDuty().GetTotal(), o)
	}
	_, err = op.Declarations.AmendDeclaration(ctx, &ecommercev1.AmendDeclarationRequest{Name: d.GetName(), Etag: d.GetEtag(),
		Parcels: amended(d, "250"), Reason: "stale"})
	wantCode(t, err, codes.Aborted, "REASON_ETAG_MISMATCH")
	vs, err := op.Declarations.ListDeclarationVersions(ctx, &ecommercev1.ListDeclarationVersionsRequest{Name: d.GetName()})
	if err != nil || len(vs.GetVersions()) != 2 || vs.GetVersions()[0].GetReason() != "filed" ||
		vs.GetVersions()[0].GetDeclaration().GetParcels()[0].GetItems()[0].GetPrice().GetAmount() != "300" ||
		vs.GetVersions()[1].GetAuthor() != "spiffe://eaeu/KZ/operator/KZ-OP-0001" {
		t.Fatalf("versions: %v %v", err, vs)
	}
	// art. 113: withdrawal ends the obligation; everything paid is refundable.
	w, err := op.Declarations.WithdrawDeclaration(ctx, &ecommercev1.WithdrawDeclarationRequest{Name: d.GetName(), Reason: "order cancelled"})
	if err != nil {
		t.Fatal(err)
	}
	o = w.GetDeclaration().GetObligation()
	if w.GetDeclaration().GetStatus() != ecommercev1.DeclarationStatus_DECLARATION_STATUS_WITHDRAWN ||
		o.GetTerminationReason() != ecommercev1.TerminationReason_TERMINATION_REASON_WITHDRAWN || o.GetRefundable().GetAmount() != "12750.00" {
		t.Fatalf("withdrawn: %v %v", w.GetDeclaration().GetStatus(), o)
	}
	_, err = op.Declarations.WithdrawDeclaration(ctx, &ecommercev1.WithdrawDeclarationRequest{Name: d.GetName(), Reason: "again"})
	wantCode(t, err, codes.FailedPrecondition, "REASON_WRONG_STATE")
	_, err = n.sdk(pki.RoleCustoms).Declarations.RecordPayment(ctx, &ecommercev1.RecordPaymentRequest{Name: d.GetName(), Payment: &ecommercev1.Payment{
		Reference: "A-2", Amount: &typev1.Money{CurrencyCode: "KZT", Amount: "1"}, PaymentDate: "2026-11-23"}})
	wantCode(t, err, codes.FailedPrecondition, "REASON_WRONG_STATE") // paying a withdrawn declaration
}

func releaseAll(t *testing.T, n *node, d *ecommercev1.Declaration) *ecommercev1.Declaration {
	r, err := n.sdk(pki.RoleCustoms).Declarations.DecideRelease(ctxT(t), &ecommercev1.DecideReleaseRequest{Name: d.GetName(),
		Decisions: []*ecommercev1.ReleaseDecision{{ItemId: "1", Release: true}, {ItemId: "2", Release: true}, {ItemId: "3", Release: true}}})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetDeclaration()
}

func testAfterReleaseObligation(t *testing.T, n *node) {
	ctx := ctxT(t)
	customs := n.sdk(pki.RoleCustoms)

	d := releaseAll(t, n, payAll(t, n, fileRegistered(t, n), "B-1"))
	_, err := n.sdk(pki.RoleOperator).Declarations.AmendDeclaration(ctx, &ecommercev1.AmendDeclarationRequest{Name: d.GetName(),
		Etag: d.GetEtag(), Parcels: amended(d, "300.05"), Reason: "after release"})
	wantCode(t, err, codes.FailedPrecondition, "REASON_WRONG_STATE")
	// Customs corrects the value after release (art. 309.10): +0.05 USD is
	// 3.38 KZT more duty, at most 5 EUR: the obligation ends, no notice.
	a, err := customs.Declarations.AmendDeclaration(ctx, &ecommercev1.AmendDeclarationRequest{Name: d.GetName(),
		Etag: d.GetEtag(), Parcels: amended(d, "300.05"), Reason: "value set from the platform's data"})
	if err != nil {
		t.Fatal(err)
	}
	o := a.GetDeclaration().GetObligation()
	if a.GetDeclaration().GetDuty().GetTotal() != "12753.38" || o.GetState() != ecommercev1.ObligationState_OBLIGATION_STATE_TERMINATED ||
		o.GetTerminationReason() != ecommercev1.TerminationReason_TERMINATION_REASON_FIVE_EURO || o.GetNoticeDate() != "" {
		t.Fatalf("5 EUR rule: duty %s obligation %v", a.GetDeclaration().GetDuty().GetTotal(), o)
	}

	// +100 USD after release: 6 750.00 KZT unpaid, above 5 EUR: due, with a
	// notice of unpaid amounts.
	d = releaseAll(t, n, payAll(t, n, fileRegistered(t, n), "C-1"))
	a, err = customs.Declarations.AmendDeclaration(ctx, &ecommercev1.AmendDeclarationRequest{Name: d.GetName(),
		Etag: d.GetEtag(), Parcels: amended(d, "400"), Reason: "value set from similar goods (art. 309.10)"})
	if err != nil {
		t.Fatal(err)
	}
	o = a.GetDeclaration().GetObligation()
	if o.GetState() != ecommercev1.ObligationState_OBLIGATION_STATE_DUE || o.GetBalance().GetAmount() != "6750.00" || o.GetNoticeDate() == "" {
		t.Fatalf("notice of unpaid amounts: %v", o)
	}
	g, err := customs.Declarations.GetDeclaration(ctx, &ecommercev1.GetDeclarationRequest{Name: d.GetName()})
	if err != nil || g.GetDeclaration().GetObligation().GetPenalty().GetAmount() != "0.00" {
		t.Fatalf("penalty on the day of the notice: %v %v", err, g.GetDeclaration().GetObligation())
	}
	// art. 309.9: customs ends it for a reason it establishes.
	_, err = customs.Declarations.TerminateObligation(ctx, &ecommercev1.TerminateObligationRequest{Name: d.GetName(),
		Reason: ecommercev1.TerminationReason_TERMINATION_REASON_PAID, Note: "not a reason customs records"})
	wantCode(t, err, codes.InvalidArgument, "REASON_INVALID_FIELD")
	tr, err := customs.Declarations.TerminateObligation(ctx, &ecommercev1.TerminateObligationRequest{Name: d.GetName(),
		Reason: ecommercev1.TerminationReason_TERMINATION_REASON_UNCOLLECTABLE, Note: "decision No 12"})
	if err != nil || tr.GetDeclaration().GetObligation().GetState() != ecommercev1.ObligationState_OBLIGATION_STATE_TERMINATED {
		t.Fatalf("terminate: %v", err)
	}
	_, err = customs.Declarations.TerminateObligation(ctx, &ecommercev1.TerminateObligationRequest{Name: d.GetName(),
		Reason: ecommercev1.TerminationReason_TERMINATION_REASON_SEIZED, Note: "again"})
	wantCode(t, err, codes.FailedPrecondition, "REASON_WRONG_STATE")

	// Annulment of a release is recorded on the item.
	an, err := customs.Declarations.AnnulRelease(ctx, &ecommercev1.AnnulReleaseRequest{Name: d.GetName(), ItemId: "3", Reason: "court decision"})
	if err != nil || an.GetDeclaration().GetParcels()[1].GetItems()[0].GetReleaseStatus() != ecommercev1.ItemReleaseStatus_ITEM_RELEASE_STATUS_ANNULLED {
		t.Fatalf("annul: %v", err)
	}
	_, err = customs.Declarations.AnnulRelease(ctx, &ecommercev1.AnnulReleaseRequest{Name: d.GetName(), ItemId: "3", Reason: "again"})
	wantCode(t, err, codes.FailedPrecondition, "REASON_WRONG_STATE")
}
