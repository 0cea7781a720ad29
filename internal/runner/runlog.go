package runner

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// RunLog is the file every traced process of one run appends to (the
// shim's run_log option, shim/runlog.h): its warnings and errors, and at
// exit a summary line, written even by processes that used no socket or
// could not write their process directory. It is a hidden file of the
// trace directory (a process that can reach the trace can reach it; a
// private $TMPDIR would not do for a program that switches user), never
// archived, and removed after the run.
type RunLog struct{ Path string }

// runLogPrefix starts the run log's name (Foreign ignores such files: a
// tcpsnitch killed with SIGKILL leaves its run log behind).
const runLogPrefix = ".tcpsnitch-run-"

// NewRunLog creates the empty run log in traceDir. The shim never creates
// it, so once Remove has run, a process that outlived tcpsnitch writes
// nothing.
func NewRunLog(traceDir string) (*RunLog, error) {
	f, err := os.CreateTemp(traceDir, runLogPrefix+"*.log")
	if err != nil {
		return nil, fmt.Errorf("cannot create the run log in %s: %w", traceDir, err)
	}
	f.Close()
	// Traced processes that switch to another user (su, setpriv, a server
	// dropping privileges) must still be able to say they could not write
	// the trace: anyone may append to the file (in a sticky temp dir,
	// under a random name; the worst a stranger can do is add lines).
	if err := os.Chmod(f.Name(), 0o666); err != nil {
		os.Remove(f.Name())
		return nil, fmt.Errorf("cannot create the run log: %w", err)
	}
	return &RunLog{Path: f.Name()}, nil
}

// Remove deletes the file (nil-safe).
func (r *RunLog) Remove() {
	if r != nil {
		os.Remove(r.Path)
	}
}

// Message is one distinct warning or error of the shim and how many times
// it was logged (by every process of the run together).
type Message struct {
	Level string // "ERROR" or "WARN"
	Text  string
	Count int
}

// RunReport is what the run log says.
type RunReport struct {
	Reported int // processes that wrote their exit summary
	// Unreported are the pids that exec'd a program which never reported
	// (a static or set-user-ID program, a shim the loader could not open
	// for the process's user, or a process killed before its exit).
	Unreported []int
	Sockets    int       // sockets those processes saw (written or not)
	Messages   []Message // distinct warnings and errors, in the order first seen
}

var (
	runSummaryRe = regexp.MustCompile(`^(\d+) SUMMARY (\d+) (\d+) (\d+)$`)
	runExecRe    = regexp.MustCompile(`^(\d+) EXEC$`)
	runMessageRe = regexp.MustCompile(`^(\d+) (ERROR|WARN) (.*)$`)
	// The shim's exit summary is also a warning when events were dropped:
	// the CLI reports drops in its own words.
	summaryTextRe = regexp.MustCompile(`^tcpsnitch: \d+ events recorded`)
)

// Read parses the run log. A process that execs writes a summary per
// program it ran (same pid): each counts as one report.
func (r *RunLog) Read() RunReport {
	var rep RunReport
	if r == nil {
		return rep
	}
	f, err := os.Open(r.Path)
	if err != nil {
		return rep
	}
	defer f.Close()
	index := map[string]int{}
	execed := map[int]bool{} // exec'd and not reported since
	listed := map[int]bool{}
	var order []int
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 64*1024)
	for sc.Scan() {
		line := sc.Text()
		if m := runSummaryRe.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[4])
			pid, _ := strconv.Atoi(m[1])
			rep.Reported++
			rep.Sockets += n
			execed[pid] = false
			continue
		}
		if m := runExecRe.FindStringSubmatch(line); m != nil {
			pid, _ := strconv.Atoi(m[1])
			if !listed[pid] {
				listed[pid] = true
				order = append(order, pid)
			}
			execed[pid] = true
			continue
		}
		m := runMessageRe.FindStringSubmatch(line)
		if m == nil || summaryTextRe.MatchString(m[3]) {
			continue
		}
		key := m[2] + " " + m[3]
		if i, ok := index[key]; ok {
			rep.Messages[i].Count++
			continue
		}
		index[key] = len(rep.Messages)
		rep.Messages = append(rep.Messages, Message{Level: m[2], Text: strings.TrimSpace(m[3]), Count: 1})
	}
	for _, pid := range order {
		if execed[pid] {
			rep.Unreported = append(rep.Unreported, pid)
		}
	}
	return rep
}

// maxMessages bounds how many distinct shim messages are printed after a
// run (a message per failed file could flood the terminal).
const maxMessages = 10

// MessageLines renders the distinct messages as the CLI prints them, one
// line each, with their count when more than one. Those the shim printed
// live (-l) are repeated: they went to the program's stderr, which the
// program may have sent elsewhere (nginx: its error log), once per time.
func (rep RunReport) MessageLines() []string {
	var out []string
	msgs := rep.Messages
	for i, m := range msgs {
		if i == maxMessages {
			out = append(out, fmt.Sprintf("tcpsnitch: … and %d more distinct shim messages (see logs.txt in each process directory)",
				len(msgs)-maxMessages))
			break
		}
		kind := "warning"
		if m.Level == "ERROR" {
			kind = "error"
		}
		line := fmt.Sprintf("tcpsnitch: shim %s: %s", kind, m.Text)
		if m.Count > 1 {
			line += fmt.Sprintf(" (%d times)", m.Count)
		}
		out = append(out, line)
	}
	return out
}
