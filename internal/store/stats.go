package store

import (
	"context"
	"time"
)

// StatsStore keeps the statistics' per-trace aggregates (JSON of
// stats.Trace, opaque here) and the apps flagged network-specialised.
type StatsStore interface {
	// PutTraceStats stores (or replaces) a trace's aggregate.
	PutTraceStats(ctx context.Context, traceID int64, agg []byte) error
	// EachTraceStats calls each with every stored aggregate of an imported trace.
	EachTraceStats(ctx context.Context, each func(traceID int64, agg []byte) error) error
	// TracesWithoutStats lists imported traces that have no aggregate yet
	// (imported before the statistics existed, or their computation failed).
	TracesWithoutStats(ctx context.Context) ([]int64, error)
	SetSpecialised(ctx context.Context, app string, on bool) error
	Specialised(ctx context.Context) (map[string]bool, error)
}

// PutStats: ImportWriter's, on the import's own connection (SQLite has
// one writer at a time).
func (w *importWriter) PutStats(agg []byte) error {
	return w.do(func() error { return w.exec(putStats, w.traceID, string(agg), time.Now().UnixMicro()) })
}

const putStats = `INSERT INTO trace_stats (trace_id, agg, computed_at) VALUES (?, ?, ?)
		ON CONFLICT (trace_id) DO UPDATE SET agg = excluded.agg, computed_at = excluded.computed_at`

func (s *sqlStore) PutTraceStats(ctx context.Context, traceID int64, agg []byte) error {
	_, err := s.db.ExecContext(ctx, s.q(putStats), traceID, string(agg), time.Now().UnixMicro())
	return err
}

func (s *sqlStore) EachTraceStats(ctx context.Context, each func(int64, []byte) error) error {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT s.trace_id, s.agg FROM trace_stats s
		JOIN traces t ON t.id = s.trace_id WHERE t.status = ? ORDER BY s.trace_id`), StatusImported)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var agg string
		if err := rows.Scan(&id, &agg); err != nil {
			return err
		}
		if err := each(id, []byte(agg)); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (s *sqlStore) TracesWithoutStats(ctx context.Context) ([]int64, error) {
	return column1[int64](ctx, s.db, s.q(`SELECT t.id FROM traces t LEFT JOIN trace_stats s ON s.trace_id = t.id
		WHERE t.status = ? AND s.trace_id IS NULL ORDER BY t.id`), StatusImported)
}

func (s *sqlStore) SetSpecialised(ctx context.Context, app string, on bool) error {
	v := any(on)
	if s.d.name == "sqlite" {
		v = 0
		if on {
			v = 1
		}
	}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO app_flags (app, specialised) VALUES (?, ?)
		ON CONFLICT (app) DO UPDATE SET specialised = excluded.specialised`), app, v)
	return err
}

func (s *sqlStore) Specialised(ctx context.Context) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT app, specialised FROM app_flags`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var app string
		var on bool
		if err := rows.Scan(&app, &on); err != nil {
			return nil, err
		}
		if on {
			out[app] = true
		}
	}
	return out, rows.Err()
}
