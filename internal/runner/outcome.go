package runner

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Outcome is everything known about a finished run, to tell the user
// what happened in words that are true.
type Outcome struct {
	App         string
	Status      int       // the program's exit status (128+N: killed by signal N)
	Signaled    bool      // Status is a signal's
	Files       Summary   // what this run's process directories hold
	Report      RunReport // what the shims said in the run log
	Untraceable bool      // a warning said the program cannot be traced
	Running     []Proc    // descendants still running (the user stopped waiting)
}

// userSignals are how a user stops a program (Ctrl-C, kill, a closed terminal).
var userSignals = map[syscall.Signal]bool{syscall.SIGINT: true, syscall.SIGTERM: true, syscall.SIGHUP: true,
	syscall.SIGQUIT: true, syscall.SIGKILL: true}

// Lines returns what to print after the run and before "Trace saved",
// each a full line: the shim's distinct warnings and errors, lost events,
// how the program ended when it did not exit, and, when no socket was
// written, why. "The trace is empty" is said only when it is known: the
// shim ran, reported at exit and saw no socket.
func (o Outcome) Lines() []string {
	out := o.Report.MessageLines()
	if o.Files.Dropped > 0 {
		why := "the shim ran out of memory"
		if o.Files.TailFull > 0 {
			why = "a process set a file size limit below 32 MiB and the spool the shim keeps in memory for it ran out; see its logs.txt"
		}
		out = append(out, fmt.Sprintf("tcpsnitch: warning: %d of %d events were dropped (%s); the trace is incomplete.",
			o.Files.Dropped, o.Files.Recorded+o.Files.Dropped, why))
	}
	if o.Signaled {
		sig := syscall.Signal(o.Status - 128)
		name := unix.SignalName(sig)
		if name == "" {
			name = fmt.Sprintf("signal %d", int(sig))
		}
		if userSignals[sig] {
			out = append(out, fmt.Sprintf("tcpsnitch: %s was stopped by %s.", o.App, name))
		} else {
			out = append(out, fmt.Sprintf("tcpsnitch: %s died of %s (%s).", o.App, name, sig))
		}
	}
	unreported := o.unreported()
	if len(unreported) > 0 && !o.Untraceable {
		out = append(out, fmt.Sprintf("tcpsnitch: warning: %s ran a program the shim never reported from, so it was not traced "+
			"(a static or set-user-ID program, a shim file its user cannot read, or a process killed before it could report).",
			pidList(unreported)))
	}
	if !o.Files.Empty() || o.Untraceable {
		return out
	}
	switch {
	case len(o.Running) > 0:
		out = append(out, fmt.Sprintf("tcpsnitch: no internet socket was recorded so far (%s still running).", DescribeProcs(o.Running)))
	case o.Report.Sockets > 0:
		what := "1 internet socket but could not write it"
		if o.Report.Sockets > 1 {
			what = fmt.Sprintf("%d internet sockets but could not write them", o.Report.Sockets)
		}
		out = append(out, fmt.Sprintf("tcpsnitch: the shim saw %s to the trace (see the shim errors above).", what))
	case o.Signaled:
		out = append(out, "tcpsnitch: no internet socket was recorded before that.")
	case o.Report.Reported == 0:
		out = append(out, fmt.Sprintf("tcpsnitch: nothing was traced: the shim never reported from %s (it was not loaded, "+
			"or could not write; a program that switches to another user cannot write to the trace).", o.App))
	case len(unreported) > 0:
		out = append(out, "tcpsnitch: the trace holds no socket, but whether the untraced program used one is unknown.")
	default:
		out = append(out, fmt.Sprintf("tcpsnitch: the trace is empty: %s used no internet socket.", o.App))
	}
	return out
}

// pidList: "pid 12", "2 processes (pids 12, 13)".
func pidList(pids []int) string {
	if len(pids) == 1 {
		return fmt.Sprintf("pid %d", pids[0])
	}
	s := make([]string, len(pids))
	for i, p := range pids {
		s[i] = strconv.Itoa(p)
	}
	return fmt.Sprintf("%d processes (pids %s)", len(pids), strings.Join(s, ", "))
}

// unreported: the report's exec'd-and-silent pids, but those still running
// (they will report when they exit).
func (o Outcome) unreported() []int {
	running := map[int]bool{}
	for _, p := range o.Running {
		running[p.Pid] = true
	}
	var out []int
	for _, pid := range o.Report.Unreported {
		if !running[pid] {
			out = append(out, pid)
		}
	}
	return out
}
