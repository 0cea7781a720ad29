// Package store keeps what the collection server knows: uploaded traces and
// their metadata, the processes, sockets and events imported from them, and
// the import status. One Store interface, two back ends (SQLite, embedded and
// the default; PostgreSQL for a shared server) sharing the same SQL, with
// numbered migrations in migrations/<dialect>/.
package store

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned when the asked-for trace, process or socket does not exist.
var ErrNotFound = errors.New("not found")

// Import status of a trace.
const (
	StatusPending   = "pending"   // uploaded, waiting for the importer
	StatusImporting = "importing" // being imported (or interrupted: resumed at the next start)
	StatusImported  = "imported"
	StatusFailed    = "failed" // StatusError says why
)

// MetaNames are the meta/ files an upload must hold (the original's 13).
var MetaNames = []string{"app", "app_version", "cmd", "host_id", "git_hash", "kernel", "machine",
	"net", "opt_b", "opt_f", "opt_u", "os", "version"}

// Trace is one uploaded trace archive.
type Trace struct {
	ID  int64  `json:"-"`
	Key string `json:"id"` // random and unguessable: trace URLs can be shared without listing every trace

	Meta map[string]string `json:"meta"` // meta/<name> → content with the trailing newline removed

	Workload     string `json:"workload"`
	Comments     string `json:"comments"`
	Connectivity string `json:"connectivity"`

	ArchiveFile string    `json:"-"` // file name under the server's archives/ directory
	ArchiveSize int64     `json:"archive_size"`
	ArchiveRoot string    `json:"-"` // "" or "<dir>/" when one directory wraps the trace
	UploadedAt  time.Time `json:"uploaded_at"`

	Status      string    `json:"status"`
	StatusError string    `json:"status_error,omitempty"`
	ImportedAt  time.Time `json:"imported_at,omitzero"`

	Processes int64 `json:"processes"`
	Sockets   int64 `json:"sockets"`
	Events    int64 `json:"events"`
}

// M returns a meta value ("" when absent).
func (t *Trace) M(name string) string { return t.Meta[name] }

// Process is one <app>_NNN directory of a trace.
type Process struct {
	ID      int64  `json:"-"`
	TraceID int64  `json:"-"`
	Name    string `json:"name"` // "curl_000"
	App     string `json:"app"`
	Seq     int    `json:"seq"`
	HasLogs bool   `json:"has_logs"`
	Sockets int64  `json:"sockets"`
	Events  int64  `json:"events"`
}

// Socket is one N.json file of a process.
type Socket struct {
	ID        int64  `json:"-"`
	TraceID   int64  `json:"-"`
	ProcessID int64  `json:"-"`
	Process   string `json:"process"`
	Index     int    `json:"index"`
	Domain    string `json:"domain"`   // from the first event's sock_info
	Type      string `json:"type"`     // idem
	Protocol  string `json:"protocol"` // idem
	// Remote: the socket connected to, accepted from, or exchanged datagrams
	// with a non-loopback address.
	Remote    bool   `json:"remote"`
	Peer      string `json:"peer,omitempty"` // first remote or local peer address seen, "ip:port"
	HasPcap   bool   `json:"has_pcap"`
	Events    int64  `json:"events"`
	BytesSent int64  `json:"bytes_sent"`
	BytesRecv int64  `json:"bytes_recv"`
	FirstUsec int64  `json:"first_usec"`
	LastUsec  int64  `json:"last_usec"`

	// Types: calls and failures of each event type (filled by the importer).
	Types map[string]*TypeCount `json:"-"`
}

// TypeCount is how often a socket made one kind of call.
type TypeCount struct{ Calls, Failures int64 }

// Event is one stored event; Details is the JSON object as it was in the trace.
type Event struct {
	TraceID   int64  `json:"-"`
	ProcessID int64  `json:"-"`
	SocketID  int64  `json:"-"`
	Process   string `json:"process,omitempty"`
	Socket    int    `json:"socket"`
	Seq       int    `json:"seq"` // position in the socket's file, from 0

	Type          string `json:"type"`
	TimestampUsec int64  `json:"timestamp_usec"`
	ReturnValue   int64  `json:"return_value"`
	Success       bool   `json:"success"`
	Errno         string `json:"errno,omitempty"`
	ThreadID      int64  `json:"thread_id"`
	FakeCall      bool   `json:"fake_call"`
	Details       []byte `json:"-"`
}

// File is a member of a trace's archive that can be downloaded on its own
// (logs.txt, N.pcap); it is read from the kept archive when asked for.
type File struct {
	Process string `json:"process"`
	Name    string `json:"name"`
	Member  string `json:"-"` // the member's name in the archive
	Size    int64  `json:"size"`
}

// TraceFilter selects traces for the list page.
type TraceFilter struct {
	App, OS, Connectivity string
	Search                string // in app, command, workload, comments, app version
	Offset, Limit         int
}

// EventFilter selects events of one trace (and optionally one process or socket).
type EventFilter struct {
	TraceID    int64
	ProcessID  int64 // 0: any
	SocketID   int64 // 0: any
	Type       string
	FailedOnly bool
	Offset     int
	Limit      int // 0: no limit
}

// Count is a value and how often it occurs.
type Count struct {
	Value string `json:"value"`
	N     int64  `json:"n"`
}

// Store is everything the server and the importer need from storage.
type Store interface {
	// CreateTrace records an uploaded trace (status pending) and gives it an
	// ID and key. archiveFile is called with the new ID inside the same
	// transaction and moves the archive into place: if it fails, no trace
	// is recorded.
	CreateTrace(ctx context.Context, t *Trace, placeArchive func(id int64) (file string, err error)) error
	TraceByKey(ctx context.Context, key string) (*Trace, error)
	TraceByID(ctx context.Context, id int64) (*Trace, error)
	ListTraces(ctx context.Context, f TraceFilter) (traces []Trace, total int64, err error)
	// Distinct values of a list filter: "app", "os" or "connectivity".
	Distinct(ctx context.Context, column string) ([]string, error)
	// TracesToImport lists traces pending or interrupted while importing, oldest first.
	TracesToImport(ctx context.Context) ([]int64, error)
	ArchiveFiles(ctx context.Context) (map[string]bool, error)
	SetStatus(ctx context.Context, id int64, status, errText string) error

	// BeginImport removes whatever an earlier, interrupted import of the
	// trace left and returns a writer for its processes, sockets and events.
	BeginImport(ctx context.Context, traceID int64) (ImportWriter, error)

	Processes(ctx context.Context, traceID int64) ([]Process, error)
	Process(ctx context.Context, traceID int64, name string) (*Process, error)
	// Sockets lists a trace's (or one process's) sockets in process then
	// index order; limit 0: all of them.
	Sockets(ctx context.Context, traceID, processID int64, limit int) ([]Socket, error)
	CountSockets(ctx context.Context, traceID, processID int64) (int64, error)
	Socket(ctx context.Context, processID int64, index int) (*Socket, error)
	Files(ctx context.Context, traceID int64) ([]File, error)

	Events(ctx context.Context, f EventFilter, each func(*Event) error) error
	CountEvents(ctx context.Context, f EventFilter) (int64, error)
	EventTypes(ctx context.Context, traceID int64) ([]Count, error)

	StatsStore // statistics (stats.go)

	Ping(ctx context.Context) error
	Close() error
}

// ImportWriter receives one trace's content in file order. Events are
// buffered and written in batches; Finish commits everything and marks the
// trace imported. Abort drops the writer (the next BeginImport cleans up).
type ImportWriter interface {
	AddProcess(p *Process) error // sets p.ID
	AddSocket(s *Socket) error   // sets s.ID
	AddEvent(e *Event) error     // copies e
	FinishSocket(s *Socket) error
	FinishProcess(p *Process) error
	AddFile(traceID int64, f File) error
	// PutStats stores the trace's statistics aggregate with the import
	// (stats.go), so it counts exactly when the trace is imported.
	PutStats(agg []byte) error
	Finish(processes, sockets, events int64) error
	Abort()
}
