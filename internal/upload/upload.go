// Package upload sends a trace to a collection server the way the original
// tcpsnitch did: archive.tar.gz as a multipart POST to <server>/app_traces.
package upload

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/tcpsnitch/tcpsnitch/internal/archive"
	"github.com/tcpsnitch/tcpsnitch/internal/cliio"
	"github.com/tcpsnitch/tcpsnitch/internal/config"
)

// Options says what to upload and where.
type Options struct {
	TraceDir, Server string
	NoUpload, Prompt bool
	Timeout          time.Duration // per attempt; 0 means DefaultTimeout

	// Workload and Connectivity are sent as app_trace[workload] and
	// app_trace[connectivity]. With Prompt, empty ones are asked for.
	Workload, Connectivity string

	// Members are the top-level entries of TraceDir that make up this
	// run's trace (its meta/ and process directories); nil sends all.
	Members []string
}

// DefaultTimeout bounds one upload attempt.
const DefaultTimeout = 2 * time.Minute

// Error is an upload that was attempted and failed. The trace stays on disk.
type Error struct {
	Server string
	Err    error
}

func (e *Error) Error() string {
	return fmt.Sprintf("upload to %s failed: %v", e.Server, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Run archives the trace, asks for the workload and connectivity (-p),
// uploads with one retry and prints the URL the server answers with. With
// NoUpload it does nothing; with no server configured it says so and how to
// configure one, and returns nil: a missing server never fails a run.
func Run(ctx context.Context, o Options, s *cliio.Streams) error {
	if o.NoUpload {
		return nil
	}
	if o.Server == "" {
		fmt.Fprintf(s.ErrOut, "Trace not uploaded: no server configured (use --server <url>, "+
			"TCPSNITCH_SERVER, or \"server: <url>\" in %s; -n skips upload silently).\n", config.Path())
		return nil
	}
	if err := CheckServer(o.Server); err != nil {
		return &Error{Server: o.Server, Err: err}
	}
	path, err := archive.Create(o.TraceDir, o.Members)
	if err != nil {
		return err
	}
	if o.Prompt {
		if err := ask(ctx, &o, s); err != nil {
			if ctx.Err() != nil {
				return err
			}
			return &Error{Server: o.Server, Err: err}
		}
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	url, err := post(ctx, o, path, s)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // interrupted, not failed
		}
		return &Error{Server: o.Server, Err: err}
	}
	fmt.Fprintf(s.ErrOut, "Trace uploaded: %s\n", url)
	return nil
}

// CheckServer says why a server setting is not an upload URL, or returns
// nil. The CLI calls it before the program runs.
func CheckServer(server string) error {
	u, err := url.Parse(server)
	switch {
	case err != nil:
		return fmt.Errorf("%q is not a URL: %v", server, errors.Unwrap(err))
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%q is not an http:// or https:// URL", server)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("%q names no host (e.g. https://collector.example.org)", server)
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("%q has a query or fragment; give the server's base URL", server)
	}
	return nil
}
