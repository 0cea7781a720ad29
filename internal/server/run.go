package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tcpsnitch/tcpsnitch/internal/importer"
	"github.com/tcpsnitch/tcpsnitch/internal/store"
)

// Config is what `tcpsnitch serve` was started with.
type Config struct {
	Addr            string // host:port; port 0 picks a free one
	DB              string // postgres://… or an SQLite file; "" : DataDir/tcpsnitch.db
	DataDir         string
	Token           string
	Public          bool
	BaseURL         string
	MaxUpload       int64
	Limits          importer.Limits
	ShutdownTimeout time.Duration // how long SIGTERM waits for requests and the import in progress
	Version         string
	LogOut          io.Writer        // structured logs (JSON lines)
	Ready           func(url string) // called once listening (tests, and the "listening" line)
}

// DefaultDataDir is $XDG_DATA_HOME/tcpsnitch, else ~/.local/share/tcpsnitch.
func DefaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "tcpsnitch")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "tcpsnitch-data")
	}
	return filepath.Join(home, ".local", "share", "tcpsnitch")
}

// Run serves until ctx is cancelled, then shuts down gracefully: requests
// in flight and the import in progress get ShutdownTimeout to finish; an
// import still running then is abandoned and resumed at the next start.
func Run(ctx context.Context, c Config) error {
	log := slog.New(slog.NewJSONHandler(c.LogOut, nil))
	archives := filepath.Join(c.DataDir, "archives")
	tmp := filepath.Join(c.DataDir, "tmp")
	for _, d := range []string{archives, tmp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("creating the data directory: %w (choose another with --data-dir)", err)
		}
	}
	removeLeftovers(tmp, log)
	st, err := store.Open(ctx, c.DB, c.DataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	removeOrphans(ctx, st, archives, log)

	im := &importer.Importer{Store: st, ArchiveDir: archives, Limits: c.Limits, Log: log}
	srv := &Server{Store: st, Importer: im, ArchiveDir: archives, TmpDir: tmp, Limits: c.Limits, MaxUpload: c.MaxUpload,
		Token: c.Token, Public: c.Public, BaseURL: c.BaseURL, Log: log, Version: c.Version}

	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w (choose another address with --addr)", c.Addr, err)
	}
	url := "http://" + ln.Addr().String()
	host, _, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); c.Token == "" && (ip == nil || !ip.IsLoopback()) {
		log.Warn("listening beyond this machine without --token: anyone who reaches the port can upload", "addr", ln.Addr().String())
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 30 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}

	importCtx, abandon := context.WithCancel(context.WithoutCancel(ctx))
	defer abandon()
	stopImports := make(chan struct{})
	importsDone := make(chan struct{})
	go func() {
		defer close(importsDone)
		im.Run(importCtx, stopImports)
	}()
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	log.Info("serving", "url", url, "data_dir", c.DataDir, "db", dbName(c), "public", c.Public, "token", c.Token != "")
	if c.Ready != nil {
		c.Ready(url)
	}

	select {
	case err := <-serveErr:
		close(stopImports)
		abandon()
		<-importsDone
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", c.ShutdownTimeout.String())
	deadline := time.Now().Add(c.ShutdownTimeout)
	close(stopImports)
	sctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		hs.Close()
	}
	select {
	case <-importsDone:
	case <-time.After(time.Until(deadline)):
		log.Warn("the import in progress did not finish in time; it resumes at the next start")
		abandon()
		<-importsDone
	}
	log.Info("stopped")
	return nil
}

func dbName(c Config) string {
	if strings.HasPrefix(c.DB, "postgres") {
		return "postgresql"
	}
	if c.DB == "" {
		return filepath.Join(c.DataDir, "tcpsnitch.db")
	}
	return c.DB
}

// removeLeftovers deletes uploads a stopped server was still receiving.
func removeLeftovers(tmp string, log *slog.Logger) {
	entries, _ := os.ReadDir(tmp)
	for _, e := range entries {
		if err := os.Remove(filepath.Join(tmp, e.Name())); err == nil {
			log.Info("removed an unfinished upload", "file", e.Name())
		}
	}
}

// removeOrphans deletes kept archives that no trace names (a crash between
// moving the archive into place and recording the trace).
func removeOrphans(ctx context.Context, st store.Store, archives string, log *slog.Logger) {
	known, err := st.ArchiveFiles(ctx)
	if err != nil {
		log.Error("listing archives", "err", err)
		return
	}
	entries, _ := os.ReadDir(archives)
	for _, e := range entries {
		if !known[e.Name()] {
			if err := os.Remove(filepath.Join(archives, e.Name())); err == nil {
				log.Info("removed an archive no trace refers to", "file", e.Name())
			}
		}
	}
}
