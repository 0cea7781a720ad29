-- Socket-API statistics (docs/stats.md): one aggregate per imported trace,
-- written after its import, removed with it; apps flagged network-specialised.
CREATE TABLE trace_stats (
    trace_id    BIGINT PRIMARY KEY REFERENCES traces (id) ON DELETE CASCADE,
    agg         TEXT NOT NULL, -- stats.Trace as JSON
    computed_at BIGINT NOT NULL -- unix microseconds
);

CREATE TABLE app_flags (
    app         TEXT PRIMARY KEY,
    specialised BOOLEAN NOT NULL DEFAULT FALSE
);
