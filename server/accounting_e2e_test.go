package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/eaeu/customs-exchange/client"
	auditv1 "github.com/eaeu/customs-exchange/gen/eaeu/audit/v1"
	operatorsv1 "github.com/eaeu/customs-exchange/gen/eaeu/operators/v1"
	typev1 "github.com/eaeu/customs-exchange/gen/eaeu/type/v1"
	"github.com/eaeu/customs-exchange/internal/pki"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
)

const devOperator = "operators/" + devOperatorNumber

// acctDay is the date n days before today in the node's member state.
func acctDay(n int) string { return dates.Format(dates.Local(time.Now(), "KZ").AddDate(0, 0, -n)) }

func acctItemDetails(hs string, qty int64, amount, cur string) *operatorsv1.AccountingItemDetails {
	return &operatorsv1.AccountingItemDetails{Description: "goods " + hs, HsCode: hs, Quantity: qty,
		Value: &typev1.Money{CurrencyCode: cur, Amount: amount}, Owner: "Example Seller Ltd"}
}

func warehousePlacement(id, item, on string, d *operatorsv1.AccountingItemDetails) *operatorsv1.AccountingEvent {
	return &operatorsv1.AccountingEvent{EventId: id, ItemId: item, OccurredOn: on,
		Kind: &operatorsv1.AccountingEvent_CustomsWarehousePlacement{CustomsWarehousePlacement: &operatorsv1.AccountingPlacement{Item: d}}}
}

func storagePlacement(id, item, on string, d *operatorsv1.AccountingItemDetails) *operatorsv1.AccountingEvent {
	return &operatorsv1.AccountingEvent{EventId: id, ItemId: item, OccurredOn: on,
		Kind: &operatorsv1.AccountingEvent_TemporaryStoragePlacement{TemporaryStoragePlacement: &operatorsv1.AccountingPlacement{Item: d}}}
}

func removalNotice(id, item, on, purchase string) *operatorsv1.AccountingEvent {
	return &operatorsv1.AccountingEvent{EventId: id, ItemId: item, OccurredOn: on,
		Kind: &operatorsv1.AccountingEvent_RemovalNotice{RemovalNotice: &operatorsv1.AccountingRemovalNotice{PurchaseDate: purchase, OrderReference: "order-" + item}}}
}

func removal(id, item, on string, qty int64) *operatorsv1.AccountingEvent {
	return &operatorsv1.AccountingEvent{EventId: id, ItemId: item, OccurredOn: on,
		Kind: &operatorsv1.AccountingEvent_Removal{Removal: &operatorsv1.AccountingRemoval{Quantity: qty}}}
}

func buyerReturn(id, item, on, docs string) *operatorsv1.AccountingEvent {
	return &operatorsv1.AccountingEvent{EventId: id, ItemId: item, OccurredOn: on,
		Kind: &operatorsv1.AccountingEvent_BuyerReturn{BuyerReturn: &operatorsv1.AccountingBuyerReturn{ReturnDocumentsDate: docs, ReturnDocuments: "return act " + id}}}
}

func release(id, item, on string) *operatorsv1.AccountingEvent {
	return &operatorsv1.AccountingEvent{EventId: id, ItemId: item, OccurredOn: on,
		Kind: &operatorsv1.AccountingEvent_Release{Release: &operatorsv1.AccountingRelease{DeclarationNumber: "55201000/231126/0000001"}}}
}

func destruction(id, item, on string) *operatorsv1.AccountingEvent {
	return &operatorsv1.AccountingEvent{EventId: id, ItemId: item, OccurredOn: on,
		Kind: &operatorsv1.AccountingEvent_DestructionOrLoss{DestructionOrLoss: &operatorsv1.AccountingDestructionOrLoss{ActReference: "act 7"}}}
}

func transfer(id, item, on, dest string) *operatorsv1.AccountingEvent {
	return &operatorsv1.AccountingEvent{EventId: id, ItemId: item, OccurredOn: on,
		Kind: &operatorsv1.AccountingEvent_Transfer{Transfer: &operatorsv1.AccountingTransfer{DestinationOperator: dest}}}
}

// record records an event as the dev operator and fails the test on error.
func record(t *testing.T, c *client.Client, ev *operatorsv1.AccountingEvent) *operatorsv1.RecordAccountingEventResponse {
	t.Helper()
	resp, err := c.Accounting.RecordAccountingEvent(ctxT(t), &operatorsv1.RecordAccountingEventRequest{Parent: devOperator, Event: ev})
	if err != nil {
		t.Fatalf("%s (%s): %v", ev.GetEventId(), ev.GetItemId(), err)
	}
	return resp
}

func recordErr(t *testing.T, c *client.Client, ev *operatorsv1.AccountingEvent) error {
	t.Helper()
	_, err := c.Accounting.RecordAccountingEvent(ctxT(t), &operatorsv1.RecordAccountingEventRequest{Parent: devOperator, Event: ev})
	return err
}

func TestAccounting(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			n := startNode(t, t.TempDir(), b.dsn(t))
			seedDeclarationReference(t, n)
			registerDevOperator(t, n)
			t.Run("Life", func(t *testing.T) { testAccountingLife(t, n) })
			t.Run("BulkUpload", func(t *testing.T) { testAccountingBulk(t, n) })
			t.Run("Access", func(t *testing.T) { testAccountingAccess(t, n) })
			t.Run("Gateway", func(t *testing.T) { testAccountingGateway(t, n) })
			v, err := n.sdk(pki.RoleCustoms).Audit.VerifyAuditChain(ctxT(t), &auditv1.VerifyAuditChainRequest{})
			if err != nil || !v.GetIntact() {
				t.Fatalf("audit chain after the accounts: %v %v", err, v)
			}
		})
	}
}

func discrepancyKinds(ds []operatorsv1.AccountingDiscrepancyKind) string {
	var s []string
	for _, d := range ds {
		s = append(s, strings.TrimPrefix(d.String(), "ACCOUNTING_DISCREPANCY_KIND_"))
	}
	return strings.Join(s, ",")
}

func testAccountingLife(t *testing.T, n *node) {
	ctx := ctxT(t)
	op, customs := n.sdk(pki.RoleOperator), n.sdk(pki.RoleCustoms)
	today := acctDay(0)

	// A: a clean life in the customs warehouse (art. 309.6): placed,
	// bought, customs notified, removed with Union status, released.
	a := record(t, op, warehousePlacement("A1", "life-A", acctDay(10), acctItemDetails("6109100000", 2, "10.50", "EUR")))
	if a.GetItem().GetState() != operatorsv1.AccountingItemState_ACCOUNTING_ITEM_STATE_IN_CUSTOMS_WAREHOUSE ||
		a.GetEvent().GetName() != devOperator+"/events/A1" || a.GetItem().GetName() != devOperator+"/items/life-A" {
		t.Fatalf("placement: %v", a)
	}
	// Removal before the notice: FAILED_PRECONDITION.
	wantCode(t, recordErr(t, op, removal("A-early", "life-A", today, 0)), codes.FailedPrecondition, "REASON_WRONG_STATE")
	n2 := record(t, op, removalNotice("A2", "life-A", today, ""))
	if n2.GetItem().GetDeclarationDeadline() != dates.Format(dates.FifteenthOfNextMonth(dates.MustParse(today))) ||
		n2.GetItem().GetRemovalNoticeDate() != today {
		t.Fatalf("notice: %v", n2.GetItem())
	}
	r := record(t, op, removal("A3", "life-A", today, 2))
	if !r.GetItem().GetUnionStatus() || r.GetItem().GetState() != operatorsv1.AccountingItemState_ACCOUNTING_ITEM_STATE_REMOVED ||
		len(r.GetEvent().GetDiscrepancies()) != 0 {
		t.Fatalf("removal after the notice: %v", r)
	}
	rel := record(t, op, release("A4", "life-A", today))
	if rel.GetItem().GetState() != operatorsv1.AccountingItemState_ACCOUNTING_ITEM_STATE_RELEASED || rel.GetItem().GetDeclarationDeadline() != "" {
		t.Fatalf("release: %v", rel.GetItem())
	}

	// Duplicates: the same event again changes nothing; another event
	// under the same id is refused.
	dup := record(t, op, warehousePlacement("A1", "life-A", acctDay(10), acctItemDetails("6109100000", 2, "10.50", "EUR")))
	if !dup.GetDuplicate() || dup.GetItem().GetState() != operatorsv1.AccountingItemState_ACCOUNTING_ITEM_STATE_RELEASED ||
		dup.GetEvent().GetToState() != operatorsv1.AccountingItemState_ACCOUNTING_ITEM_STATE_IN_CUSTOMS_WAREHOUSE {
		t.Fatalf("duplicate: %v", dup)
	}
	other := warehousePlacement("A1", "life-A", acctDay(10), acctItemDetails("6109100000", 3, "10.50", "EUR"))
	wantCode(t, recordErr(t, op, other), codes.AlreadyExists, "REASON_ALREADY_EXISTS")
	// No event after the end of the procedure.
	wantCode(t, recordErr(t, op, destruction("A5", "life-A", today)), codes.FailedPrecondition, "REASON_WRONG_STATE")

	// B: bought a month ago, removed before customs received the notice,
	// 3 units removed of an item of 1, returned: placed back and notified
	// late (3 and 5 working days after the return documents).
	record(t, op, warehousePlacement("B1", "life-B", acctDay(60), acctItemDetails("6109100000", 1, "4", "EUR")))
	record(t, op, removalNotice("B2", "life-B", acctDay(30), acctDay(30)))
	b3 := record(t, op, removal("B3", "life-B", acctDay(25), 3))
	if got := discrepancyKinds(b3.GetEvent().GetDiscrepancies()); got != "REMOVED_WITHOUT_NOTICE,STOCK_MISMATCH" {
		t.Fatalf("removal before the notice arrived: %s", got)
	}
	b4 := record(t, op, buyerReturn("B4", "life-B", acctDay(10), acctDay(20)))
	if got := discrepancyKinds(b4.GetEvent().GetDiscrepancies()); got != "RETURN_PLACED_LATE,RETURN_NOTIFIED_LATE" {
		t.Fatalf("late return: %s", got)
	}
	if it := b4.GetItem(); it.GetUnionStatus() || it.GetState() != operatorsv1.AccountingItemState_ACCOUNTING_ITEM_STATE_IN_CUSTOMS_WAREHOUSE ||
		it.GetDeclarationDeadline() != "" || len(it.GetDiscrepancies()) != 4 {
		t.Fatalf("returned item: %v", it)
	}

	// C: bought 80 days ago, removed, never declared: overdue.
	record(t, op, warehousePlacement("C1", "life-C", acctDay(90), acctItemDetails("4202920000", 1, "50", "USD")))
	record(t, op, removalNotice("C2", "life-C", acctDay(80), ""))
	record(t, op, removal("C3", "life-C", acctDay(79), 0))

	// D: temporary storage (art. 309.3), released to its buyer.
	record(t, op, storagePlacement("D1", "life-D", acctDay(3), acctItemDetails("8517130000", 1, "300", "USD")))
	st := wantCode(t, recordErr(t, op, removal("D-bad", "life-D", today, 0)), codes.InvalidArgument, "REASON_INVALID_FIELD")
	if !strings.Contains(violations(st)["event.item_id"], "not in the customs warehouse") {
		t.Fatalf("removal of an item not in the warehouse: %v", violations(st))
	}
	record(t, op, release("D2", "life-D", today))

	// E: a return of an item never removed; destruction; nothing after.
	record(t, op, warehousePlacement("E1", "life-E", acctDay(5), acctItemDetails("9503000000", 4, "12.00", "EUR")))
	st = wantCode(t, recordErr(t, op, buyerReturn("E-bad", "life-E", today, today)), codes.InvalidArgument, "REASON_INVALID_FIELD")
	if !strings.Contains(violations(st)["event.item_id"], "not removed for delivery") {
		t.Fatalf("return of an item never removed: %v", violations(st))
	}
	st = wantCode(t, recordErr(t, op, removalNotice("E-past", "life-E", acctDay(6), "")), codes.InvalidArgument, "REASON_INVALID_FIELD")
	if violations(st)["event.occurred_on"] == "" {
		t.Fatalf("an event before the item's previous one: %v", violations(st))
	}
	wantCode(t, recordErr(t, op, transfer("E-t", "life-E", today, "KZ-EO-0000099")), codes.InvalidArgument, "REASON_INVALID_FIELD")
	record(t, op, destruction("E2", "life-E", today))
	wantCode(t, recordErr(t, op, release("E3", "life-E", today)), codes.FailedPrecondition, "REASON_WRONG_STATE")

	// Malformed events: every field named.
	bad := warehousePlacement("X1", "life-X", time.Now().AddDate(0, 0, 3).Format(time.DateOnly), acctItemDetails("6109100000", 1, "-5", "ZZZ"))
	st = wantCode(t, recordErr(t, op, bad), codes.InvalidArgument, "REASON_INVALID_FIELD")
	v := violations(st)
	for _, f := range []string{"event.customs_warehouse_placement.item.value.amount", "event.customs_warehouse_placement.item.value.currency_code", "event.occurred_on"} {
		if v[f] == "" {
			t.Errorf("no violation on %s: %v", f, v)
		}
	}
	bad = warehousePlacement("X2", "life-X", today, acctItemDetails("61091", 0, "1", "EUR"))
	v = violations(wantCode(t, recordErr(t, op, bad), codes.InvalidArgument, "REASON_INVALID_FIELD"))
	if v["event.customs_warehouse_placement.item.hs_code"] == "" || v["event.customs_warehouse_placement.item.quantity"] == "" {
		t.Errorf("proto rules: %v", v)
	}

	// The items as customs reads them.
	got, err := customs.Accounting.GetAccountingItem(ctx, &operatorsv1.GetAccountingItemRequest{Name: devOperator + "/items/life-B"})
	if err != nil || got.GetItem().GetEventCount() != 4 || got.GetItem().GetLastEvent() != devOperator+"/events/B4" {
		t.Fatalf("customs reads the item: %v %v", err, got)
	}
	evs, err := op.Accounting.ListAccountingEvents(ctx, &operatorsv1.ListAccountingEventsRequest{Parent: devOperator, ItemId: "life-B", PageSize: 3})
	if err != nil || len(evs.GetEvents()) != 3 || evs.GetNextPageToken() == "" || evs.GetEvents()[0].GetEventId() != "B1" {
		t.Fatalf("events of an item: %v %v", err, evs)
	}
	evs, err = op.Accounting.ListAccountingEvents(ctx, &operatorsv1.ListAccountingEventsRequest{Parent: devOperator, ItemId: "life-B", PageSize: 3, PageToken: evs.GetNextPageToken()})
	if err != nil || len(evs.GetEvents()) != 1 || evs.GetEvents()[0].GetEventId() != "B4" || evs.GetNextPageToken() != "" {
		t.Fatalf("second page: %v %v", err, evs)
	}

	// The report for the period (art. 429.5), produced from the accounts.
	rep, err := op.Accounting.CreateAccountingReport(ctx, &operatorsv1.CreateAccountingReportRequest{Parent: devOperator,
		Report: &operatorsv1.AccountingReport{PeriodStart: acctDay(100), PeriodEnd: today}})
	if err != nil {
		t.Fatal(err)
	}
	report := rep.GetReport()
	totals := map[string]string{}
	for _, sec := range report.GetSections() {
		tl := sec.GetTotals()
		totals[strings.TrimPrefix(sec.GetAccount().String(), "ACCOUNTING_REPORT_ACCOUNT_")] = fmt.Sprintf("%d+%d-%d=%d",
			tl.GetOpening().GetItems(), tl.GetIncoming().GetItems(), tl.GetOutgoing().GetItems(), tl.GetClosing().GetItems())
	}
	want := map[string]string{"TEMPORARY_STORAGE": "0+1-1=0", "CUSTOMS_WAREHOUSE": "0+5-4=1", "REMOVED_FOR_BUYERS": "0+3-2=1"}
	for k, w := range want {
		if totals[k] != w {
			t.Errorf("report account %s: %s, want %s", k, totals[k], w)
		}
	}
	disc := map[string]int64{}
	for _, c := range report.GetDiscrepancyCounts() {
		disc[strings.TrimPrefix(c.GetKind().String(), "ACCOUNTING_DISCREPANCY_KIND_")] = c.GetCount()
	}
	if disc["REMOVED_WITHOUT_NOTICE"] != 2 || disc["STOCK_MISMATCH"] != 1 || disc["RETURN_PLACED_LATE"] != 1 ||
		disc["RETURN_NOTIFIED_LATE"] != 1 || disc["DECLARATION_OVERDUE"] != 1 {
		t.Errorf("report discrepancies: %v", disc)
	}
	if report.GetStatus() != operatorsv1.AccountingReportStatus_ACCOUNTING_REPORT_STATUS_DRAFT || report.GetEventsRead() != 15 {
		t.Errorf("report: %s, %d events read", report.GetStatus(), report.GetEventsRead())
	}
	// A period ending in the future is refused.
	_, err = op.Accounting.CreateAccountingReport(ctx, &operatorsv1.CreateAccountingReportRequest{Parent: devOperator,
		Report: &operatorsv1.AccountingReport{PeriodStart: today, PeriodEnd: time.Now().AddDate(0, 0, 3).Format(time.DateOnly)}})
	wantCode(t, err, codes.InvalidArgument, "REASON_INVALID_FIELD")

	// Submitted, returned with remarks, produced again, accepted.
	sub, err := op.Accounting.SubmitAccountingReport(ctx, &operatorsv1.SubmitAccountingReportRequest{Name: report.GetName(), Etag: report.GetEtag()})
	if err != nil || sub.GetReport().GetStatus() != operatorsv1.AccountingReportStatus_ACCOUNTING_REPORT_STATUS_SUBMITTED {
		t.Fatalf("submit: %v %v", err, sub)
	}
	_, err = op.Accounting.SubmitAccountingReport(ctx, &operatorsv1.SubmitAccountingReportRequest{Name: report.GetName()})
	wantCode(t, err, codes.FailedPrecondition, "REASON_WRONG_STATE")
	_, err = op.Accounting.CreateAccountingReport(ctx, &operatorsv1.CreateAccountingReportRequest{Parent: devOperator,
		Report: &operatorsv1.AccountingReport{PeriodStart: acctDay(100), PeriodEnd: today}})
	wantCode(t, err, codes.FailedPrecondition, "REASON_WRONG_STATE")
	_, err = op.Accounting.ReviewAccountingReport(ctx, &operatorsv1.ReviewAccountingReportRequest{Name: report.GetName(),
		Decision: operatorsv1.AccountingReviewDecision_ACCOUNTING_REVIEW_DECISION_ACCEPT})
	wantCode(t, err, codes.PermissionDenied, "REASON_PERMISSION_DENIED")
	_, err = customs.Accounting.ReviewAccountingReport(ctx, &operatorsv1.ReviewAccountingReportRequest{Name: report.GetName(),
		Decision: operatorsv1.AccountingReviewDecision_ACCOUNTING_REVIEW_DECISION_RETURN})
	wantCode(t, err, codes.InvalidArgument, "REASON_INVALID_FIELD")
	pending, err := customs.Accounting.ListAccountingReports(ctx, &operatorsv1.ListAccountingReportsRequest{Parent: "operators/-",
		Status: operatorsv1.AccountingReportStatus_ACCOUNTING_REPORT_STATUS_SUBMITTED})
	if err != nil || len(pending.GetReports()) != 1 || pending.GetReports()[0].GetName() != report.GetName() {
		t.Fatalf("customs lists the submitted reports: %v %v", err, pending)
	}
	ret, err := customs.Accounting.ReviewAccountingReport(ctx, &operatorsv1.ReviewAccountingReportRequest{Name: report.GetName(),
		Decision: operatorsv1.AccountingReviewDecision_ACCOUNTING_REVIEW_DECISION_RETURN, Remarks: "item life-B: explain the 3 units removed"})
	if err != nil || ret.GetReport().GetStatus() != operatorsv1.AccountingReportStatus_ACCOUNTING_REPORT_STATUS_RETURNED ||
		ret.GetReport().GetReviewRemarks() == "" {
		t.Fatalf("return: %v %v", err, ret)
	}
	again, err := op.Accounting.CreateAccountingReport(ctx, &operatorsv1.CreateAccountingReportRequest{Parent: devOperator,
		Report: &operatorsv1.AccountingReport{PeriodStart: acctDay(100), PeriodEnd: today}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := op.Accounting.SubmitAccountingReport(ctx, &operatorsv1.SubmitAccountingReportRequest{Name: again.GetReport().GetName()}); err != nil {
		t.Fatal(err)
	}
	acc, err := customs.Accounting.ReviewAccountingReport(ctx, &operatorsv1.ReviewAccountingReportRequest{Name: again.GetReport().GetName(),
		Decision: operatorsv1.AccountingReviewDecision_ACCOUNTING_REVIEW_DECISION_ACCEPT})
	if err != nil || acc.GetReport().GetStatus() != operatorsv1.AccountingReportStatus_ACCOUNTING_REPORT_STATUS_ACCEPTED {
		t.Fatalf("accept: %v %v", err, acc)
	}
	mine, err := op.Accounting.ListAccountingReports(ctx, &operatorsv1.ListAccountingReportsRequest{Parent: devOperator})
	if err != nil || len(mine.GetReports()) != 2 || mine.GetReports()[0].GetName() != again.GetReport().GetName() {
		t.Fatalf("the operator's reports: %v %v", err, mine)
	}

	// Discrepancies, for customs only.
	ds, err := customs.Accounting.ListAccountingDiscrepancies(ctx, &operatorsv1.ListAccountingDiscrepanciesRequest{Parent: devOperator})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, d := range ds.GetDiscrepancies() {
		seen[strings.TrimPrefix(d.GetItem(), devOperator+"/items/")+":"+strings.TrimPrefix(d.GetKind().String(), "ACCOUNTING_DISCREPANCY_KIND_")]++
		if d.GetArticle() == "" || d.GetDetail() == "" || d.GetDate() == "" {
			t.Errorf("discrepancy without article, detail or date: %v", d)
		}
	}
	for _, k := range []string{"life-B:REMOVED_WITHOUT_NOTICE", "life-B:STOCK_MISMATCH", "life-B:RETURN_PLACED_LATE",
		"life-B:RETURN_NOTIFIED_LATE", "life-C:REMOVED_WITHOUT_NOTICE", "life-C:DECLARATION_OVERDUE"} {
		if seen[k] != 1 {
			t.Errorf("discrepancy %s seen %d times: %v", k, seen[k], seen)
		}
	}
	if len(ds.GetDiscrepancies()) != 6 {
		t.Errorf("%d discrepancies: %v", len(ds.GetDiscrepancies()), seen)
	}
	overdue, err := customs.Accounting.ListAccountingDiscrepancies(ctx, &operatorsv1.ListAccountingDiscrepanciesRequest{Parent: "operators/-",
		Kind: operatorsv1.AccountingDiscrepancyKind_ACCOUNTING_DISCREPANCY_KIND_DECLARATION_OVERDUE})
	if err != nil || len(overdue.GetDiscrepancies()) != 1 || overdue.GetDiscrepancies()[0].GetItem() != devOperator+"/items/life-C" {
		t.Fatalf("overdue items of every operator: %v %v", err, overdue)
	}
	_, err = op.Accounting.ListAccountingDiscrepancies(ctx, &operatorsv1.ListAccountingDiscrepanciesRequest{Parent: devOperator})
	wantCode(t, err, codes.PermissionDenied, "REASON_PERMISSION_DENIED")
}

// bulkEvents is a life of items placed, notified, removed and released
// today: 4 events per item.
func bulkEvents(prefix string, items int) []*operatorsv1.AccountingEvent {
	today := acctDay(0)
	out := make([]*operatorsv1.AccountingEvent, 0, 4*items)
	for i := 0; i < items; i++ {
		item := fmt.Sprintf("%s-%05d", prefix, i)
		hs := fmt.Sprintf("61091000%02d", i%50)
		out = append(out,
			warehousePlacement(item+"-p", item, today, acctItemDetails(hs, int64(1+i%3), fmt.Sprintf("%d.%02d", 5+i%40, i%100), "EUR")),
			removalNotice(item+"-n", item, today, ""),
			removal(item+"-r", item, today, 0),
			release(item+"-d", item, today))
	}
	return out
}

// upload sends the events in messages of chunk events each (the last may
// hold fewer) and returns the response.
func upload(t *testing.T, c *client.Client, parent string, evs []*operatorsv1.AccountingEvent, chunk int) (*operatorsv1.UploadAccountingEventsResponse, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := c.Accounting.UploadAccountingEvents(ctx)
	if err != nil {
		return nil, err
	}
	for start := 0; start < len(evs); start += chunk {
		req := &operatorsv1.UploadAccountingEventsRequest{Events: evs[start:min(start+chunk, len(evs))]}
		if start == 0 {
			req.Parent = parent
		}
		if err := st.Send(req); err != nil {
			break // the server ended the call: CloseAndRecv says why
		}
	}
	return st.CloseAndRecv()
}

func testAccountingBulk(t *testing.T, n *node) {
	ctx := ctxT(t)
	op := n.sdk(pki.RoleOperator)
	good := bulkEvents("bulk", 1250) // 5 000 events
	today := acctDay(0)
	// A few bad ones in the middle.
	negative := warehousePlacement("bad-negative", "bulk-bad", today, acctItemDetails("6109100000", 1, "-1", "EUR"))
	ghost := removal("bad-ghost", "bulk-ghost", today, 0)
	noKind := &operatorsv1.AccountingEvent{EventId: "bad-nokind", ItemId: "bulk-00001", OccurredOn: today}
	reused := release("bulk-00002-p", "bulk-00002", today) // the id of an earlier placement, other content
	resent := proto.Clone(good[0]).(*operatorsv1.AccountingEvent)
	var evs []*operatorsv1.AccountingEvent
	evs = append(evs, good[:2500]...)
	evs = append(evs, negative, ghost, noKind, reused, resent)
	evs = append(evs, good[2500:]...)
	wantOutcome := map[int]operatorsv1.UploadAccountingEventOutcome{
		2500: operatorsv1.UploadAccountingEventOutcome_UPLOAD_ACCOUNTING_EVENT_OUTCOME_REFUSED,
		2501: operatorsv1.UploadAccountingEventOutcome_UPLOAD_ACCOUNTING_EVENT_OUTCOME_REFUSED,
		2502: operatorsv1.UploadAccountingEventOutcome_UPLOAD_ACCOUNTING_EVENT_OUTCOME_REFUSED,
		2503: operatorsv1.UploadAccountingEventOutcome_UPLOAD_ACCOUNTING_EVENT_OUTCOME_REFUSED,
		2504: operatorsv1.UploadAccountingEventOutcome_UPLOAD_ACCOUNTING_EVENT_OUTCOME_DUPLICATE,
	}

	start := time.Now()
	resp, err := upload(t, op, devOperator, evs, 1) // one event per message
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("uploaded %d events in %v", len(evs), time.Since(start))
	if resp.GetApplied() != 5000 || resp.GetDuplicates() != 1 || resp.GetRefused() != 4 || len(resp.GetResults()) != len(evs) {
		t.Fatalf("applied %d, duplicates %d, refused %d, %d results", resp.GetApplied(), resp.GetDuplicates(), resp.GetRefused(), len(resp.GetResults()))
	}
	for i, r := range resp.GetResults() {
		want, special := wantOutcome[i]
		if !special {
			want = operatorsv1.UploadAccountingEventOutcome_UPLOAD_ACCOUNTING_EVENT_OUTCOME_APPLIED
		}
		if int(r.GetIndex()) != i || r.GetEventId() != evs[i].GetEventId() || r.GetOutcome() != want {
			t.Fatalf("result %d: %v, want %s", i, r, want)
		}
	}
	fields := func(r *operatorsv1.UploadAccountingEventResult) string {
		var fs []string
		for _, v := range r.GetFieldViolations() {
			fs = append(fs, v.GetField())
		}
		return strings.Join(fs, ",")
	}
	res := resp.GetResults()
	if res[2500].GetReason() != "REASON_INVALID_FIELD" || fields(res[2500]) != "event.customs_warehouse_placement.item.value.amount" {
		t.Errorf("negative amount: %v", res[2500])
	}
	if res[2501].GetReason() != "REASON_INVALID_FIELD" || fields(res[2501]) != "event.item_id" {
		t.Errorf("unknown item: %v", res[2501])
	}
	if res[2502].GetReason() != "REASON_INVALID_FIELD" || !strings.Contains(fields(res[2502]), "event.kind") {
		t.Errorf("no kind: %v", res[2502])
	}
	if res[2503].GetReason() != "REASON_ALREADY_EXISTS" {
		t.Errorf("reused event id: %v", res[2503])
	}

	// The good ones are applied: 1 250 released items, 4 events each.
	countItems := func() (int, int64) {
		var items int
		var events int64
		token := ""
		for {
			page, err := op.Accounting.ListAccountingItems(ctx, &operatorsv1.ListAccountingItemsRequest{Parent: devOperator,
				State: operatorsv1.AccountingItemState_ACCOUNTING_ITEM_STATE_RELEASED, PageSize: 1000, PageToken: token})
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range page.GetItems() {
				if strings.HasPrefix(it.GetName(), devOperator+"/items/bulk-") {
					items++
					events += it.GetEventCount()
				}
			}
			if token = page.GetNextPageToken(); token == "" {
				return items, events
			}
		}
	}
	items, events := countItems()
	if items != 1250 || events != 5000 {
		t.Fatalf("%d released items with %d events", items, events)
	}

	// The applied events are audited by one record per transaction, which
	// vouches for their stored rows (TestUploadedEventsTamperDetected); the
	// refused ones by one record for the call.
	customs := n.sdk(pki.RoleCustoms)
	if got := auditedEvents(t, uploadRecords(t, customs, devOperator)); got != 5000 {
		t.Fatalf("the audit records of the upload vouch for %d events", got)
	}
	refused, err := customs.Audit.ListAuditRecords(ctx, &auditv1.ListAuditRecordsRequest{Method: uploadMethod,
		Outcome: auditv1.Outcome_OUTCOME_REJECTED})
	if err != nil || len(refused.GetAuditRecords()) != 1 || !strings.Contains(refused.GetAuditRecords()[0].GetDetail(), "4 of 5005 events refused") {
		t.Fatalf("audit record of the refused events: %v %v", err, refused)
	}

	// The same stream again changes nothing.
	again, err := upload(t, op, devOperator, evs, 300) // chunks of 300
	if err != nil {
		t.Fatal(err)
	}
	if again.GetApplied() != 0 || again.GetDuplicates() != 5001 || again.GetRefused() != 4 {
		t.Fatalf("retried stream: applied %d, duplicates %d, refused %d", again.GetApplied(), again.GetDuplicates(), again.GetRefused())
	}
	if i, e := countItems(); i != items || e != events {
		t.Fatalf("the retry changed the accounts: %d items, %d events", i, e)
	}

	// An upload for another operator is refused as a whole.
	_, err = upload(t, op, "operators/KZ-EO-0000077", good[:3], 1)
	wantCode(t, err, codes.NotFound, "REASON_NOT_FOUND")

	// A message carries at most 1 000 events: the rest of it is refused.
	var many []*operatorsv1.AccountingEvent
	for i := 0; i < 1001; i++ {
		many = append(many, warehousePlacement(fmt.Sprintf("cap-%d", i), fmt.Sprintf("cap-%d", i), today, acctItemDetails("6109100000", 1, "1", "EUR")))
	}
	capped, err := upload(t, op, devOperator, many, 1001)
	if err != nil {
		t.Fatal(err)
	}
	last := capped.GetResults()[1000]
	if capped.GetApplied() != 1000 || capped.GetRefused() != 1 || last.GetFieldViolations()[0].GetField() != "events" {
		t.Fatalf("1 001 events in one message: applied %d, refused %d, last %v", capped.GetApplied(), capped.GetRefused(), last)
	}
}

// secondOperator issues a certificate for another legal entity from the
// node's development CA and puts it on the register.
func secondOperator(t *testing.T, n *node) (*client.Client, string) {
	p, err := pki.LoadPair(filepath.Join(n.certs, pki.CAFileName), filepath.Join(n.certs, pki.CAKeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	ca, err := pki.LoadCA(p.CertPEM, p.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := ca.IssueClient("spiffe://eaeu/KZ/operator/KZ-OP-0002", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "op2.pem"), filepath.Join(dir, "op2-key.pem")
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
	app := application(inYears(3))
	app.Details.LegalEntityNumber, app.Details.LegalName = "KZ-OP-0002", "Second Fulfilment LLP"
	sub, err := c.Register.SubmitApplication(ctxT(t), &operatorsv1.SubmitApplicationRequest{Application: app})
	if err != nil {
		t.Fatal(err)
	}
	d, err := n.sdk(pki.RoleCustoms).Register.DecideApplication(ctxT(t), &operatorsv1.DecideApplicationRequest{Name: sub.GetApplication().GetName(), Include: true})
	if err != nil {
		t.Fatal(err)
	}
	return c, d.GetOperator().GetName()
}

func testAccountingAccess(t *testing.T, n *node) {
	ctx := ctxT(t)
	op, customs, peer := n.sdk(pki.RoleOperator), n.sdk(pki.RoleCustoms), n.sdk(pki.RolePeer)
	op2, op2Name := secondOperator(t, n)
	today := acctDay(0)
	record(t, op, warehousePlacement("acc-1", "acc-item", today, acctItemDetails("6109100000", 1, "9", "EUR")))

	// Another operator sees nothing of it, not even that it exists.
	_, err := op2.Accounting.GetAccountingItem(ctx, &operatorsv1.GetAccountingItemRequest{Name: devOperator + "/items/acc-item"})
	wantCode(t, err, codes.NotFound, "REASON_NOT_FOUND")
	_, err = op2.Accounting.ListAccountingEvents(ctx, &operatorsv1.ListAccountingEventsRequest{Parent: devOperator})
	wantCode(t, err, codes.NotFound, "REASON_NOT_FOUND")
	_, err = op2.Accounting.GetAccountingEvent(ctx, &operatorsv1.GetAccountingEventRequest{Name: devOperator + "/events/acc-1"})
	wantCode(t, err, codes.NotFound, "REASON_NOT_FOUND")
	_, err = op2.Accounting.RecordAccountingEvent(ctx, &operatorsv1.RecordAccountingEventRequest{Parent: devOperator,
		Event: release("acc-2", "acc-item", today)})
	wantCode(t, err, codes.NotFound, "REASON_NOT_FOUND")
	_, err = op2.Accounting.ListAccountingReports(ctx, &operatorsv1.ListAccountingReportsRequest{Parent: "operators/-"})
	wantCode(t, err, codes.InvalidArgument, "REASON_INVALID_FIELD")
	_, err = upload(t, op2, devOperator, []*operatorsv1.AccountingEvent{release("acc-3", "acc-item", today)}, 1)
	wantCode(t, err, codes.NotFound, "REASON_NOT_FOUND")
	own, err := op2.Accounting.ListAccountingItems(ctx, &operatorsv1.ListAccountingItemsRequest{Parent: op2Name})
	if err != nil || len(own.GetItems()) != 0 {
		t.Fatalf("the second operator's own accounts: %v %v", err, own)
	}

	// Peers (another state's customs) see nothing at all.
	_, err = peer.Accounting.GetAccountingItem(ctx, &operatorsv1.GetAccountingItemRequest{Name: devOperator + "/items/acc-item"})
	wantCode(t, err, codes.PermissionDenied, "REASON_PERMISSION_DENIED")
	_, err = peer.Accounting.ListAccountingDiscrepancies(ctx, &operatorsv1.ListAccountingDiscrepanciesRequest{Parent: "operators/-"})
	wantCode(t, err, codes.PermissionDenied, "REASON_PERMISSION_DENIED")
	_, err = customs.Accounting.RecordAccountingEvent(ctx, &operatorsv1.RecordAccountingEventRequest{Parent: devOperator, Event: release("acc-4", "acc-item", today)})
	wantCode(t, err, codes.PermissionDenied, "REASON_PERMISSION_DENIED")

	// Customs reads it; the operator transfers it to the second operator's
	// warehouse (art. 309.6), which records its own placement.
	if _, err := customs.Accounting.GetAccountingEvent(ctx, &operatorsv1.GetAccountingEventRequest{Name: devOperator + "/events/acc-1"}); err != nil {
		t.Fatal(err)
	}
	tr := record(t, op, transfer("acc-5", "acc-item", today, strings.TrimPrefix(op2Name, "operators/")))
	if tr.GetItem().GetState() != operatorsv1.AccountingItemState_ACCOUNTING_ITEM_STATE_TRANSFERRED {
		t.Fatalf("transfer: %v", tr.GetItem())
	}
	if _, err := op2.Accounting.RecordAccountingEvent(ctx, &operatorsv1.RecordAccountingEventRequest{Parent: op2Name,
		Event: warehousePlacement("in-1", "acc-item", today, acctItemDetails("6109100000", 1, "9", "EUR"))}); err != nil {
		t.Fatal(err)
	}
}

func testAccountingGateway(t *testing.T, n *node) {
	base := "https://" + n.http + "/v1/" + devOperator
	body := fmt.Sprintf(`{"eventId":"gw-1","itemId":"gw-item","occurredOn":%q,"customsWarehousePlacement":{"item":{
		"description":"Mug","hsCode":"6912000000","quantity":"2","value":{"currencyCode":"EUR","amount":"7.00"},"owner":"Seller"}}}`, acctDay(0))
	code, m := getJSON(t, n.https(pki.RoleOperator), "POST", base+"/events", body)
	if code != 200 || m["item"].(map[string]any)["state"] != "ACCOUNTING_ITEM_STATE_IN_CUSTOMS_WAREHOUSE" {
		t.Fatalf("record through the gateway: %d %v", code, m)
	}
	code, m = getJSON(t, n.https(pki.RoleCustoms), "GET", base+"/items/gw-item", "")
	if code != 200 || m["item"].(map[string]any)["eventCount"] != "1" {
		t.Fatalf("read through the gateway: %d %v", code, m)
	}
	code, m = getJSON(t, n.https(pki.RoleCustoms), "GET", "https://"+n.http+"/v1/operators/-/discrepancies?kind=ACCOUNTING_DISCREPANCY_KIND_STOCK_MISMATCH", "")
	if code != 200 || len(m["discrepancies"].([]any)) != 1 {
		t.Fatalf("discrepancies through the gateway: %d %v", code, m)
	}
	code, _ = getJSON(t, n.https(pki.RolePeer), "GET", base+"/items/gw-item", "")
	if code != 403 {
		t.Fatalf("a peer through the gateway: want 403, got %d", code)
	}
	code, m = getJSON(t, n.https(pki.RoleOperator), "POST", base+"/events", `{"eventId":"gw-2","itemId":"gw-item","occurredOn":"2026-02-30","removal":{}}`)
	if code != 400 || !strings.Contains(mustJSON(m), "event.occurred_on") {
		t.Fatalf("bad input through the gateway: %d %v", code, m)
	}
}
