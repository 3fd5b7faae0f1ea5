package main

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	operatorsv1 "github.com/eaeu/customs-exchange/gen/eaeu/operators/v1"
	typev1 "github.com/eaeu/customs-exchange/gen/eaeu/type/v1"
	"github.com/eaeu/customs-exchange/internal/pki"
)

// devOperatorNumber is the register number the dev operator certificate's
// legal entity (KZ-OP-0001) gets when it is the first included on a node.
const devOperatorNumber = "KZ-EO-0000001"

func inYears(n int) string { return time.Now().AddDate(n, 0, 0).Format(time.DateOnly) }

func application(leaseEnd string) *operatorsv1.Application {
	return &operatorsv1.Application{Details: &operatorsv1.OperatorDetails{
		LegalEntityNumber: "KZ-OP-0001", LegalName: "Example Fulfilment LLP", MemberState: "KZ",
		Premises: []*operatorsv1.Premises{
			{Address: "Almaty, warehouse 1", LeaseEndDate: leaseEnd, Kind: operatorsv1.PremisesKind_PREMISES_KIND_TEMPORARY_STORAGE},
			{Address: "Almaty, warehouse 2", Owned: true, Kind: operatorsv1.PremisesKind_PREMISES_KIND_CUSTOMS_WAREHOUSE, CustomsWarehouseProcedure: true},
		},
		Security: &operatorsv1.Security{Kind: "bank guarantee", Amount: &typev1.Money{CurrencyCode: "EUR", Amount: "2000000"},
			ValidUntil: inYears(2), AlsoCovers: []operatorsv1.Register{operatorsv1.Register_REGISTER_CUSTOMS_REPRESENTATIVES}},
		Insurance: &operatorsv1.Insurance{PolicyNumber: "POL-1", InsuredAmount: &typev1.Money{CurrencyCode: "KZT", Amount: "50000000"},
			ValidFrom: "2020-01-01", ValidUntil: inYears(1)},
		InformationSystemEndpoint:     "https://is.example-fulfilment.kz:443/customs",
		QualifiedEmployeeCertificates: []string{"QC-001", "QC-002"},
		Scope:                         operatorsv1.Scope_SCOPE_BOTH,
	}}
}

// registerDevOperator puts the dev operator on the register.
func registerDevOperator(t *testing.T, n *node) *operatorsv1.Operator {
	ctx := ctxT(t)
	app, err := n.sdk(pki.RoleOperator).Register.SubmitApplication(ctx, &operatorsv1.SubmitApplicationRequest{Application: application(inYears(3))})
	if err != nil {
		t.Fatal(err)
	}
	d, err := n.sdk(pki.RoleCustoms).Register.DecideApplication(ctx, &operatorsv1.DecideApplicationRequest{Name: app.GetApplication().GetName(), Include: true})
	if err != nil {
		t.Fatal(err)
	}
	return d.GetOperator()
}

func TestOperatorRegisterLife(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			n := startNode(t, t.TempDir(), b.dsn(t))
			seedDeclarationReference(t, n)
			testOperatorRegisterLife(t, n)
		})
	}
}

func testOperatorRegisterLife(t *testing.T, n *node) {
	ctx := ctxT(t)
	op, customs := n.sdk(pki.RoleOperator), n.sdk(pki.RoleCustoms)

	// Not on the register yet: it cannot declare.
	_, err := op.Declarations.FileDeclaration(ctx, &ecommercev1.FileDeclarationRequest{Declaration: operatorDeclaration()})
	if st := wantCode(t, err, codes.InvalidArgument, "REASON_INVALID_FIELD"); !strings.Contains(violations(st)["declaration.declarant.operator_register_number"], "not on the register") {
		t.Fatalf("an applicant is not an operator: %v", violations(st))
	}

	// art. 429.2(1)(1): a lease ending within a year fails one condition.
	first, err := op.Register.SubmitApplication(ctx, &operatorsv1.SubmitApplicationRequest{Application: application(time.Now().AddDate(0, 6, 0).Format(time.DateOnly))})
	if err != nil {
		t.Fatal(err)
	}
	var unmet []string
	for _, c := range first.GetApplication().GetConditions() {
		if !c.GetMet() {
			unmet = append(unmet, c.GetCode())
		}
		if !strings.HasPrefix(c.GetArticle(), "EAEU Customs Code art. 429.2") && !strings.Contains(c.GetArticle(), "309.6") {
			t.Errorf("condition %s cites %q", c.GetCode(), c.GetArticle())
		}
	}
	if strings.Join(unmet, ",") != "lease-one-year" || len(first.GetApplication().GetConditions()) < 9 {
		t.Fatalf("conditions: unmet %v of %d", unmet, len(first.GetApplication().GetConditions()))
	}
	_, err = customs.Register.DecideApplication(ctx, &operatorsv1.DecideApplicationRequest{Name: first.GetApplication().GetName(), Include: true})
	wantCode(t, err, codes.FailedPrecondition, "REASON_WRONG_STATE")
	_, err = customs.Register.DecideApplication(ctx, &operatorsv1.DecideApplicationRequest{Name: first.GetApplication().GetName()})
	wantCode(t, err, codes.InvalidArgument, "REASON_INVALID_FIELD") // a rejection needs its reasons
	rej, err := customs.Register.DecideApplication(ctx, &operatorsv1.DecideApplicationRequest{Name: first.GetApplication().GetName(),
		Note: "lease-one-year: the lease ends within a year (art. 429.2(1)(1))"})
	if err != nil || rej.GetApplication().GetStatus() != operatorsv1.ApplicationStatus_APPLICATION_STATUS_REJECTED {
		t.Fatalf("reject: %v", err)
	}

	// The corrected application meets every condition and is included.
	o := registerDevOperator(t, n)
	if o.GetRegisterNumber() != devOperatorNumber || o.GetStatus() != operatorsv1.OperatorStatus_OPERATOR_STATUS_ACTIVE {
		t.Fatalf("included: %v", o)
	}
	app2, err := op.Register.SubmitApplication(ctx, &operatorsv1.SubmitApplicationRequest{Application: application(inYears(3))})
	if err != nil {
		t.Fatal(err)
	}
	_, err = customs.Register.DecideApplication(ctx, &operatorsv1.DecideApplicationRequest{Name: app2.GetApplication().GetName(), Include: true})
	wantCode(t, err, codes.AlreadyExists, "REASON_ALREADY_EXISTS")

	// The public register: anyone, only public details.
	code, m := getJSON(t, n.https(""), "GET", "https://"+n.http+"/v1/publicOperators", "")
	if code != 200 || len(m["operators"].([]any)) != 1 || strings.Contains(mustJSON(m), "bank guarantee") || strings.Contains(mustJSON(m), "KZ-OP-0001") {
		t.Fatalf("public register: %d %v", code, m)
	}
	_, err = n.sdk(pki.RolePeer).Register.GetOperator(ctx, &operatorsv1.GetOperatorRequest{Name: o.GetName()})
	wantCode(t, err, codes.PermissionDenied, "REASON_PERMISSION_DENIED")

	// Now it declares under its register number.
	filed, err := op.Declarations.FileDeclaration(ctx, &ecommercev1.FileDeclarationRequest{Declaration: operatorDeclaration()})
	if err != nil {
		t.Fatal(err)
	}

	// art. 429.5: a change notified 10 days later is late; a same-day one is not.
	late, err := op.Register.NotifyChange(ctx, &operatorsv1.NotifyChangeRequest{Name: o.GetName(), Notice: &operatorsv1.ChangeNotice{
		Description: "new director", ChangeDate: time.Now().AddDate(0, 0, -10).Format(time.DateOnly), Documents: []string{"order No 7"}}})
	if err != nil || !late.GetOperator().GetChangeNotices()[0].GetLate() {
		t.Fatalf("late notice: %v %v", err, late.GetOperator().GetChangeNotices())
	}
	onTime, err := op.Register.NotifyChange(ctx, &operatorsv1.NotifyChangeRequest{Name: o.GetName(), Notice: &operatorsv1.ChangeNotice{
		Description: "new phone", ChangeDate: time.Now().AddDate(0, 0, -1).Format(time.DateOnly), Documents: []string{"letter"}}})
	if err != nil || onTime.GetOperator().GetChangeNotices()[1].GetLate() {
		t.Fatalf("notice in time: %v %v", err, onTime.GetOperator().GetChangeNotices())
	}

	// art. 429.3, 429.5: exclusion creates the follow-up obligations.
	ex, err := customs.Register.ExcludeOperator(ctx, &operatorsv1.ExcludeOperatorRequest{Name: o.GetName(),
		Ground: operatorsv1.ExclusionGround_EXCLUSION_GROUND_OWN_APPLICATION, Note: "application of 1 Dec"})
	if err != nil {
		t.Fatal(err)
	}
	fus := ex.GetOperator().GetExclusion().GetFollowUps()
	if len(fus) != 4 || ex.GetOperator().GetStatus() != operatorsv1.OperatorStatus_OPERATOR_STATUS_EXCLUDED {
		t.Fatalf("follow-ups: %v", fus)
	}
	for _, f := range fus {
		if f.GetDueDate() <= ex.GetOperator().GetExclusion().GetExclusionDate() {
			t.Errorf("follow-up %s due %s, not after the exclusion", f.GetKind(), f.GetDueDate())
		}
	}
	done, err := customs.Register.CompleteFollowUp(ctx, &operatorsv1.CompleteFollowUpRequest{Name: o.GetName(),
		Kind: operatorsv1.FollowUpKind_FOLLOW_UP_KIND_NOTIFY_OTHER_OPERATORS, DoneDate: ex.GetOperator().GetExclusion().GetExclusionDate()})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range done.GetOperator().GetExclusion().GetFollowUps() {
		if (f.GetDoneDate() != "") != (f.GetKind() == operatorsv1.FollowUpKind_FOLLOW_UP_KIND_NOTIFY_OTHER_OPERATORS) {
			t.Errorf("follow-up %s done %q", f.GetKind(), f.GetDoneDate())
		}
	}
	_, err = customs.Register.CompleteFollowUp(ctx, &operatorsv1.CompleteFollowUpRequest{Name: o.GetName(),
		Kind: operatorsv1.FollowUpKind_FOLLOW_UP_KIND_NOTIFY_OTHER_OPERATORS, DoneDate: ex.GetOperator().GetExclusion().GetExclusionDate()})
	wantCode(t, err, codes.FailedPrecondition, "REASON_WRONG_STATE")

	// Excluded: no more declarations, the old ones still visible to it.
	_, err = op.Declarations.FileDeclaration(ctx, &ecommercev1.FileDeclarationRequest{Declaration: operatorDeclaration()})
	wantCode(t, err, codes.InvalidArgument, "REASON_INVALID_FIELD")
	if _, err := op.Declarations.GetDeclaration(ctx, &ecommercev1.GetDeclarationRequest{Name: filed.GetDeclaration().GetName()}); err != nil {
		t.Fatalf("an excluded operator still reads its declarations: %v", err)
	}
	code, m = getJSON(t, n.https(""), "GET", "https://"+n.http+"/v1/publicOperators/"+devOperatorNumber, "")
	if code != 200 || m["operator"].(map[string]any)["status"] != "OPERATOR_STATUS_EXCLUDED" {
		t.Fatalf("public entry after exclusion: %d %v", code, m)
	}

	// Bad input changes nothing.
	bad := application("2020-01-01")
	bad.Details.LegalEntityNumber = "KZ-OP-9999"
	bad.Details.Security.Amount.Amount = "-5"
	bad.Details.Insurance.InsuredAmount.CurrencyCode = "ZZZ"
	_, err = op.Register.SubmitApplication(ctx, &operatorsv1.SubmitApplicationRequest{Application: bad})
	st := wantCode(t, err, codes.InvalidArgument, "REASON_INVALID_FIELD")
	v := violations(st)
	for _, f := range []string{"application.details.legal_entity_number", "application.details.premises[0].lease_end_date",
		"application.details.security.amount.amount", "application.details.insurance.insured_amount.currency_code"} {
		if v[f] == "" {
			t.Errorf("no violation on %s: %v", f, v)
		}
	}
}
