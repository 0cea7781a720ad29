package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// sqlStore implements Store on database/sql for both dialects.
type sqlStore struct {
	db *sql.DB
	d  dialect
}

func (s *sqlStore) q(query string) string { return s.d.rebind(query) }

func (s *sqlStore) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }
func (s *sqlStore) Close() error                   { return s.db.Close() }

// newKey is 80 random bits, lower-case base32: 16 characters.
func newKey() string {
	b := make([]byte, 10)
	rand.Read(b)
	return strings.ToLower(base32.StdEncoding.EncodeToString(b))
}

func (s *sqlStore) CreateTrace(ctx context.Context, t *Trace, placeArchive func(int64) (string, error)) error {
	meta, err := json.Marshal(t.Meta)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	t.Key = newKey()
	t.Status = StatusPending
	if t.UploadedAt.IsZero() {
		t.UploadedAt = time.Now()
	}
	err = tx.QueryRowContext(ctx, s.q(`INSERT INTO traces (key, app, app_version, cmd, os, meta, workload, comments,
		connectivity, archive_size, archive_root, uploaded_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		t.Key, t.M("app"), t.M("app_version"), t.M("cmd"), t.M("os"), string(meta), t.Workload, t.Comments,
		t.Connectivity, t.ArchiveSize, t.ArchiveRoot, t.UploadedAt.UnixMicro(), t.Status).Scan(&t.ID)
	if err != nil {
		return fmt.Errorf("recording the trace: %w", err)
	}
	file, err := placeArchive(t.ID)
	if err != nil {
		return err
	}
	t.ArchiveFile = file
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE traces SET archive_file = ? WHERE id = ?`), file, t.ID); err != nil {
		return err
	}
	return tx.Commit()
}

const traceColumns = `id, key, meta, workload, comments, connectivity, archive_file, archive_size, archive_root, uploaded_at,
	status, status_error, imported_at, process_count, socket_count, event_count`

func scanTrace(sc interface{ Scan(...any) error }) (*Trace, error) {
	var t Trace
	var meta string
	var up, imp int64
	err := sc.Scan(&t.ID, &t.Key, &meta, &t.Workload, &t.Comments, &t.Connectivity, &t.ArchiveFile, &t.ArchiveSize,
		&t.ArchiveRoot, &up, &t.Status, &t.StatusError, &imp, &t.Processes, &t.Sockets, &t.Events)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	t.Meta = map[string]string{}
	json.Unmarshal([]byte(meta), &t.Meta)
	t.UploadedAt = time.UnixMicro(up).UTC()
	if imp != 0 {
		t.ImportedAt = time.UnixMicro(imp).UTC()
	}
	return &t, nil
}

func (s *sqlStore) TraceByKey(ctx context.Context, key string) (*Trace, error) {
	return scanTrace(s.db.QueryRowContext(ctx, s.q(`SELECT `+traceColumns+` FROM traces WHERE key = ?`), key))
}

func (s *sqlStore) TraceByID(ctx context.Context, id int64) (*Trace, error) {
	return scanTrace(s.db.QueryRowContext(ctx, s.q(`SELECT `+traceColumns+` FROM traces WHERE id = ?`), id))
}

func (s *sqlStore) ListTraces(ctx context.Context, f TraceFilter) ([]Trace, int64, error) {
	var where []string
	var args []any
	for _, c := range []struct{ col, val string }{{"app", f.App}, {"os", f.OS}, {"connectivity", f.Connectivity}} {
		if c.val != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.val)
		}
	}
	if f.Search != "" {
		like := "%" + strings.ToLower(f.Search) + "%"
		where = append(where, "(lower(app) LIKE ? OR lower(cmd) LIKE ? OR lower(workload) LIKE ? OR lower(comments) LIKE ? OR lower(app_version) LIKE ?)")
		args = append(args, like, like, like, like, like)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int64
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT count(*) FROM traces`+cond), args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+traceColumns+` FROM traces`+cond+
		` ORDER BY uploaded_at DESC, id DESC LIMIT ? OFFSET ?`), append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Trace
	for rows.Next() {
		t, err := scanTrace(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, *t)
	}
	return out, total, rows.Err()
}

func (s *sqlStore) Distinct(ctx context.Context, column string) ([]string, error) {
	switch column {
	case "app", "os", "connectivity":
	default:
		return nil, fmt.Errorf("no filter on %q", column)
	}
	return column1[string](ctx, s.db, `SELECT DISTINCT `+column+` FROM traces WHERE `+column+` <> '' ORDER BY 1`)
}

func (s *sqlStore) TracesToImport(ctx context.Context) ([]int64, error) {
	return column1[int64](ctx, s.db, s.q(`SELECT id FROM traces WHERE status IN (?, ?) ORDER BY id`), StatusPending, StatusImporting)
}

func (s *sqlStore) ArchiveFiles(ctx context.Context) (map[string]bool, error) {
	files, err := column1[string](ctx, s.db, `SELECT archive_file FROM traces`)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(files))
	for _, f := range files {
		out[f] = true
	}
	return out, nil
}

// column1 runs a query whose rows have one column and returns its values.
func column1[T any](ctx context.Context, db *sql.DB, query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (s *sqlStore) SetStatus(ctx context.Context, id int64, status, errText string) error {
	_, err := s.db.ExecContext(ctx, s.q(`UPDATE traces SET status = ?, status_error = ? WHERE id = ?`), status, errText, id)
	return err
}

func (s *sqlStore) Processes(ctx context.Context, traceID int64) ([]Process, error) {
	return s.processes(ctx, `WHERE trace_id = ? ORDER BY app, seq`, traceID)
}

func (s *sqlStore) Process(ctx context.Context, traceID int64, name string) (*Process, error) {
	ps, err := s.processes(ctx, `WHERE trace_id = ? AND name = ?`, traceID, name)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, ErrNotFound
	}
	return &ps[0], nil
}

func (s *sqlStore) processes(ctx context.Context, where string, args ...any) ([]Process, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, trace_id, name, app, seq, has_logs, socket_count, event_count
		FROM processes `+where), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Process
	for rows.Next() {
		var p Process
		if err := rows.Scan(&p.ID, &p.TraceID, &p.Name, &p.App, &p.Seq, &p.HasLogs, &p.Sockets, &p.Events); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (s *sqlStore) Sockets(ctx context.Context, traceID, processID int64, limit int) ([]Socket, error) {
	where, args := `WHERE s.trace_id = ?`, []any{traceID}
	if processID != 0 {
		where += ` AND s.process_id = ?`
		args = append(args, processID)
	}
	where += ` ORDER BY s.trace_id, s.process_id, s.idx`
	if limit > 0 {
		where += ` LIMIT ?`
		args = append(args, limit)
	}
	return s.sockets(ctx, where, args...)
}

func (s *sqlStore) CountSockets(ctx context.Context, traceID, processID int64) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT count(*) FROM sockets WHERE trace_id = ? AND (? = 0 OR process_id = ?)`),
		traceID, processID, processID).Scan(&n)
	return n, err
}

func (s *sqlStore) Socket(ctx context.Context, processID int64, index int) (*Socket, error) {
	ss, err := s.sockets(ctx, `WHERE s.process_id = ? AND s.idx = ?`, processID, index)
	if err != nil {
		return nil, err
	}
	if len(ss) == 0 {
		return nil, ErrNotFound
	}
	return &ss[0], nil
}

func (s *sqlStore) sockets(ctx context.Context, where string, args ...any) ([]Socket, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT s.id, s.trace_id, s.process_id, p.name, s.idx, s.domain, s.type,
		s.protocol, s.remote, s.peer, s.has_pcap, s.event_count, s.bytes_sent, s.bytes_recv, s.first_usec, s.last_usec
		FROM sockets s JOIN processes p ON p.id = s.process_id `+where), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Socket
	for rows.Next() {
		var k Socket
		if err := rows.Scan(&k.ID, &k.TraceID, &k.ProcessID, &k.Process, &k.Index, &k.Domain, &k.Type, &k.Protocol,
			&k.Remote, &k.Peer, &k.HasPcap, &k.Events, &k.BytesSent, &k.BytesRecv, &k.FirstUsec, &k.LastUsec); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

func (s *sqlStore) Files(ctx context.Context, traceID int64) ([]File, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT process, name, member, size FROM files WHERE trace_id = ? ORDER BY process, name`), traceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []File
	for rows.Next() {
		var f File
		if err := rows.Scan(&f.Process, &f.Name, &f.Member, &f.Size); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// eventWhere selects events through their socket (events hold no trace or
// process id); the failure test is a literal so that the partial index on
// failures applies.
func (s *sqlStore) eventWhere(f EventFilter) (string, []any) {
	where := []string{"k.trace_id = ?"}
	args := []any{f.TraceID}
	if f.ProcessID != 0 {
		where = append(where, "k.process_id = ?")
		args = append(args, f.ProcessID)
	}
	if f.SocketID != 0 {
		where = append(where, "e.socket_id = ?")
		args = append(args, f.SocketID)
	}
	if f.Type != "" {
		where = append(where, "e.type = ?")
		args = append(args, f.Type)
	}
	if f.FailedOnly {
		where = append(where, s.d.failed)
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

func (s *sqlStore) Events(ctx context.Context, f EventFilter, each func(*Event) error) error {
	cond, args := s.eventWhere(f)
	q := `SELECT k.process_id, p.name, e.socket_id, k.idx, e.seq, e.type, e.ts, e.ret, e.success, e.errno,
		e.thread_id, e.fake_call, e.details FROM sockets k
		JOIN events e ON e.socket_id = k.id JOIN processes p ON p.id = k.process_id` + cond +
		` ORDER BY k.id, e.seq`
	if f.Limit > 0 {
		q += ` LIMIT ? OFFSET ?`
		args = append(args, f.Limit, f.Offset)
	}
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var e Event
	var details string
	for rows.Next() {
		e.TraceID = f.TraceID
		if err := rows.Scan(&e.ProcessID, &e.Process, &e.SocketID, &e.Socket, &e.Seq, &e.Type, &e.TimestampUsec,
			&e.ReturnValue, &e.Success, &e.Errno, &e.ThreadID, &e.FakeCall, &details); err != nil {
			return err
		}
		e.Details = []byte(details)
		if err := each(&e); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (s *sqlStore) CountEvents(ctx context.Context, f EventFilter) (int64, error) {
	if f.Type == "" && !f.FailedOnly {
		// Counted at import.
		cond := "trace_id = ?"
		args := []any{f.TraceID}
		if f.ProcessID != 0 {
			cond += " AND process_id = ?"
			args = append(args, f.ProcessID)
		}
		if f.SocketID != 0 {
			cond += " AND id = ?"
			args = append(args, f.SocketID)
		}
		var n int64
		err := s.db.QueryRowContext(ctx, s.q(`SELECT coalesce(sum(event_count), 0) FROM sockets WHERE `+cond), args...).Scan(&n)
		return n, err
	}
	cond, args := s.eventWhere(f)
	var n int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT count(*) FROM sockets k JOIN events e ON e.socket_id = k.id`+cond), args...).Scan(&n)
	return n, err
}

func (s *sqlStore) EventTypes(ctx context.Context, traceID int64) ([]Count, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT type, calls FROM trace_types WHERE trace_id = ? ORDER BY 2 DESC, 1`), traceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Count
	for rows.Next() {
		var c Count
		if err := rows.Scan(&c.Value, &c.N); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
