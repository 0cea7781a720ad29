package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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

// Family is the traced program's process tree as tcpsnitch follows it:
// NewFamily before the program starts, Wait after it exited, Close at the
// end. Children tcpsnitch had before (none in the CLI; a test's own) are
// neither waited for nor reaped.
type Family struct {
	before map[int]bool
}

// NewFamily makes tcpsnitch a child subreaper. Without it (a kernel older
// than 3.4) orphans are re-parented to init and cannot be waited for.
func NewFamily() *Family {
	f := &Family{before: map[int]bool{}}
	if pids, ok := childPids(); ok {
		for _, pid := range pids {
			f.before[pid] = true
		}
	} else {
		for _, p := range scanProcs() {
			if p.ppid == os.Getpid() {
				f.before[p.pid] = true
			}
		}
	}
	unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	return f
}

// Close stops re-parenting orphans to tcpsnitch.
func (f *Family) Close() {
	unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
}

// Proc is a running process: its pid and its name (/proc/PID/comm).
type Proc struct {
	Pid  int
	Name string
}

func (p Proc) String() string { return fmt.Sprintf("%s (pid %d)", p.Name, p.Pid) }

type procEntry struct {
	pid, ppid int
	name      string
	zombie    bool
}

func scanProcs() []procEntry {
	var out []procEntry
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
		if len(fields) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(fields[1])
		out = append(out, procEntry{pid: pid, ppid: ppid, name: s[open+1 : end], zombie: fields[0] == "Z" || fields[0] == "X"})
	}
	return out
}

// childPids returns tcpsnitch's children, zombies included, from
// /proc/self/task/*/children (a small file per thread, where a scan of
// /proc reads a file per process on the machine); false when the kernel
// has no such files (built without CONFIG_PROC_CHILDREN).
func childPids() ([]int, bool) {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return nil, false
	}
	var pids []int
	for _, t := range tasks {
		b, err := os.ReadFile(filepath.Join("/proc/self/task", t.Name(), "children"))
		if errors.Is(err, os.ErrNotExist) {
			if _, gone := os.Stat(filepath.Join("/proc/self/task", t.Name())); gone != nil {
				continue // the thread ended meanwhile
			}
			return nil, false
		}
		if err != nil {
			return nil, false
		}
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	return pids, true
}

// state returns this run's children (zombies included: they are to be
// reaped) and its living descendants at any depth.
func (f *Family) state() (children []int, living []Proc) {
	// Orphans come to tcpsnitch (the subreaper), so with no child of this
	// run left no descendant is left either: nothing to scan /proc for.
	if pids, ok := childPids(); ok && !slices.ContainsFunc(pids, func(pid int) bool { return !f.before[pid] }) {
		return nil, nil
	}
	procs := scanProcs()
	parent := map[int]int{}
	for _, p := range procs {
		parent[p.pid] = p.ppid
	}
	self := os.Getpid()
	for _, p := range procs {
		// Walk up to our direct child: it must be one of this run's.
		child, hops := p.pid, 0
		for parent[child] != self && parent[child] != 0 && hops < 128 {
			child, hops = parent[child], hops+1
		}
		if parent[child] != self || f.before[child] {
			continue
		}
		if p.ppid == self {
			children = append(children, p.pid)
		}
		if !p.zombie {
			living = append(living, Proc{Pid: p.pid, Name: p.name})
		}
	}
	sort.Slice(living, func(i, j int) bool { return living[i].Pid < living[j].Pid })
	return children, living
}

// reap collects the exited ones among children without blocking, and
// reports whether any is left.
func reap(children []int) bool {
	left := false
	for _, pid := range children {
		var ws syscall.WaitStatus
		got, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
		if err == nil && got == 0 {
			left = true
		}
	}
	return left
}

// StillRunningError: the user stopped waiting for the program's
// descendants; Left were still running (and may still write to the trace).
type StillRunningError struct {
	Left []Proc
	Err  error // the context's error
}

func (e *StillRunningError) Error() string {
	return fmt.Sprintf("stopped waiting for %s still running", DescribeProcs(e.Left))
}

func (e *StillRunningError) Unwrap() error { return e.Err }

// DescribeProcs: "1 process: python3 (pid 12)", "3 processes: a (pid 1), …".
func DescribeProcs(ps []Proc) string {
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

// Wait waits until the program's descendants have all exited,
// calling say with a line each time the set of running ones changes. A
// cancelled ctx (Ctrl-C) stops the wait: the error is a *StillRunningError.
func (f *Family) Wait(ctx context.Context, say func(string)) error {
	var shown string
	var shownAt time.Time
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		children, left := f.state()
		if !reap(children) {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return &StillRunningError{Left: left, Err: err}
		}
		// The first time at once, then a change at most every 2 s (a
		// shell loop would otherwise print a line per process it runs).
		if d := DescribeProcs(left); len(left) > 0 && d != shown && time.Since(shownAt) >= 2*time.Second {
			if shown == "" {
				say(fmt.Sprintf("tcpsnitch: waiting for %s started by the program and still running (Ctrl-C stops waiting and keeps the trace)", d))
			} else {
				say(fmt.Sprintf("tcpsnitch: still waiting for %s", d))
			}
			shown, shownAt = d, time.Now()
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
}
