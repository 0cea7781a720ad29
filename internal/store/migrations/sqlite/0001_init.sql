-- Traces, processes, sockets, events and downloadable archive members.
CREATE TABLE traces (
    id            INTEGER PRIMARY KEY,
    key           TEXT NOT NULL UNIQUE,
    app           TEXT NOT NULL DEFAULT '',
    app_version   TEXT NOT NULL DEFAULT '',
    cmd           TEXT NOT NULL DEFAULT '',
    os            TEXT NOT NULL DEFAULT '',
    meta          TEXT NOT NULL DEFAULT '{}', -- every meta/ file, as a JSON object
    workload      TEXT NOT NULL DEFAULT '',
    comments      TEXT NOT NULL DEFAULT '',
    connectivity  TEXT NOT NULL DEFAULT '',
    archive_file  TEXT NOT NULL DEFAULT '',
    archive_size  INTEGER NOT NULL DEFAULT 0,
    archive_root  TEXT NOT NULL DEFAULT '', -- "" or the one directory that wraps the trace
    uploaded_at   INTEGER NOT NULL, -- unix microseconds
    status        TEXT NOT NULL,
    status_error  TEXT NOT NULL DEFAULT '',
    imported_at   INTEGER NOT NULL DEFAULT 0,
    process_count INTEGER NOT NULL DEFAULT 0,
    socket_count  INTEGER NOT NULL DEFAULT 0,
    event_count   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX traces_uploaded ON traces (uploaded_at DESC, id DESC);
CREATE INDEX traces_status ON traces (status) WHERE status IN ('pending', 'importing');

CREATE TABLE processes (
    id           INTEGER PRIMARY KEY,
    trace_id     INTEGER NOT NULL REFERENCES traces (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    app          TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    has_logs     INTEGER NOT NULL DEFAULT 0,
    socket_count INTEGER NOT NULL DEFAULT 0,
    event_count  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (trace_id, name)
);

CREATE TABLE sockets (
    id          INTEGER PRIMARY KEY,
    trace_id    INTEGER NOT NULL REFERENCES traces (id) ON DELETE CASCADE,
    process_id  INTEGER NOT NULL REFERENCES processes (id) ON DELETE CASCADE,
    idx         INTEGER NOT NULL,
    domain      TEXT NOT NULL DEFAULT '',
    type        TEXT NOT NULL DEFAULT '',
    protocol    TEXT NOT NULL DEFAULT '',
    remote      INTEGER NOT NULL DEFAULT 0,
    peer        TEXT NOT NULL DEFAULT '',
    has_pcap    INTEGER NOT NULL DEFAULT 0,
    event_count INTEGER NOT NULL DEFAULT 0,
    bytes_sent  INTEGER NOT NULL DEFAULT 0,
    bytes_recv  INTEGER NOT NULL DEFAULT 0,
    first_usec  INTEGER NOT NULL DEFAULT 0,
    last_usec   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (process_id, idx)
);
-- A trace's sockets in (process, index) order, read a page at a time.
CREATE INDEX sockets_trace ON sockets (trace_id, process_id, idx);

-- One row per event. Rows are appended in rowid order (SQLite's cheapest
-- insert) and found by (socket, position) through events_socket: a socket's
-- events are one range of it, a trace's are the ranges of its sockets.
-- Trace and process come from the socket. The only other index is on
-- failures (few): an index per type cost a third of the import's time, and
-- the counts by type are kept in socket_types.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    socket_id   INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    type        TEXT NOT NULL,
    ts          INTEGER NOT NULL,
    ret         INTEGER NOT NULL,
    success     INTEGER NOT NULL,
    errno       TEXT NOT NULL,
    thread_id   INTEGER NOT NULL,
    fake_call   INTEGER NOT NULL,
    details     TEXT NOT NULL
);
CREATE UNIQUE INDEX events_socket ON events (socket_id, seq);
CREATE INDEX events_failed ON events (socket_id) WHERE success = 0;

CREATE TABLE files (
    trace_id INTEGER NOT NULL REFERENCES traces (id) ON DELETE CASCADE,
    process  TEXT NOT NULL,
    name     TEXT NOT NULL,
    member   TEXT NOT NULL,
    size     INTEGER NOT NULL,
    PRIMARY KEY (trace_id, process, name)
);

-- Calls and failures of each event type, per socket, counted at import: the
-- trace page's counts and the events browser's type list without a scan.
CREATE TABLE socket_types (
    trace_id  INTEGER NOT NULL REFERENCES traces (id) ON DELETE CASCADE,
    socket_id INTEGER NOT NULL REFERENCES sockets (id) ON DELETE CASCADE,
    type      TEXT NOT NULL,
    calls     INTEGER NOT NULL,
    failures  INTEGER NOT NULL,
    PRIMARY KEY (socket_id, type)
);
CREATE INDEX socket_types_trace ON socket_types (trace_id);

-- The same summed per trace when its import ends: the trace page's table.
CREATE TABLE trace_types (
    trace_id  INTEGER NOT NULL REFERENCES traces (id) ON DELETE CASCADE,
    type      TEXT NOT NULL,
    calls     INTEGER NOT NULL,
    failures  INTEGER NOT NULL,
    PRIMARY KEY (trace_id, type)
);
