package main

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	ecommercev1 "github.com/eaeu/customs-exchange/gen/eaeu/ecommerce/v1"
	typev1 "github.com/eaeu/customs-exchange/gen/eaeu/type/v1"
	"github.com/eaeu/customs-exchange/internal/pki"
)

// TestReleaseFee: on a node that charges customs fees before release
// (--release-fee), registration adds them to the obligation, and no item
// is released until they are paid as well as the duty (art. 309.5).
func TestReleaseFee(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ctx := ctxT(t)
			n := startNode(t, t.TempDir(), b.dsn(t), "--release-fee", "1500")
			seedDeclarationReference(t, n)
			registerDevOperator(t, n)
			op, customs := n.sdk(pki.RoleOperator), n.sdk(pki.RoleCustoms)
			filed, err := op.Declarations.FileDeclaration(ctx, &ecommercev1.FileDeclarationRequest{Declaration: operatorDeclaration()})
			if err != nil {
				t.Fatal(err)
			}
			reg, err := customs.Declarations.RegisterDeclaration(ctx, &ecommercev1.RegisterDeclarationRequest{Name: filed.GetDeclaration().GetName()})
			if err != nil {
				t.Fatal(err)
			}
			d := reg.GetDeclaration()
			o := d.GetObligation()
			// The duty of operatorDeclaration is 12 750.00 KZT (see
			// testDeclarationLife); the fees come on top.
			if d.GetDuty().GetTotal() != "12750.00" || o.GetFees().GetAmount() != "1500.00" ||
				o.GetAssessed().GetAmount() != "14250.00" || o.GetBalance().GetAmount() != "14250.00" {
				t.Fatalf("obligation at registration: duty %s, %v", d.GetDuty().GetTotal(), o)
			}
			var decisions []*ecommercev1.ReleaseDecision
			for _, p := range d.GetParcels() {
				for _, it := range p.GetItems() {
					decisions = append(decisions, &ecommercev1.ReleaseDecision{ItemId: it.GetItemId(), Release: true})
				}
			}
			release := func() (*ecommercev1.DecideReleaseResponse, error) {
				return customs.Declarations.DecideRelease(ctx, &ecommercev1.DecideReleaseRequest{Name: d.GetName(), Decisions: decisions})
			}
			pay := func(ref, amount string) {
				t.Helper()
				if _, err := customs.Declarations.RecordPayment(ctx, &ecommercev1.RecordPaymentRequest{Name: d.GetName(), Payment: &ecommercev1.Payment{
					Reference: ref, Amount: &typev1.Money{CurrencyCode: "KZT", Amount: amount}, PaymentDate: "2026-11-23"}}); err != nil {
					t.Fatal(err)
				}
			}
			pay("T-1", "12750.00")
			_, err = release()
			if st := wantCode(t, err, codes.FailedPrecondition, "REASON_WRONG_STATE"); !strings.Contains(st.Message(), "customs fees due before release are not paid") {
				t.Fatalf("duty paid, fees not: %s", st.Message())
			}
			pay("T-2", "1500.00")
			rel, err := release()
			if err != nil {
				t.Fatal(err)
			}
			if rel.GetDeclaration().GetStatus() != ecommercev1.DeclarationStatus_DECLARATION_STATUS_RELEASED ||
				rel.GetDeclaration().GetObligation().GetState() != ecommercev1.ObligationState_OBLIGATION_STATE_PAID {
				t.Fatalf("after the fees were paid: %s %v", rel.GetDeclaration().GetStatus(), rel.GetDeclaration().GetObligation())
			}
		})
	}
}
