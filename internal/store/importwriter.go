package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

const (
	eventBatch  = 500   // events per INSERT (SQLite)
	handOff     = 5000  // events the reader hands to the writer at once
	commitEvery = 50000 // events per transaction: other writers (uploads) wait at most one chunk
)

// BeginImport takes one connection for the whole import and writes in
// transactions of commitEvery events, so an upload never waits long for the
// write lock. An interrupted import leaves rows behind; they are deleted
// here, at the start of the next attempt, which makes imports idempotent.
//
// Events are written by a goroutine of their own, so that reading and
// parsing the archive (the caller) and the database's work overlap.
func (s *sqlStore) BeginImport(ctx context.Context, traceID int64) (ImportWriter, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	w := &importWriter{s: s, conn: conn, ctx: ctx, traceID: traceID, jobs: make(chan job, 4), done: make(chan struct{})}
	fail := func(err error) (ImportWriter, error) {
		if w.inTx {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
		conn.Close()
		return nil, err
	}
	if err := w.begin(); err != nil {
		return fail(err)
	}
	for _, del := range []string{
		`DELETE FROM events WHERE socket_id IN (SELECT id FROM sockets WHERE trace_id = ?)`,
		`DELETE FROM files WHERE trace_id = ?`, `DELETE FROM socket_types WHERE trace_id = ?`, `DELETE FROM trace_types WHERE trace_id = ?`,
		`DELETE FROM sockets WHERE trace_id = ?`, `DELETE FROM processes WHERE trace_id = ?`,
	} {
		if _, err := conn.ExecContext(ctx, s.q(del), traceID); err != nil {
			return fail(fmt.Errorf("clearing an earlier import: %w", err))
		}
	}
	if _, err := conn.ExecContext(ctx, s.q(`UPDATE traces SET status = ?, status_error = '' WHERE id = ?`), StatusImporting, traceID); err != nil {
		return fail(err)
	}
	if err := w.commit(); err != nil {
		return fail(err)
	}
	if err := w.begin(); err != nil {
		return fail(err)
	}
	go w.loop()
	return w, nil
}

// pendingEvent is an event waiting to be written, its details copied (the
// caller's line buffer is reused).
type pendingEvent struct {
	socketID, ts, ret, thread int64
	seq                       int
	typ, errno, details       string
	success, fake             bool
}

// job is work for the writer goroutine: events to write, or a statement to
// run in order with them (done receives its result).
type job struct {
	evs  []pendingEvent
	fn   func() error
	done chan error
}

type importWriter struct {
	s       *sqlStore
	conn    *sql.Conn
	ctx     context.Context
	traceID int64

	pending []pendingEvent // filled by the caller
	jobs    chan job
	done    chan struct{} // closed when the writer goroutine ends
	spare   sync.Pool     // []pendingEvent buffers handed back by the writer

	// Owned by the writer goroutine.
	inTx      bool
	sinceTx   int
	err       error
	insert    driver.Stmt // eventBatch rows (SQLite), prepared on the driver's connection
	insertOne driver.Stmt // one row
	args      []driver.NamedValue
	closed    bool
	stmts     map[string]*sql.Stmt // per-socket statements, prepared once (a trace may have tens of thousands of sockets)
}

// stmt prepares q on the import's connection the first time it is used
// (writer goroutine).
func (w *importWriter) stmt(q string) (*sql.Stmt, error) {
	if st := w.stmts[q]; st != nil {
		return st, nil
	}
	st, err := w.conn.PrepareContext(w.ctx, w.s.q(q))
	if err != nil {
		return nil, err
	}
	if w.stmts == nil {
		w.stmts = map[string]*sql.Stmt{}
	}
	w.stmts[q] = st
	return st, nil
}

func (w *importWriter) execPrepared(q string, args ...any) error {
	st, err := w.stmt(q)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(w.ctx, args...)
	return err
}

func (w *importWriter) loop() {
	defer close(w.done)
	for j := range w.jobs {
		if w.err == nil {
			if j.evs != nil {
				w.err = w.writeEvents(j.evs)
				w.spare.Put(j.evs[:0])
			}
			if j.fn != nil {
				w.err = j.fn()
			}
		}
		if j.done != nil {
			j.done <- w.err
		}
	}
}

// do runs fn on the writer goroutine after everything queued before it.
func (w *importWriter) do(fn func() error) error {
	if err := w.handOff(); err != nil {
		return err
	}
	done := make(chan error, 1)
	w.jobs <- job{fn: fn, done: done}
	return <-done
}

// handOff passes the buffered events to the writer.
func (w *importWriter) handOff() error {
	if len(w.pending) == 0 {
		return nil
	}
	w.jobs <- job{evs: w.pending}
	if b, ok := w.spare.Get().([]pendingEvent); ok {
		w.pending = b
	} else {
		w.pending = make([]pendingEvent, 0, handOff)
	}
	return nil
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
	return w.do(func() error {
		return w.conn.QueryRowContext(w.ctx, w.s.q(`INSERT INTO processes (trace_id, name, app, seq, has_logs)
			VALUES (?, ?, ?, ?, ?) RETURNING id`), w.traceID, p.Name, p.App, p.Seq, p.HasLogs).Scan(&p.ID)
	})
}

func (w *importWriter) FinishProcess(p *Process) error {
	return w.do(func() error {
		return w.exec(`UPDATE processes SET has_logs = ?, socket_count = ?, event_count = ? WHERE id = ?`,
			p.HasLogs, p.Sockets, p.Events, p.ID)
	})
}

func (w *importWriter) AddSocket(k *Socket) error {
	k.TraceID = w.traceID
	return w.do(func() error {
		st, err := w.stmt(`INSERT INTO sockets (trace_id, process_id, idx) VALUES (?, ?, ?) RETURNING id`)
		if err != nil {
			return err
		}
		return st.QueryRowContext(w.ctx, w.traceID, k.ProcessID, k.Index).Scan(&k.ID)
	})
}

func (w *importWriter) FinishSocket(k *Socket) error {
	return w.do(func() error {
		for typ, c := range k.Types {
			if err := w.execPrepared(`INSERT INTO socket_types (trace_id, socket_id, type, calls, failures) VALUES (?, ?, ?, ?, ?)`,
				w.traceID, k.ID, typ, c.Calls, c.Failures); err != nil {
				return err
			}
		}
		return w.execPrepared(`UPDATE sockets SET domain = ?, type = ?, protocol = ?, remote = ?, peer = ?, event_count = ?,
			bytes_sent = ?, bytes_recv = ?, first_usec = ?, last_usec = ? WHERE id = ?`,
			k.Domain, k.Type, k.Protocol, k.Remote, k.Peer, k.Events, k.BytesSent, k.BytesRecv, k.FirstUsec, k.LastUsec, k.ID)
	})
}

func (w *importWriter) AddFile(traceID int64, f File) error {
	return w.do(func() error {
		return w.execPrepared(`INSERT INTO files (trace_id, process, name, member, size) VALUES (?, ?, ?, ?, ?)`,
			w.traceID, f.Process, f.Name, f.Member, f.Size)
	})
}

// AddEvent copies e (its details too) and queues it.
func (w *importWriter) AddEvent(e *Event) error {
	if w.pending == nil {
		w.pending = make([]pendingEvent, 0, handOff)
	}
	w.pending = append(w.pending, pendingEvent{socketID: e.SocketID, ts: e.TimestampUsec, ret: e.ReturnValue, thread: e.ThreadID,
		seq: e.Seq, typ: e.Type, errno: e.Errno, details: string(e.Details), success: e.Success, fake: e.FakeCall})
	if len(w.pending) >= handOff {
		select {
		case <-w.done:
			return fmt.Errorf("the import's writer stopped")
		default:
		}
		return w.handOff()
	}
	return nil
}

// writeEvents writes events (writer goroutine) and commits once a chunk is full.
func (w *importWriter) writeEvents(evs []pendingEvent) error {
	var err error
	if w.s.d.name == "postgres" {
		err = w.copyPostgres(evs)
	} else {
		err = w.insertSQLite(evs)
	}
	if err != nil {
		return fmt.Errorf("writing events: %w", err)
	}
	w.sinceTx += len(evs)
	if w.sinceTx >= commitEvery {
		if err := w.commit(); err != nil {
			return err
		}
		return w.begin()
	}
	return nil
}

const eventCols = 10

const insertEvents = "INSERT INTO events (socket_id, seq, type, ts, ret, success, errno, thread_id, fake_call, details) VALUES "

// insertSQLite binds straight on the driver's statement: database/sql's
// per-argument conversions cost a fifth of the import.
func (w *importWriter) insertSQLite(evs []pendingEvent) error {
	return w.conn.Raw(func(dc any) error {
		if w.insert == nil {
			prep, ok := dc.(driver.ConnPrepareContext)
			if !ok {
				return fmt.Errorf("the SQLite driver cannot prepare statements")
			}
			stmt, err := prep.PrepareContext(w.ctx, insertEvents+strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?,?,?,?),", eventBatch), ","))
			if err != nil {
				return err
			}
			w.insert = stmt
			w.args = make([]driver.NamedValue, eventBatch*eventCols)
			for i := range w.args {
				w.args[i].Ordinal = i + 1
			}
		}
		for len(evs) >= eventBatch {
			for i := 0; i < eventBatch; i++ {
				setArgs(w.args[i*eventCols:], &evs[i])
			}
			if _, err := w.insert.(driver.StmtExecContext).ExecContext(w.ctx, w.args); err != nil {
				return err
			}
			evs = evs[eventBatch:]
		}
		if len(evs) == 0 {
			return nil
		}
		if len(evs) < 50 {
			// A socket's last few events (most sockets have few): one
			// prepared single-row insert rather than a statement prepared
			// for this count.
			if w.insertOne == nil {
				stmt, err := dc.(driver.ConnPrepareContext).PrepareContext(w.ctx, insertEvents+"(?,?,?,?,?,?,?,?,?,?)")
				if err != nil {
					return err
				}
				w.insertOne = stmt
			}
			for i := range evs {
				setArgs(w.args[:eventCols], &evs[i])
				if _, err := w.insertOne.(driver.StmtExecContext).ExecContext(w.ctx, w.args[:eventCols]); err != nil {
					return err
				}
			}
			return nil
		}
		stmt, err := dc.(driver.ConnPrepareContext).PrepareContext(w.ctx, insertEvents+strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?,?,?,?),", len(evs)), ","))
		if err != nil {
			return err
		}
		defer stmt.Close()
		args := w.args[:len(evs)*eventCols]
		for i := range evs {
			setArgs(args[i*eventCols:], &evs[i])
		}
		_, err = stmt.(driver.StmtExecContext).ExecContext(w.ctx, args)
		return err
	})
}

func setArgs(a []driver.NamedValue, e *pendingEvent) {
	a[0].Value, a[1].Value, a[2].Value, a[3].Value, a[4].Value = e.socketID, int64(e.seq), e.typ, e.ts, e.ret
	a[5].Value, a[6].Value, a[7].Value, a[8].Value, a[9].Value = e.success, e.errno, e.thread, e.fake, e.details
}

// copyPostgres sends the events with COPY on the import's own connection,
// inside its open transaction.
func (w *importWriter) copyPostgres(evs []pendingEvent) error {
	return w.conn.Raw(func(dc any) error {
		c := dc.(*stdlib.Conn).Conn()
		rows := make([][]any, len(evs))
		for i := range evs {
			e := &evs[i]
			rows[i] = []any{e.socketID, e.seq, e.typ, e.ts, e.ret, e.success, e.errno, e.thread, e.fake, e.details}
		}
		_, err := c.CopyFrom(w.ctx, pgx.Identifier{"events"},
			[]string{"socket_id", "seq", "type", "ts", "ret", "success", "errno", "thread_id", "fake_call", "details"},
			pgx.CopyFromRows(rows))
		return err
	})
}

func (w *importWriter) Finish(processes, sockets, events int64) error {
	err := w.do(func() error {
		if err := w.exec(`UPDATE sockets SET has_pcap = ? WHERE trace_id = ? AND EXISTS (SELECT 1 FROM files f, processes p
			WHERE p.id = sockets.process_id AND f.trace_id = sockets.trace_id AND f.process = p.name
			AND f.name = `+w.s.concatIdxPcap()+`)`, true, w.traceID); err != nil {
			return err
		}
		if err := w.exec(`INSERT INTO trace_types (trace_id, type, calls, failures)
			SELECT trace_id, type, sum(calls), sum(failures) FROM socket_types WHERE trace_id = ? GROUP BY trace_id, type`, w.traceID); err != nil {
			return err
		}
		if err := w.exec(`UPDATE traces SET status = ?, status_error = '', imported_at = ?, process_count = ?, socket_count = ?,
			event_count = ? WHERE id = ?`, StatusImported, time.Now().UnixMicro(), processes, sockets, events, w.traceID); err != nil {
			return err
		}
		return w.commit()
	})
	if err != nil {
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

// Abort stops the writer and rolls back what is not committed.
func (w *importWriter) Abort() {
	w.close()
}

func (w *importWriter) close() {
	if w.closed {
		return
	}
	w.closed = true
	close(w.jobs)
	<-w.done
	if w.inTx {
		w.conn.ExecContext(context.WithoutCancel(w.ctx), "ROLLBACK")
	}
	w.conn.Raw(func(any) error {
		for _, st := range []driver.Stmt{w.insert, w.insertOne} {
			if st != nil {
				st.Close()
			}
		}
		return nil
	})
	for _, st := range w.stmts {
		st.Close()
	}
	w.conn.Close()
}
