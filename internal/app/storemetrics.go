package app

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/eaeu/customs-exchange/internal/store"
	"github.com/eaeu/customs-exchange/internal/store/sqlstore"
)

// writerCollector exports what the single writer of the embedded store
// did: rate(eaeu_store_writer_busy_seconds_total[1m]) near 1 means writes
// queue behind it, whatever the CPU does.
type writerCollector struct {
	stats                func() (sqlstore.WriterStats, bool)
	calls, commits, busy *prometheus.Desc
}

// registerStoreMetrics registers the writer's metrics for a store that
// has a single writer (SQLite), and nothing for one that has not.
func registerStoreMetrics(reg prometheus.Registerer, st store.Store) {
	w, ok := st.(interface {
		WriterStats() (sqlstore.WriterStats, bool)
	})
	if !ok {
		return
	}
	if _, ok := w.WriterStats(); !ok {
		return
	}
	reg.MustRegister(&writerCollector{
		stats: w.WriterStats,
		calls: prometheus.NewDesc("eaeu_store_writer_calls_total",
			"Write transactions (store updates) the single writer of the embedded store ran.", nil, nil),
		commits: prometheus.NewDesc("eaeu_store_writer_commits_total",
			"Shared transactions (groups of store updates) the single writer committed, each with one fsync.", nil, nil),
		busy: prometheus.NewDesc("eaeu_store_writer_busy_seconds_total",
			"Time the single writer was busy: phase=\"run\" running the updates' statements, phase=\"commit\" committing (WAL writes, fsync, checkpoints).",
			[]string{"phase"}, nil),
	})
}

func (c *writerCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.calls
	ch <- c.commits
	ch <- c.busy
}

func (c *writerCollector) Collect(ch chan<- prometheus.Metric) {
	s, _ := c.stats()
	ch <- prometheus.MustNewConstMetric(c.calls, prometheus.CounterValue, float64(s.Calls))
	ch <- prometheus.MustNewConstMetric(c.commits, prometheus.CounterValue, float64(s.Commits))
	ch <- prometheus.MustNewConstMetric(c.busy, prometheus.CounterValue, s.Running.Seconds(), "run")
	ch <- prometheus.MustNewConstMetric(c.busy, prometheus.CounterValue, s.Committing.Seconds(), "commit")
}
