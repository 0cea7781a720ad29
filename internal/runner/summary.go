package runner

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/tcpsnitch/tcpsnitch/internal/dirents"
)

// Summary counts what the shim wrote into a trace directory.
type Summary struct {
	Processes int // <app>_NNN directories
	Sockets   int // N.json files
	Recorded  int // events, from the shim's summary lines in logs.txt
	Dropped   int // events lost, from the same lines
	TailFull  int // processes that lost events because their spool's mapped tail filled (shim/sandbox.h)
}

// tailFullWarning is in the shim's warning when the mapped tail of a
// process that limits its file size is full (shim/sandbox.c).
var tailFullWarning = []byte("the spool's mapped tail")

var (
	processDirRe = regexp.MustCompile(`^.+_\d{3,}$`)
	summaryRe    = regexp.MustCompile(`tcpsnitch: (\d+) events recorded, (\d+) dropped(?:, (\d+) sockets)?`)
)

// Summarize reads every process directory of the trace directory. It is
// deliberately lenient (it never fails): it only counts files and parses
// the summary lines.
func Summarize(traceDir string) Summary {
	var names []string
	for name := range ProcessDirs(traceDir) {
		names = append(names, name)
	}
	return SummarizeDirs(traceDir, names)
}

// SummarizeDirs is Summarize over the given process directories only (one
// run's, when several runs share the trace directory).
func SummarizeDirs(traceDir string, names []string) Summary {
	var s Summary
	for _, name := range names {
		s.Processes++
		dir := filepath.Join(traceDir, name)
		logs, _ := os.ReadFile(filepath.Join(dir, "logs.txt"))
		// The shim's counters are cumulative for the process: a process
		// that wrote the line twice (an exec that failed, then exit) is
		// counted by its last one.
		if bytes.Contains(logs, tailFullWarning) {
			s.TailFull++
		}
		sockets := -1
		if all := summaryRe.FindAllStringSubmatch(string(logs), -1); len(all) > 0 {
			m := all[len(all)-1]
			r, _ := strconv.Atoi(m[1])
			d, _ := strconv.Atoi(m[2])
			s.Recorded += r
			s.Dropped += d
			if m[3] != "" {
				sockets, _ = strconv.Atoi(m[3])
			}
		}
		// The shim's own count when its last summary line has one; else
		// (a process killed before it could write it, an older shim) the
		// files: listing tens of thousands of them took ~10 ms.
		if sockets < 0 {
			sockets = countSocketFiles(dir)
		}
		s.Sockets += sockets
	}
	return s
}

// countSocketFiles counts the N.json files of a process directory. It runs
// after every traced program, on directories of tens of thousands of files
// for programs that churn through connections (os.ReadDir and a regexp took
// 28 ms on 32 000 files).
func countSocketFiles(dir string) int {
	n := 0
	dirents.EachIn(dir, func(name []byte, _ byte) {
		if isSocketFile(name) {
			n++
		}
	})
	return n
}

// isSocketFile: "<digits>.json".
func isSocketFile(name []byte) bool {
	digits, ok := bytes.CutSuffix(name, []byte(".json"))
	if !ok || len(digits) == 0 {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Empty: no internet socket was used.
func (s Summary) Empty() bool { return s.Sockets == 0 }

// appName is the process-dir style name of a command: basename of argv[0].
func AppName(argv0 string) string {
	return filepath.Base(strings.TrimRight(argv0, "/"))
}
