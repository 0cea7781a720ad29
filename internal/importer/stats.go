package importer

import (
	"context"
	"encoding/json"
	"path/filepath"

	"github.com/tcpsnitch/tcpsnitch/internal/stats"
	"github.com/tcpsnitch/tcpsnitch/internal/store"
)

// traceStats computes a trace's statistics aggregate (JSON) from its
// archive: one streaming pass, details parsed only where a statistic needs
// them. A failure is logged and gives nil: the trace is still imported,
// and its aggregate is computed again at the next start (backfillStats).
func (im *Importer) traceStats(ctx context.Context, t *store.Trace, file string) []byte {
	info := stats.TraceInfo{ID: t.Key, App: t.M("app"), OS: t.M("os"), Connectivity: t.Connectivity}
	acc, _, err := stats.ReadTrace(file, info, false)
	var b []byte
	if err == nil {
		b, err = json.Marshal(acc.Trace())
	}
	if err != nil {
		if ctx.Err() == nil {
			im.Log.Error("computing the trace's statistics", "trace", t.ID, "err", err)
		}
		return nil
	}
	return b
}

// backfillStats computes the aggregates imported traces lack (traces
// imported before the statistics existed, or whose computation failed).
func (im *Importer) backfillStats(ctx context.Context, stop <-chan struct{}) {
	ids, err := im.Store.TracesWithoutStats(ctx)
	if err != nil {
		if ctx.Err() == nil {
			im.Log.Error("listing traces without statistics", "err", err)
		}
		return
	}
	for _, id := range ids {
		select {
		case <-stop:
			return
		default:
		}
		t, err := im.Store.TraceByID(ctx, id)
		if err != nil {
			im.Log.Error("reading a trace for its statistics", "trace", id, "err", err)
			continue
		}
		if agg := im.traceStats(ctx, t, filepath.Join(im.ArchiveDir, t.ArchiveFile)); agg != nil {
			if err := im.Store.PutTraceStats(ctx, id, agg); err != nil {
				im.Log.Error("storing a trace's statistics", "trace", id, "err", err)
			}
		}
	}
}
