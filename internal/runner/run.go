package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ShimOptions are the shim's settings (see docs/internals.md).
type ShimOptions struct {
	TCPInfoBytes   int  // -b
	TCPInfoUsec    int  // -u
	Capture        bool // -c
	FileLogLevel   int  // -f
	StderrLogLevel int  // -l
	WritePeriodMs  int  // -t
	Verbose        bool // -v
}

// Env renders the options as the shim's TCPSNITCH_OPT_* variables.
func (o ShimOptions) Env(traceDir string) []string {
	b := func(v bool) string { return map[bool]string{true: "1", false: "0"}[v] }
	return []string{
		"TCPSNITCH_OPT_D=" + traceDir,
		"TCPSNITCH_OPT_B=" + strconv.Itoa(o.TCPInfoBytes),
		"TCPSNITCH_OPT_U=" + strconv.Itoa(o.TCPInfoUsec),
		"TCPSNITCH_OPT_C=" + b(o.Capture),
		"TCPSNITCH_OPT_F=" + strconv.Itoa(o.FileLogLevel),
		"TCPSNITCH_OPT_L=" + strconv.Itoa(o.StderrLogLevel),
		"TCPSNITCH_OPT_T=" + strconv.Itoa(o.WritePeriodMs),
		"TCPSNITCH_OPT_V=" + b(o.Verbose),
	}
}

// Options describe one traced run.
type Options struct {
	Path     string   // resolved program file (see Resolve)
	Argv     []string // argv as the user typed it; Argv[0] is kept as given
	TraceDir string   // absolute, existing
	Preload  string   // LD_PRELOAD value for the shim (see Preload)
	Shim     ShimOptions

	Stdin          io.Reader // *os.File values are passed to the program as is
	Stdout, Stderr io.Writer
}

// Run runs the program under the shim and returns its exit status: its exit
// code, or 128+N when signal N killed it. Signals tcpsnitch receives
// meanwhile are forwarded to it through sig (which may be nil). An error
// means the program could not be started.
func Run(ctx context.Context, o Options, sig *Signals) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	cmd := &exec.Cmd{Path: o.Path, Args: o.Argv, Stdin: o.Stdin, Stdout: o.Stdout, Stderr: o.Stderr}
	cmd.Env = tracedEnv(os.Environ(), o.Preload, o.Shim.Env(o.TraceDir))
	// Only matters when a stream is not a file and a daemonised grandchild
	// keeps the pipe open: do not wait for it forever.
	cmd.WaitDelay = 2 * time.Second
	release, err := sig.startChild(func() (*os.Process, error) {
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		return cmd.Process, nil
	})
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return 0, &NotExecutableError{Name: o.Argv[0], Err: err}
	}
	err = cmd.Wait()
	release()
	if cmd.ProcessState == nil {
		return 0, fmt.Errorf("waiting for %s: %w", o.Argv[0], err)
	}
	return exitStatus(cmd.ProcessState), nil
}

func exitStatus(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// tracedEnv is env with our shim first in LD_PRELOAD (keeping what the user
// preloads already) and the shim's options replacing any inherited ones.
func tracedEnv(env []string, preload string, opts []string) []string {
	out := make([]string, 0, len(env)+len(opts)+1)
	for _, kv := range env {
		switch {
		case strings.HasPrefix(kv, "TCPSNITCH_OPT_"):
		case strings.HasPrefix(kv, "LD_PRELOAD="):
			if old := strings.TrimPrefix(kv, "LD_PRELOAD="); old != "" {
				preload += ":" + old
			}
		default:
			out = append(out, kv)
		}
	}
	out = append(out, "LD_PRELOAD="+preload)
	return append(out, opts...)
}
