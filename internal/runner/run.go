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
	TCPInfoBytes   int         // -b
	TCPInfoUsec    int         // -u
	Capture        bool        // -c
	FileLogLevel   int         // -f
	StderrLogLevel int         // -l
	WritePeriodMs  int         // -t
	Verbose        bool        // -v
	VerboseFile    string      // -o: -v lines go to this file instead of stderr
	VerboseTime    VerboseTime // --verbose-time
}

// VerboseTime is the timestamp on -v lines (the shim's verbose_time).
type VerboseTime int

const (
	VerboseTimeNone     VerboseTime = 0 // no timestamp
	VerboseTimeWall     VerboseTime = 1 // wall-clock time of day, µs (strace -tt)
	VerboseTimeRelative VerboseTime = 2 // seconds since the process's previous line (strace -r)
)

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
		"TCPSNITCH_OPT_VERBOSE_TIME=" + strconv.Itoa(int(o.VerboseTime)),
		"TCPSNITCH_OPT_VERBOSE_FILE=" + o.VerboseFile,
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
	// Closed marks standard fds (0, 1, 2) that were closed when tcpsnitch
	// started (cliio.Streams.Closed): the program gets them closed too,
	// not the /dev/null the Go runtime put there. Their stream must then
	// be an *os.File or nil.
	Closed [3]bool

	RunLog *RunLog // the shim's run log (nil: none)
}

// Exit is how the program ended.
type Exit struct {
	Status   int  // its exit code, or 128+N when signal N killed it
	Signaled bool // a signal killed it (a shell's exit code 128+N does not count)
}

// Run runs the program under the shim and returns how it ended. Signals
// tcpsnitch receives meanwhile are forwarded to it through sig (which may be
// nil). An error means the program could not be started.
func Run(ctx context.Context, o Options, sig *Signals) (Exit, error) {
	if err := ctx.Err(); err != nil {
		return Exit{}, err
	}
	shimEnv := o.Shim.Env(o.TraceDir)
	if o.RunLog != nil {
		shimEnv = append(shimEnv, "TCPSNITCH_OPT_RUN_LOG="+o.RunLog.Path)
	}
	env := tracedEnv(os.Environ(), o.Preload, shimEnv)
	var p started
	release, err := sig.startChild(func() (*os.Process, error) {
		var err error
		p, err = start(o, env)
		return p.proc, err
	})
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return Exit{}, &NotExecutableError{Name: o.Argv[0], Err: err}
	}
	ps, err := p.wait()
	release()
	if ps == nil {
		return Exit{}, fmt.Errorf("waiting for %s: %w", o.Argv[0], err)
	}
	return exitOf(ps), nil
}

// started is a running program and how to wait for it.
type started struct {
	proc *os.Process
	wait func() (*os.ProcessState, error)
}

// start starts the program. os/exec gives the child /dev/null for a nil
// stream and cannot leave an fd closed, so with a closed standard fd the
// process is started with os.StartProcess, whose nil file means closed.
func start(o Options, env []string) (started, error) {
	if o.Closed == [3]bool{} {
		cmd := &exec.Cmd{Path: o.Path, Args: o.Argv, Stdin: o.Stdin, Stdout: o.Stdout, Stderr: o.Stderr, Env: env}
		// Only matters when a stream is not a file and a daemonised
		// grandchild keeps the pipe open: do not wait for it forever.
		cmd.WaitDelay = 2 * time.Second
		if err := cmd.Start(); err != nil {
			return started{}, err
		}
		return started{proc: cmd.Process, wait: func() (*os.ProcessState, error) {
			err := cmd.Wait()
			return cmd.ProcessState, err
		}}, nil
	}
	files := make([]*os.File, 3)
	for i, s := range []any{o.Stdin, o.Stdout, o.Stderr} {
		if o.Closed[i] {
			continue
		}
		f, ok := s.(*os.File)
		if !ok {
			return started{}, fmt.Errorf("standard stream %d: a closed fd can only be passed along with files", i)
		}
		files[i] = f
	}
	proc, err := os.StartProcess(o.Path, o.Argv, &os.ProcAttr{Env: env, Files: files})
	if err != nil {
		return started{}, err
	}
	return started{proc: proc, wait: proc.Wait}, nil
}

func exitOf(ps *os.ProcessState) Exit {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return Exit{Status: 128 + int(ws.Signal()), Signaled: true}
	}
	return Exit{Status: ps.ExitCode()}
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
