package main

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/eaeu/customs-exchange/client"
	operatorsv1 "github.com/eaeu/customs-exchange/gen/eaeu/operators/v1"
	referencev1 "github.com/eaeu/customs-exchange/gen/eaeu/reference/v1"
	"github.com/eaeu/customs-exchange/internal/benchkit"
	"github.com/eaeu/customs-exchange/internal/pki"
	rules "github.com/eaeu/customs-exchange/internal/rules/accounting"
	"github.com/eaeu/customs-exchange/internal/rules/dates"
	"github.com/eaeu/customs-exchange/internal/store"
	"github.com/eaeu/customs-exchange/internal/store/sqlstore"
)

// benchOperator puts the dev operator on the register of the node at addr
// (with the exchange rate its application's amounts need).
func benchOperator(b *testing.B, dev *pki.DevPKI, addr string) {
	ctx := context.Background()
	customs := dialAs(b, dev, addr, pki.RoleCustoms)
	if _, err := customs.ExchangeRates.CreateExchangeRates(ctx, &referencev1.CreateExchangeRatesRequest{ExchangeRates: []*referencev1.ExchangeRate{
		{CurrencyCode: "EUR", EffectiveDate: "2020-01-01", Rate: "500"}}}); err != nil {
		b.Fatal(err)
	}
	sub, err := dialAs(b, dev, addr, pki.RoleOperator).Register.SubmitApplication(ctx, &operatorsv1.SubmitApplicationRequest{Application: application(inYears(3))})
	if err != nil {
		b.Fatal(err)
	}
	d, err := customs.Register.DecideApplication(ctx, &operatorsv1.DecideApplicationRequest{Name: sub.GetApplication().GetName(), Include: true})
	if err != nil || d.GetOperator().GetName() != devOperator {
		b.Fatalf("operator: %v %v", err, d)
	}
}

// lifeRequests are the upload messages, of perMessage events each, of
// the life of n/4 new items (placed into the customs warehouse, notified,
// removed, released: 4 events each, ids made unique by prefix).
func lifeRequests(prefix string, n int) []*operatorsv1.UploadAccountingEventsRequest {
	const perMessage = 250
	today := acctDay(0)
	var out []*operatorsv1.UploadAccountingEventsRequest
	var cur *operatorsv1.UploadAccountingEventsRequest
	for i := 0; i < n/4; i++ {
		item := fmt.Sprintf("%s-%d", prefix, i)
		for _, ev := range []*operatorsv1.AccountingEvent{
			warehousePlacement(item+"p", item, today, acctItemDetails(fmt.Sprintf("61091000%02d", i%50), 1+int64(i%3), "12.50", "EUR")),
			removalNotice(item+"n", item, today, ""),
			removal(item+"r", item, today, 0),
			release(item+"d", item, today),
		} {
			if cur == nil || len(cur.Events) == perMessage {
				cur = &operatorsv1.UploadAccountingEventsRequest{}
				out = append(out, cur)
			}
			cur.Events = append(cur.Events, ev)
		}
	}
	out[0].Parent = devOperator
	return out
}

// uploadAll streams the messages in one call and returns how many events
// were applied.
func uploadAll(ctx context.Context, c *client.Client, reqs []*operatorsv1.UploadAccountingEventsRequest) (int32, error) {
	st, err := c.Accounting.UploadAccountingEvents(ctx)
	if err != nil {
		return 0, err
	}
	for _, req := range reqs {
		if err := st.Send(req); err != nil {
			_, err = st.CloseAndRecv()
			return 0, err
		}
	}
	resp, err := st.CloseAndRecv()
	if err != nil {
		return 0, err
	}
	if resp.GetRefused() > 0 {
		return resp.GetApplied(), fmt.Errorf("%d events refused: %v", resp.GetRefused(), resp.GetResults()[0])
	}
	return resp.GetApplied(), nil
}

// BenchmarkBulkUploadVsEcho reports how many accounting events per second
// the upload stream records through the full stack (mTLS, identity, role
// table, per-event validation, the state machine, the audit record of
// each transaction with the digest of its events' rows, the embedded
// SQLite store), as a ratio to the rate of a trivial mTLS unary echo
// measured in the same run: at 1.0 or more, a streamed event costs no
// more than an empty unary call. Run it with -benchtime=1x.
func BenchmarkBulkUploadVsEcho(b *testing.B) {
	ctx := context.Background()
	addr, dev, _ := benchNodeStore(b)
	benchOperator(b, dev, addr)
	echoCall := echoCaller(b, dev)
	op := dialAs(b, dev, addr, pki.RoleOperator)
	const (
		perStream = 4000 // events per upload call
		streams   = 4    // concurrent uploads
		rounds    = 3
		poolSize  = 12 // upload calls built ahead of a round
	)
	var seq, applied atomic.Int64
	// The events are built before each round, outside the measurement (the
	// echo calls send a ready message too); a round that uses them all
	// builds more as it goes.
	pool := make(chan []*operatorsv1.UploadAccountingEventsRequest, poolSize)
	fill := func() {
		for len(pool) < poolSize {
			pool <- lifeRequests(fmt.Sprintf("u%d", seq.Add(1)), perStream)
		}
	}
	uploadCall := func(ctx context.Context) error {
		var reqs []*operatorsv1.UploadAccountingEventsRequest
		select {
		case reqs = <-pool:
		default:
			reqs = lifeRequests(fmt.Sprintf("u%d", seq.Add(1)), perStream)
		}
		n, err := uploadAll(ctx, op, reqs)
		applied.Add(int64(n))
		return err
	}
	benchkit.Run(ctx, 4, 300*time.Millisecond, echoCall)
	fill()
	if err := uploadCall(ctx); err != nil { // warm-up
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// The two are measured in alternating rounds, so that a change in
		// the load of a shared machine weighs on both alike.
		var (
			echoCalls, events    int64
			echoTime, uploadTime time.Duration
			echoCPU, uploadCPU   time.Duration
			p50                  time.Duration
		)
		for round := 0; round < rounds; round++ {
			c0 := processCPU()
			e := benchkit.Run(ctx, benchWorkers, benchDuration/rounds, echoCall)
			fill()
			c1 := processCPU()
			applied.Store(0)
			u := benchkit.Run(ctx, streams, benchDuration/rounds, uploadCall)
			c2 := processCPU()
			if e.Errors+u.Errors > 0 {
				b.Fatalf("errors: echo %d, upload %d", e.Errors, u.Errors)
			}
			echoCalls, echoTime, echoCPU = echoCalls+e.Calls, echoTime+e.Duration, echoCPU+c1-c0
			events, uploadTime, uploadCPU = events+applied.Load(), uploadTime+u.Duration, uploadCPU+c2-c1
			p50 = max(p50, u.P50)
		}
		echoRate, eventRate := float64(echoCalls)/echoTime.Seconds(), float64(events)/uploadTime.Seconds()
		b.ReportMetric(echoRate, "echo_calls/s")
		b.ReportMetric(eventRate, "events/s")
		b.ReportMetric(eventRate/echoRate, "events/echo")
		// CPU time of the whole process (client and server) per call and
		// per event: less sensitive to other load on the machine.
		b.ReportMetric(float64(echoCPU.Microseconds())/float64(echoCalls), "cpu_µs/echo")
		b.ReportMetric(float64(uploadCPU.Microseconds())/float64(events), "cpu_µs/event")
		b.ReportMetric(float64(p50.Milliseconds()), "upload_p50_ms")
	}
}

// processCPU is the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchNodeStore is benchNode that also hands out the node's store, so
// that a benchmark can fill it directly. Its configuration is the flags'
// defaults (as the binary would have), so that settings added to
// app.Config later start with their defaults.
func benchNodeStore(b *testing.B) (string, *pki.DevPKI, store.Store) {
	n := startBenchApp(b, b.TempDir())
	return n.addr, n.dev, n.app.Store()
}

// fillAccounts inserts events for items/4... exactly 4 events per item, in
// transactions of txEvents events, straight through the store: items
// placed over the last year, notified, removed and released (every tenth
// returned instead of released), with their final rows.
func fillAccounts(b *testing.B, st store.Store, number string, items int) {
	const txItems = 5000
	ctx := context.Background()
	today := dates.Local(time.Now(), "KZ")
	now := time.Now().UTC()
	for start := 0; start < items; start += txItems {
		var w store.AccountingWrite
		for i := start; i < min(start+txItems, items); i++ {
			id := fmt.Sprintf("item-%07d", i)
			placed := today.AddDate(0, 0, -(20 + i%340))
			det := &operatorsv1.AccountingItemDetails{Description: "goods for sale", HsCode: fmt.Sprintf("61%08d", i%200), Quantity: 1 + int64(i%4),
				Owner: "Example Seller Ltd"}
			det.Value = acctItemDetails(det.HsCode, 1, fmt.Sprintf("%d.%02d", 3+i%97, i%100), []string{"EUR", "USD"}[i%2]).GetValue()
			type step struct {
				ev       *operatorsv1.AccountingEvent
				kind     rules.EventKind
				from, to rules.State
				on       time.Time
			}
			steps := []step{
				{warehousePlacement(id+"-p", id, dates.Format(placed), det), rules.CustomsWarehousePlacement, rules.None, rules.InCustomsWarehouse, placed},
				{removalNotice(id+"-n", id, dates.Format(placed.AddDate(0, 0, 5)), ""), rules.RemovalNotice, rules.InCustomsWarehouse, rules.RemovalNotified, placed.AddDate(0, 0, 5)},
				{removal(id+"-r", id, dates.Format(placed.AddDate(0, 0, 5)), 0), rules.Removal, rules.RemovalNotified, rules.Removed, placed.AddDate(0, 0, 5)},
			}
			if i%10 == 0 {
				on := placed.AddDate(0, 0, 12)
				steps = append(steps, step{buyerReturn(id+"-b", id, dates.Format(on), dates.Format(on)), rules.BuyerReturn, rules.Removed, rules.InCustomsWarehouse, on})
			} else {
				on := placed.AddDate(0, 0, 15)
				steps = append(steps, step{release(id+"-d", id, dates.Format(on)), rules.Release, rules.Removed, rules.Released, on})
			}
			for _, s := range steps {
				s.ev.Name, s.ev.EventKind = eventName(number, s.ev.GetEventId()), operatorsv1.AccountingEventKind(s.kind)
				s.ev.FromState, s.ev.ToState = operatorsv1.AccountingItemState(s.from), operatorsv1.AccountingItemState(s.to)
				s.ev.RecordTime, s.ev.ReceivedOn = timestamppb.New(now), dates.Format(s.on)
				body, err := proto.Marshal(s.ev)
				if err != nil {
					b.Fatal(err)
				}
				w.Events = append(w.Events, store.AccountingEvent{Operator: number, EventID: s.ev.GetEventId(), ItemID: id,
					Kind: s.kind.Name(), OccurredOn: dates.Format(s.on), RecordTime: now, FromState: s.from.Name(), ToState: s.to.Name(),
					HSCode: det.GetHsCode(), Quantity: det.GetQuantity(), Currency: det.GetValue().GetCurrencyCode(),
					Amount: det.GetValue().GetAmount(), Body: body})
			}
			last := steps[len(steps)-1]
			var names []string
			for _, st := range steps {
				names = append(names, st.ev.GetName())
			}
			it := &operatorsv1.AccountingItem{Events: names, Name: number + "/items/" + id, Details: det, State: operatorsv1.AccountingItemState(last.to),
				PlacementDate: dates.Format(placed), LastEvent: last.ev.GetName(), LastEventDate: dates.Format(last.on), EventCount: 4,
				CreateTime: timestamppb.New(now), UpdateTime: timestamppb.New(now)}
			body, _ := proto.Marshal(it)
			w.NewItems = append(w.NewItems, store.AccountingItem{Operator: number, ItemID: id, State: last.to.Name(), HSCode: det.GetHsCode(),
				Quantity: det.GetQuantity(), Currency: det.GetValue().GetCurrencyCode(), Amount: det.GetValue().GetAmount(),
				LastOccurredOn: dates.Format(last.on), CreateTime: now, UpdateTime: now, Body: body})
		}
		if err := st.Update(ctx, func(tx store.Tx) error { return tx.WriteAccounting(ctx, w) }); err != nil {
			b.Fatal(err)
		}
	}
}

func eventName(number, id string) string { return number + "/events/" + id }

// bareScan reads the columns the report reads, for the same rows, with
// nothing done to them: the floor the report is compared with.
func bareScan(b *testing.B, db *sql.DB, number, through string) (int, time.Duration) {
	start := time.Now()
	rows, err := db.QueryContext(context.Background(), `SELECT kind, occurred_on, from_state, to_state, hs_code, quantity, currency, amount, flags
		FROM accounting_events WHERE operator = ? AND occurred_on <= ?`, number, through)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var (
		kind, on, from, to, hs, cur, amount sql.RawBytes
		qty, flags                          int64
		n                                   int
	)
	for rows.Next() {
		if err := rows.Scan(&kind, &on, &from, &to, &hs, &qty, &cur, &amount, &flags); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return n, time.Since(start)
}

// heapPeak samples the heap every 5 ms until stop is closed and returns
// the highest heap in use and memory mapped by the runtime, in bytes.
func heapPeak(stop <-chan struct{}) (chan [2]uint64, func()) {
	out := make(chan [2]uint64, 1)
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/total:bytes"}}
	done := make(chan struct{})
	go func() {
		var peak [2]uint64
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(samples)
			peak[0] = max(peak[0], samples[0].Value.Uint64())
			peak[1] = max(peak[1], samples[1].Value.Uint64())
			select {
			case <-done:
				out <- peak
				return
			case <-t.C:
			}
		}
	}()
	return out, func() { close(done) }
}

// BenchmarkReportVsScan produces the report of an operator with 1 000 000
// accounting events through the full stack (CreateAccountingReport over
// mTLS, the embedded SQLite store) and compares its time with a bare SQL
// scan of the same rows in the same run (target: at most 2), and reports
// the process's peak heap while it runs (target: under 200 MB). Skipped
// under -short. Run it with -benchtime=1x.
func BenchmarkReportVsScan(b *testing.B) {
	if testing.Short() {
		b.Skip("1 000 000 events: skipped under -short")
	}
	const items = 250_000 // 4 events each
	ctx := context.Background()
	addr, dev, st := benchNodeStore(b)
	benchOperator(b, dev, addr)
	start := time.Now()
	fillAccounts(b, st, devOperatorNumber, items)
	b.Logf("inserted %d events in %v", 4*items, time.Since(start).Round(time.Millisecond))
	db := st.(*sqlstore.Store).DB()
	op := dialAs(b, dev, addr, pki.RoleOperator)
	today := acctDay(0)
	from := acctDay(90)

	// Warm the page cache and both paths once.
	if n, _ := bareScan(b, db, devOperatorNumber, today); n != 4*items {
		b.Fatalf("bare scan read %d events", n)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, scan1 := bareScan(b, db, devOperatorNumber, today)
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		peakc, stop := heapPeak(nil)
		t0 := time.Now()
		resp, err := op.Accounting.CreateAccountingReport(ctx, &operatorsv1.CreateAccountingReportRequest{Parent: devOperator,
			Report: &operatorsv1.AccountingReport{PeriodStart: from, PeriodEnd: today}})
		elapsed := time.Since(t0)
		stop()
		peak := <-peakc
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if err != nil {
			b.Fatal(err)
		}
		if resp.GetReport().GetEventsRead() != 4*items {
			b.Fatalf("the report read %d events", resp.GetReport().GetEventsRead())
		}
		_, scan2 := bareScan(b, db, devOperatorNumber, today)
		scan := min(scan1, scan2)
		b.ReportMetric(float64(4*items), "events")
		b.ReportMetric(elapsed.Seconds(), "report_s")
		b.ReportMetric(scan.Seconds(), "scan_s")
		b.ReportMetric(elapsed.Seconds()/scan.Seconds(), "report/scan")
		b.ReportMetric(float64(peak[0])/(1<<20), "peak_heap_MB")
		b.ReportMetric(float64(peak[1])/(1<<20), "peak_runtime_MB")
		b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/(1<<20), "alloc_MB")
		b.Logf("report: %d lines in the warehouse account, events by kind %v", len(resp.GetReport().GetSections()[1].GetLines()),
			resp.GetReport().GetEventCounts())
	}
}
