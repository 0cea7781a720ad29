package importer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/tcpsnitch/tcpsnitch/internal/store"
	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// Importer imports uploaded traces one at a time, in upload order. It is
// restartable: traces left pending or half imported (status importing) by a
// stopped server are picked up again by Run, and importing a trace first
// removes what an earlier attempt wrote, so nothing is counted twice.
type Importer struct {
	Store      store.Store
	ArchiveDir string
	Limits     Limits
	Log        *slog.Logger

	wake chan struct{}
	once sync.Once

	mu       sync.Mutex
	progress map[int64]int64 // trace id → events written so far, while importing
}

func (im *Importer) init() {
	im.once.Do(func() {
		im.wake = make(chan struct{}, 1)
		im.progress = map[int64]int64{}
		if im.Log == nil {
			im.Log = slog.Default()
		}
	})
}

// Wake tells Run that a trace was uploaded.
func (im *Importer) Wake() {
	im.init()
	select {
	case im.wake <- struct{}{}:
	default:
	}
}

// Progress returns how many events of a trace being imported are written.
func (im *Importer) Progress(traceID int64) (int64, bool) {
	im.init()
	im.mu.Lock()
	defer im.mu.Unlock()
	n, ok := im.progress[traceID]
	return n, ok
}

// Run imports until stop is closed (it then finishes the trace in progress)
// or ctx is cancelled (the trace in progress is abandoned, left "importing",
// and resumed at the next start).
func (im *Importer) Run(ctx context.Context, stop <-chan struct{}) {
	im.init()
	im.backfillStats(ctx, stop)
	for {
		ids, err := im.Store.TracesToImport(ctx)
		if err != nil && ctx.Err() == nil {
			im.Log.Error("listing traces to import", "err", err)
		}
		for _, id := range ids {
			select {
			case <-stop:
				return
			default:
			}
			if ctx.Err() != nil {
				return
			}
			im.importLogged(ctx, id)
		}
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-im.wake:
		case <-time.After(time.Minute): // a trace uploaded by another server sharing the database
		}
	}
}

func (im *Importer) importLogged(ctx context.Context, id int64) {
	start := time.Now()
	n, err := im.Import(ctx, id)
	switch {
	case err == nil:
		secs := time.Since(start).Seconds()
		im.Log.Info("trace imported", "trace", id, "events", n, "seconds", secs, "events_per_second", int64(float64(n)/secs))
	case ctx.Err() != nil:
		im.Log.Warn("import interrupted; it resumes at the next start", "trace", id, "events_written", n)
	default:
		im.Log.Error("import failed", "trace", id, "err", err)
		if serr := im.Store.SetStatus(context.WithoutCancel(ctx), id, store.StatusFailed, err.Error()); serr != nil {
			im.Log.Error("recording the failed import", "trace", id, "err", serr)
		}
	}
}

// Import imports one trace from its kept archive and returns the number of
// events written.
func (im *Importer) Import(ctx context.Context, id int64) (int64, error) {
	im.init()
	t, err := im.Store.TraceByID(ctx, id)
	if err != nil {
		return 0, err
	}
	file := filepath.Join(im.ArchiveDir, t.ArchiveFile)
	format, err := Sniff(file)
	if err != nil {
		return 0, err
	}
	root := t.ArchiveRoot
	w, err := im.Store.BeginImport(ctx, id)
	if err != nil {
		return 0, err
	}
	im.mu.Lock()
	im.progress[id] = 0
	im.mu.Unlock()
	defer func() {
		im.mu.Lock()
		delete(im.progress, id)
		im.mu.Unlock()
	}()
	var events, sockets int64
	procs := map[string]*store.Process{}
	process := func(r role) (*store.Process, error) {
		if p := procs[r.process]; p != nil {
			return p, nil
		}
		p := &store.Process{Name: r.process, App: r.app, Seq: r.seq}
		if err := w.AddProcess(p); err != nil {
			return nil, err
		}
		procs[r.process] = p
		return p, nil
	}
	// The statistics read the archive beside the import (a second core),
	// so they add little to its wall time; buffered: never blocks.
	statsDone := make(chan []byte, 1)
	go func() { statsDone <- im.traceStats(ctx, t, file) }()
	lr := newLineReader(im.Limits.MaxLine)
	err = Walk(file, format, im.Limits, func(m *Member) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r := classify(m.Name, root)
		switch r.kind {
		case roleLogs, rolePcap:
			p, err := process(r)
			if err != nil {
				return err
			}
			if r.kind == roleLogs {
				p.HasLogs = true
			}
			return w.AddFile(id, store.File{Process: r.process, Name: r.file, Member: m.Name, Size: m.Size})
		case roleEvents:
			p, err := process(r)
			if err != nil {
				return err
			}
			k := &store.Socket{ProcessID: p.ID, Index: r.socket}
			if err := w.AddSocket(k); err != nil {
				return err
			}
			ev := store.Event{ProcessID: p.ID, SocketID: k.ID}
			lr.reset(m.R, m.Name)
			err = lr.each(func(line []byte, n int) error {
				e, err := tracefile.ParseRawEventChecked(line) // Check ran ParseRawEvent at upload
				if err != nil {
					return fmt.Errorf("%s line %d: %w", m.Name, n, err)
				}
				summarise(k, &e)
				ev.Type, ev.TimestampUsec, ev.ReturnValue, ev.Success = e.Type, e.TimestampUsec, e.ReturnValue, e.Success
				ev.Errno, ev.ThreadID, ev.FakeCall, ev.Details = e.Errno, e.ThreadID, e.FakeCall, e.Details
				if err := w.AddEvent(&ev); err != nil {
					return err
				}
				ev.Seq++
				events++
				if events%16384 == 0 {
					im.mu.Lock()
					im.progress[id] = events
					im.mu.Unlock()
				}
				return nil
			})
			if err != nil {
				return err
			}
			if err := w.FinishSocket(k); err != nil {
				return err
			}
			p.Sockets++
			p.Events += k.Events
			sockets++
		}
		return nil
	})
	if err == nil {
		names := make([]string, 0, len(procs))
		for n := range procs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if err = w.FinishProcess(procs[n]); err != nil {
				break
			}
		}
	}
	if err == nil {
		// before Finish: the trace counts in the statistics as soon as it is imported
		if agg := <-statsDone; agg != nil {
			err = w.PutStats(agg)
		}
	}
	if err == nil {
		err = w.Finish(int64(len(procs)), sockets, events)
	}
	if err != nil {
		w.Abort()
		if errors.Is(err, context.Canceled) {
			return events, err
		}
		return events, fmt.Errorf("importing: %w", err)
	}
	return events, nil
}
