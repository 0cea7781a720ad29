-- Socket-API statistics (docs/stats.md): one aggregate per imported trace,
-- written after its import, removed with it; apps flagged network-specialised.
CREATE TABLE trace_stats (
    trace_id    INTEGER PRIMARY KEY REFERENCES traces (id) ON DELETE CASCADE,
    agg         TEXT NOT NULL, -- stats.Trace as JSON
    computed_at INTEGER NOT NULL -- unix microseconds
);

CREATE TABLE app_flags (
    app         TEXT PRIMARY KEY,
    specialised INTEGER NOT NULL DEFAULT 0
);
