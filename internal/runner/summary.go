package runner

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Summary counts what the shim wrote into a trace directory.
type Summary struct {
	Processes int // <app>_NNN directories
	Sockets   int // N.json files
	Recorded  int // events, from the shim's summary lines in logs.txt
	Dropped   int // events lost (memory), from the same lines
}

var (
	processDirRe = regexp.MustCompile(`^.+_\d{3,}$`)
	socketFileRe = regexp.MustCompile(`^\d+\.json$`)
	summaryRe    = regexp.MustCompile(`tcpsnitch: (\d+) events recorded, (\d+) dropped`)
)

// Summarize reads the trace directory. It is deliberately lenient (it
// never fails): it only counts files and parses the summary lines.
func Summarize(traceDir string) Summary {
	var s Summary
	entries, _ := os.ReadDir(traceDir)
	for _, e := range entries {
		if !e.IsDir() || !processDirRe.MatchString(e.Name()) {
			continue
		}
		s.Processes++
		dir := filepath.Join(traceDir, e.Name())
		files, _ := os.ReadDir(dir)
		for _, f := range files {
			if socketFileRe.MatchString(f.Name()) {
				s.Sockets++
			}
		}
		logs, _ := os.ReadFile(filepath.Join(dir, "logs.txt"))
		for _, m := range summaryRe.FindAllStringSubmatch(string(logs), -1) {
			r, _ := strconv.Atoi(m[1])
			d, _ := strconv.Atoi(m[2])
			s.Recorded += r
			s.Dropped += d
		}
	}
	return s
}

// Empty: no internet socket was used.
func (s Summary) Empty() bool { return s.Sockets == 0 }

// appName is the process-dir style name of a command: basename of argv[0].
func AppName(argv0 string) string {
	return filepath.Base(strings.TrimRight(argv0, "/"))
}
