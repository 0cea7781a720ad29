package adb

import (
	"os/exec"
	"strings"
	"testing"
)

// The quoted command line must give the shell back exactly the arguments:
// checked with a real sh printing each argument on its own NUL-ended record.
func TestJoinRoundTripsThroughRealShell(t *testing.T) {
	args := []string{
		"plain", "", "two words", "it's", `"double"`, "$HOME", "`id`", "a;b", "a&&b",
		"back\\slash", "new\nline", "*", "LD_PRELOAD=/data/data/com.x/libtcpsnitch.so",
		"'", "''", "tab\there", "|", "<>", "~", "#comment", "!bang", "é",
	}
	line := "printf '%s\\0' " + Join(args...)
	out, err := exec.Command("/bin/sh", "-c", line).Output()
	if err != nil {
		t.Fatalf("sh -c %q: %v", line, err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if len(got) != len(args) {
		t.Fatalf("got %d args %q, want %d", len(got), got, len(args))
	}
	for i := range args {
		if got[i] != args[i] {
			t.Errorf("arg %d: got %q, want %q", i, got[i], args[i])
		}
	}
}

func TestQuoteLeavesPlainWordsBare(t *testing.T) {
	for in, want := range map[string]string{
		"getprop":              "getprop",
		"debug.tcpsnitch.d":    "debug.tcpsnitch.d",
		"/data/local/tmp/x.so": "/data/local/tmp/x.so",
		"a b":                  "'a b'",
		"":                     "''",
		"it's":                 `'it'\''s'`,
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}

// withStatus/parseStatus must recover the status and the exact output of
// real shell commands, including output without a final newline and
// command lines ending in && or a comment.
func TestStatusMarkerWithRealShell(t *testing.T) {
	cases := []struct {
		cmd    string
		out    string
		status int
	}{
		{"echo hello", "hello\n", 0},
		{"printf 'no newline'", "no newline", 0},
		{"exit 3", "", 3},
		{"true && false", "", 1},
		{"echo a; echo b >&2; exit 7", "a\nb\n", 7},
		{"echo x # a comment", "x\n", 0},
	}
	for _, c := range cases {
		m := newMarker()
		raw, _ := exec.Command("/bin/sh", "-c", withStatus(c.cmd, m)).CombinedOutput()
		r, err := parseStatus(string(raw), m)
		if err != nil {
			t.Fatalf("%q: %v", c.cmd, err)
		}
		if r.Output != c.out || r.Status != c.status {
			t.Errorf("%q: got (%q, %d), want (%q, %d)", c.cmd, r.Output, r.Status, c.out, c.status)
		}
	}
}

func TestParseStatusCRLFAndMissingMarker(t *testing.T) {
	m := newMarker()
	r, err := parseStatus("line\r\n"+m+"0\r\n", m)
	if err != nil || r.Output != "line\n" || r.Status != 0 {
		t.Errorf("CRLF output: got %+v, %v", r, err)
	}
	if _, err := parseStatus("truncated output", m); err == nil {
		t.Error("output without the marker was accepted")
	}
}
