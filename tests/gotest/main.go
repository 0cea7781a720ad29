// Command gotest runs `go test -json` and prints what plain `go test` prints
// (package results, the output of failing tests), then every skipped test
// with its reason, and a closing "N passed, N failed, N skipped" line.
//
// Plain `go test` hides skips, so a CI log could not show what was not
// tested. Every skip must be on the list in tests/skips.txt for the target
// under test ($TCPSNITCH_TEST_TARGET, default linux-x86_64); a skip that is
// not listed fails the run, so nothing stops being tested unnoticed.
//
// usage: go run ./tests/gotest [go test flags and packages]
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"sort"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

type result struct {
	pkg, test string
	output    []string
}

func main() { os.Exit(run()) }

func run() int {
	target := os.Getenv("TCPSNITCH_TEST_TARGET")
	if target == "" {
		target = "linux-x86_64"
	}
	allowed, err := readAllowed("tests/skips.txt", target)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gotest:", err)
		return 2
	}
	cmd := exec.Command("go", append([]string{"test", "-json"}, os.Args[1:]...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gotest:", err)
		return 2
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "gotest: go test:", err)
		return 2
	}
	passed, failed, skipped := summarise(out, os.Stdout)
	waitErr := cmd.Wait()

	unlisted := 0
	if len(skipped) > 0 {
		fmt.Printf("\nSkipped on %s (%d):\n", target, len(skipped))
	}
	for _, s := range skipped {
		mark := ""
		if !allowedSkip(allowed, s.test) {
			mark = "  <- NOT in tests/skips.txt"
			unlisted++
		}
		fmt.Printf("  %s %s: %s%s\n", s.pkg, s.test, skipReason(s.output), mark)
	}
	fmt.Printf("\ngotest: %d passed, %d failed, %d skipped\n", passed, failed, len(skipped))
	switch {
	case unlisted > 0:
		fmt.Printf("gotest: %d skip(s) not on the list for %s in tests/skips.txt: make the test run here, or list it with its reason\n", unlisted, target)
		return 1
	case failed > 0 || waitErr != nil:
		return 1
	}
	return 0
}

// summarise streams the JSON events, prints what plain `go test` would, and
// returns the counts of passed and failed tests and the skipped ones.
func summarise(r io.Reader, w io.Writer) (passed, failed int, skipped []result) {
	pending := map[string]*result{} // output of tests still running
	key := func(e event) string { return e.Package + " " + e.Test }
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			fmt.Fprintln(w, sc.Text()) // not JSON: a build error, say
			continue
		}
		if e.Test == "" {
			// Package-level lines: "ok pkg 1.2s", "FAIL", build output.
			if e.Action == "output" && !strings.HasPrefix(e.Output, "PASS\n") && !strings.HasPrefix(e.Output, "=== ") {
				fmt.Fprint(w, e.Output)
			}
			continue
		}
		k := key(e)
		switch e.Action {
		case "run":
			pending[k] = &result{pkg: e.Package, test: e.Test}
		case "output":
			if p := pending[k]; p != nil {
				p.output = append(p.output, e.Output)
			}
		case "pass":
			passed++
			delete(pending, k)
		case "skip":
			if p := pending[k]; p != nil {
				skipped = append(skipped, *p)
			}
			delete(pending, k)
		case "fail":
			failed++
			if p := pending[k]; p != nil {
				fmt.Fprint(w, strings.Join(p.output, ""))
			}
			delete(pending, k)
		}
	}
	sort.Slice(skipped, func(i, j int) bool { return skipped[i].pkg+skipped[i].test < skipped[j].pkg+skipped[j].test })
	return passed, failed, skipped
}

// skipReason is the message the test gave t.Skip: the indented lines of its
// output, without the "=== RUN" and "--- SKIP" markers.
func skipReason(lines []string) string {
	var why []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		why = append(why, t)
	}
	if len(why) == 0 {
		return "(no reason given)"
	}
	return strings.Join(why, " / ")
}

// readAllowed reads the test-name patterns listed for target in the skip
// list: lines "TARGET TEST-PATTERN  reason…", '#' starts a comment, '*' as
// TARGET means every target, "nonroot" every target when not run as root.
func readAllowed(file, target string) ([]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("the skip list: %v (run from the repository's top directory)", err)
	}
	defer f.Close()
	var pats []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 3 {
			return nil, fmt.Errorf("%s:%d: want TARGET TEST-PATTERN REASON", file, n)
		}
		if fields[0] == target || fields[0] == "*" || (fields[0] == "nonroot" && os.Getuid() != 0) {
			pats = append(pats, fields[1])
		}
	}
	return pats, sc.Err()
}

func allowedSkip(pats []string, test string) bool {
	for _, p := range pats {
		if ok, _ := path.Match(p, test); ok {
			return true
		}
	}
	return false
}
