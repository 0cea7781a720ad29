package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/tcpsnitch/tcpsnitch/internal/cliio"
	"github.com/tcpsnitch/tcpsnitch/internal/importer"
	"github.com/tcpsnitch/tcpsnitch/internal/server"
)

// ServeOptions are the flags of `tcpsnitch serve`.
type ServeOptions struct {
	Addr, DB, DataDir, Token, BaseURL string
	Public                            bool
	MaxUpload, MaxExpanded            int64
	MaxFiles, MaxLine                 int
	ShutdownTimeout                   time.Duration
}

const serveLong = `serve runs a collection server: tcpsnitch --server URL (and the original
tcpsnitch's client) upload traces to it with POST /app_traces; it keeps the
archives, imports them in the background into SQLite (default, in the data
directory) or PostgreSQL (--db postgres://…), and shows them as web pages and
a JSON API (see docs/serve.md).

It listens on 127.0.0.1 unless --addr says otherwise. With --token, uploads
need the token (tcpsnitch --server http://:TOKEN@host:port/), and the trace
list is shown to token holders only unless --public.`

const serveExample = `  tcpsnitch serve
  tcpsnitch serve --addr :8080 --token s3cret --public
  tcpsnitch serve --db postgres://tcpsnitch@db/tcpsnitch --data-dir /srv/tcpsnitch`

func newServeCmd(streams *cliio.Streams) *cobra.Command {
	o := &ServeOptions{}
	cmd := &cobra.Command{
		Use:     "serve",
		Short:   "Run a collection server for uploaded traces, with a web viewer",
		Long:    serveLong,
		Example: serveExample,
		Args:    noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if o.Token == "" {
				o.Token = os.Getenv("TCPSNITCH_SERVE_TOKEN")
			}
			return runServe(c.Context(), o, streams)
		},
	}
	fs := cmd.Flags()
	lim := importer.DefaultLimits
	fs.StringVar(&o.Addr, "addr", "127.0.0.1:8080", "listen on `host:port` (port 0: any free port)")
	fs.StringVar(&o.DB, "db", "", "database: postgres://… `url`, or an SQLite file (default: <data-dir>/tcpsnitch.db)")
	fs.StringVar(&o.DataDir, "data-dir", server.DefaultDataDir(), "`dir` for the database and the kept archives")
	fs.StringVar(&o.Token, "token", "", "uploads need this `token` (default: $TCPSNITCH_SERVE_TOKEN)")
	fs.BoolVar(&o.Public, "public", false, "list the traces to everyone, not only to token holders")
	fs.StringVar(&o.BaseURL, "base-url", "", "the server's public `url` in trace links (default: from the request)")
	fs.Int64Var(&o.MaxUpload, "max-upload", 1<<30, "largest upload in `bytes` (413 beyond)")
	fs.Int64Var(&o.MaxExpanded, "max-expanded", lim.MaxExpanded, "largest size of an archive once decompressed, in `bytes`")
	fs.IntVar(&o.MaxFiles, "max-files", lim.MaxFiles, "most files in one archive")
	fs.IntVar(&o.MaxLine, "max-line", lim.MaxLine, "longest event line, in `bytes`")
	fs.DurationVar(&o.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "on SIGTERM, wait this long for requests and the import in progress")
	return cmd
}

func runServe(ctx context.Context, o *ServeOptions, streams *cliio.Streams) error {
	switch {
	case o.MaxUpload <= 0 || o.MaxExpanded <= 0 || o.MaxFiles <= 0 || o.MaxLine <= 0:
		return usageErrorf("--max-upload, --max-expanded, --max-files and --max-line must be positive")
	case o.DataDir == "":
		return usageErrorf("--data-dir is empty: give a directory for the database and archives")
	}
	lim := importer.DefaultLimits
	lim.MaxExpanded, lim.MaxFiles, lim.MaxLine = o.MaxExpanded, o.MaxFiles, o.MaxLine
	return server.Run(ctx, server.Config{
		Addr: o.Addr, DB: o.DB, DataDir: o.DataDir, Token: o.Token, Public: o.Public, BaseURL: o.BaseURL,
		MaxUpload: o.MaxUpload, Limits: lim, ShutdownTimeout: o.ShutdownTimeout,
		Version: versionString(), LogOut: streams.ErrOut,
		Ready: func(url string) { fmt.Fprintf(streams.Out, "tcpsnitch serve: listening on %s\n", url) },
	})
}
