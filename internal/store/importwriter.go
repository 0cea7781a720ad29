package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

const (
	eventBatch  = 200   // events per INSERT (SQLite)
	commitEvery = 50000 // events per transaction: other writers (uploads) wait at most one chunk
)

// BeginImport takes one connection for the whole import and writes in
// transactions of commitEvery events, so an upload never waits long for the
// write lock. An interrupted import leaves rows behind; they are deleted
// here, at the start of the next attempt, which makes imports idempotent.
func (s *sqlStore) BeginImport(ctx context.Context, traceID int64) (ImportWriter, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	w := &importWriter{s: s, conn: conn, ctx: ctx, traceID: traceID}
	if err := w.begin(); err != nil {
		conn.Close()
		return nil, err
	}
	for _, del := range []string{
		`DELETE FROM events WHERE socket_id IN (SELECT id FROM sockets WHERE trace_id = ?)`,
		`DELETE FROM files WHERE trace_id = ?`, `DELETE FROM socket_types WHERE trace_id = ?`,
		`DELETE FROM sockets WHERE trace_id = ?`, `DELETE FROM processes WHERE trace_id = ?`,
	} {
		if _, err := conn.ExecContext(ctx, s.q(del), traceID); err != nil {
			w.Abort()
			return nil, fmt.Errorf("clearing an earlier import: %w", err)
		}
	}
	if _, err := conn.ExecContext(ctx, s.q(`UPDATE traces SET status = ?, status_error = '' WHERE id = ?`), StatusImporting, traceID); err != nil {
		w.Abort()
		return nil, err
	}
	if err := w.commit(); err != nil {
		w.Abort()
		return nil, err
	}
	return w, w.begin()
}

type importWriter struct {
	s       *sqlStore
	conn    *sql.Conn
	ctx     context.Context
	traceID int64
	inTx    bool
	pending []Event
	sinceTx int
	insert  *sql.Stmt // eventBatch rows (SQLite)
}

func (w *importWriter) begin() error {
	stmt := "BEGIN"
	if w.s.d.name == "sqlite" {
		stmt = "BEGIN IMMEDIATE"
	}
	if _, err := w.conn.ExecContext(w.ctx, stmt); err != nil {
		return err
	}
	w.inTx = true
	w.sinceTx = 0
	return nil
}

func (w *importWriter) commit() error {
	if _, err := w.conn.ExecContext(w.ctx, "COMMIT"); err != nil {
		return err
	}
	w.inTx = false
	return nil
}

func (w *importWriter) exec(q string, args ...any) error {
	_, err := w.conn.ExecContext(w.ctx, w.s.q(q), args...)
	return err
}

func (w *importWriter) AddProcess(p *Process) error {
	p.TraceID = w.traceID
	return w.conn.QueryRowContext(w.ctx, w.s.q(`INSERT INTO processes (trace_id, name, app, seq, has_logs)
		VALUES (?, ?, ?, ?, ?) RETURNING id`), w.traceID, p.Name, p.App, p.Seq, p.HasLogs).Scan(&p.ID)
}

func (w *importWriter) FinishProcess(p *Process) error {
	return w.exec(`UPDATE processes SET has_logs = ?, socket_count = ?, event_count = ? WHERE id = ?`,
		p.HasLogs, p.Sockets, p.Events, p.ID)
}

func (w *importWriter) AddSocket(k *Socket) error {
	k.TraceID = w.traceID
	return w.conn.QueryRowContext(w.ctx, w.s.q(`INSERT INTO sockets (trace_id, process_id, idx) VALUES (?, ?, ?) RETURNING id`),
		w.traceID, k.ProcessID, k.Index).Scan(&k.ID)
}

func (w *importWriter) FinishSocket(k *Socket) error {
	if err := w.flush(); err != nil {
		return err
	}
	for typ, c := range k.Types {
		if err := w.exec(`INSERT INTO socket_types (trace_id, socket_id, type, calls, failures) VALUES (?, ?, ?, ?, ?)`,
			w.traceID, k.ID, typ, c.Calls, c.Failures); err != nil {
			return err
		}
	}
	return w.exec(`UPDATE sockets SET domain = ?, type = ?, protocol = ?, remote = ?, peer = ?, event_count = ?,
		bytes_sent = ?, bytes_recv = ?, first_usec = ?, last_usec = ? WHERE id = ?`,
		k.Domain, k.Type, k.Protocol, k.Remote, k.Peer, k.Events, k.BytesSent, k.BytesRecv, k.FirstUsec, k.LastUsec, k.ID)
}

func (w *importWriter) AddFile(traceID int64, f File) error {
	return w.exec(`INSERT INTO files (trace_id, process, name, member, size) VALUES (?, ?, ?, ?, ?)`,
		w.traceID, f.Process, f.Name, f.Member, f.Size)
}

func (w *importWriter) AddEvent(e *Event) error {
	w.pending = append(w.pending, *e)
	if len(w.pending) >= 4*eventBatch {
		return w.flush()
	}
	return nil
}

// flush writes the buffered events, and commits once a chunk is full.
func (w *importWriter) flush() error {
	if len(w.pending) == 0 {
		return nil
	}
	var err error
	if w.s.d.name == "postgres" {
		err = w.copyPostgres(w.pending)
	} else {
		err = w.insertSQLite(w.pending)
	}
	if err != nil {
		return fmt.Errorf("writing events: %w", err)
	}
	w.sinceTx += len(w.pending)
	w.pending = w.pending[:0]
	if w.sinceTx >= commitEvery {
		if err := w.commit(); err != nil {
			return err
		}
		return w.begin()
	}
	return nil
}

const eventCols = 10

func (w *importWriter) insertSQLite(evs []Event) error {
	if w.insert == nil {
		q := "INSERT INTO events (socket_id, seq, type, ts, ret, success, errno, thread_id, fake_call, details) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?,?,?,?),", eventBatch), ",")
		stmt, err := w.conn.PrepareContext(w.ctx, q)
		if err != nil {
			return err
		}
		w.insert = stmt
	}
	args := make([]any, 0, eventBatch*eventCols)
	for len(evs) > 0 {
		if len(evs) < eventBatch {
			for i := range evs {
				e := &evs[i]
				if err := w.exec(`INSERT INTO events (socket_id, seq, type, ts, ret, success, errno,
					thread_id, fake_call, details) VALUES (?,?,?,?,?,?,?,?,?,?)`, eventArgs(nil, e)...); err != nil {
					return err
				}
			}
			return nil
		}
		args = args[:0]
		for i := 0; i < eventBatch; i++ {
			args = eventArgs(args, &evs[i])
		}
		if _, err := w.insert.ExecContext(w.ctx, args...); err != nil {
			return err
		}
		evs = evs[eventBatch:]
	}
	return nil
}

func eventArgs(args []any, e *Event) []any {
	return append(args, e.SocketID, e.Seq, e.Type, e.TimestampUsec, e.ReturnValue,
		e.Success, e.Errno, e.ThreadID, e.FakeCall, string(e.Details))
}

// copyPostgres sends the events with COPY on the import's own connection,
// inside its open transaction.
func (w *importWriter) copyPostgres(evs []Event) error {
	return w.conn.Raw(func(dc any) error {
		c := dc.(*stdlib.Conn).Conn()
		rows := make([][]any, len(evs))
		for i := range evs {
			rows[i] = eventArgs(make([]any, 0, eventCols), &evs[i])
		}
		_, err := c.CopyFrom(w.ctx, pgx.Identifier{"events"},
			[]string{"socket_id", "seq", "type", "ts", "ret", "success", "errno", "thread_id", "fake_call", "details"},
			pgx.CopyFromRows(rows))
		return err
	})
}

func (w *importWriter) Finish(processes, sockets, events int64) error {
	if err := w.flush(); err != nil {
		return err
	}
	if err := w.exec(`UPDATE sockets SET has_pcap = ? WHERE trace_id = ? AND EXISTS (SELECT 1 FROM files f, processes p
		WHERE p.id = sockets.process_id AND f.trace_id = sockets.trace_id AND f.process = p.name
		AND f.name = `+w.s.concatIdxPcap()+`)`, true, w.traceID); err != nil {
		return err
	}
	if err := w.exec(`UPDATE traces SET status = ?, status_error = '', imported_at = ?, process_count = ?, socket_count = ?,
		event_count = ? WHERE id = ?`, StatusImported, time.Now().UnixMicro(), processes, sockets, events, w.traceID); err != nil {
		return err
	}
	if err := w.commit(); err != nil {
		return err
	}
	w.close()
	return nil
}

// concatIdxPcap is the SQL for "<sockets.idx>.pcap".
func (s *sqlStore) concatIdxPcap() string {
	if s.d.name == "postgres" {
		return `sockets.idx::text || '.pcap'`
	}
	return `CAST(sockets.idx AS TEXT) || '.pcap'`
}

func (w *importWriter) Abort() {
	if w.inTx {
		w.conn.ExecContext(context.WithoutCancel(w.ctx), "ROLLBACK")
	}
	w.close()
}

func (w *importWriter) close() {
	if w.insert != nil {
		w.insert.Close()
		w.insert = nil
	}
	w.conn.Close()
}
