package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Like strace -f, tcpsnitch waits for the processes the traced program
// started and left running: they may still write to the trace. It makes
// itself a child subreaper (PR_SET_CHILD_SUBREAPER) before starting the
// program, so every orphaned descendant is re-parented to tcpsnitch instead
// of init; once no child is left, no descendant is left.

// becomeSubreaper is called before the program starts. An error (a kernel
// older than 3.4) only means orphans cannot be waited for.
func becomeSubreaper() error {
	return unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
}

// Proc is a running process: its pid and its name (/proc/PID/comm).
type Proc struct {
	Pid  int
	Name string
}

func (p Proc) String() string { return fmt.Sprintf("%s (pid %d)", p.Name, p.Pid) }

// Descendants lists the living (not zombie) processes below this one, by
// pid.
func Descendants() []Proc {
	parent := map[int]int{}
	name := map[int]string{}
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …: comm may hold spaces and parentheses.
		s := string(b)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		fields := strings.Fields(s[end+1:])
		if len(fields) < 2 || fields[0] == "Z" || fields[0] == "X" {
			continue
		}
		ppid, _ := strconv.Atoi(fields[1])
		parent[pid] = ppid
		name[pid] = s[open+1 : end]
	}
	self := os.Getpid()
	var out []Proc
	for pid := range parent {
		for p, hops := parent[pid], 0; p != 0 && hops < 64; p, hops = parent[p], hops+1 {
			if p == self {
				out = append(out, Proc{Pid: pid, Name: name[pid]})
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Pid < out[j].Pid })
	return out
}

// reapChildren collects every exited child without blocking and reports
// whether any child is left.
func reapChildren() bool {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		switch {
		case errors.Is(err, syscall.ECHILD):
			return false
		case errors.Is(err, syscall.EINTR):
			continue
		case err != nil || pid == 0:
			return true
		}
	}
}

// StillRunningError: the user stopped waiting for the program's
// descendants; Left were still running (and may still write to the trace).
type StillRunningError struct {
	Left []Proc
	Err  error // the context's error
}

func (e *StillRunningError) Error() string {
	return fmt.Sprintf("stopped waiting for %s still running", describeProcs(e.Left))
}

func (e *StillRunningError) Unwrap() error { return e.Err }

// describeProcs: "1 process: python3 (pid 12)", "3 processes: a (pid 1), …".
func describeProcs(ps []Proc) string {
	names := make([]string, 0, len(ps))
	for i, p := range ps {
		if i == 5 {
			names = append(names, fmt.Sprintf("and %d more", len(ps)-5))
			break
		}
		names = append(names, p.String())
	}
	word := "processes"
	if len(ps) == 1 {
		word = "process"
	}
	return fmt.Sprintf("%d %s: %s", len(ps), word, strings.Join(names, ", "))
}

// WaitDescendants waits until the program's descendants have all exited,
// calling say with a line each time the set of running ones changes. A
// cancelled ctx (Ctrl-C) stops the wait: the error is a *StillRunningError.
func WaitDescendants(ctx context.Context, say func(string)) error {
	var shown string
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if !reapChildren() {
			return nil
		}
		left := Descendants()
		if err := ctx.Err(); err != nil {
			return &StillRunningError{Left: left, Err: err}
		}
		if d := describeProcs(left); len(left) > 0 && d != shown {
			verb := "waiting for"
			if shown != "" {
				verb = "still waiting for"
			}
			say(fmt.Sprintf("tcpsnitch: %s %s started by the program and still running (Ctrl-C stops waiting and keeps the trace)", verb, d))
			shown = d
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
}
