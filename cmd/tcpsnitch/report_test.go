package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpsnitch/tcpsnitch/internal/cliio"
)

// A trace as the original tcpsnitch 0.1 wrote it: ports and protocol as
// strings, no pid in logs.txt, no durations.
func originalTrace(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"meta/app": "firefox\n", "meta/cmd": "firefox http://example.com\n", "meta/kernel": "4.4.0\n",
		"meta/machine": "x86_64\n", "meta/os": "Linux\n", "meta/version": "0.1\n",
		"firefox_000/logs.txt": "",
		"firefox_000/0.json": `{"type": "socket", "timestamp_usec": 1491043720731000, "return_value": 33, "success": true, "thread_id": 17313, "fake_call": false, "details": {"sock_info": {"domain": "AF_INET6", "type": "SOCK_STREAM", "protocol": "0", "SOCK_CLOEXEC": true, "SOCK_NONBLOCK": false}}}
{"type": "connect", "timestamp_usec": 1491043720731853, "return_value": -1, "success": false, "errno": "ECONNREFUSED", "thread_id": 17313, "fake_call": false, "details": {"addr": {"sa_family": "AF_INET6", "ip": "::1", "port": "8080"}}}
{"type": "close", "timestamp_usec": 1491043720731900, "return_value": 0, "success": true, "thread_id": 17313, "fake_call": false, "details": {}}
`,
		"firefox_000/1.json": `{"type": "socket", "timestamp_usec": 1491043720732000, "return_value": 34, "success": true, "thread_id": 17314, "fake_call": false, "details": {"sock_info": {"domain": "AF_INET", "type": "SOCK_DGRAM", "protocol": "17", "SOCK_CLOEXEC": false, "SOCK_NONBLOCK": false}}}
{"type": "sendto", "timestamp_usec": 1491043720732100, "return_value": 40, "success": true, "thread_id": 17314, "fake_call": false, "details": {"bytes": 40, "flags": {"MSG_DONTWAIT": false}, "addr": {"sa_family": "AF_INET", "ip": "127.0.1.1", "port": "53"}}}
{"type": "recvfrom", "timestamp_usec": 1491043720733100, "return_value": 120, "success": true, "thread_id": 17314, "fake_call": false, "details": {"bytes": 2048, "flags": {"MSG_DONTWAIT": false}, "addr": {"sa_family": "AF_INET", "ip": "127.0.1.1", "port": "53"}}}
`,
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func reportWith(t *testing.T, tty bool, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	s, _, out, errOut := cliio.Test()
	s.SetStdoutTTY(tty)
	code := exitCode(runReport(&ReportOptions{Streams: s, Path: args[0], Sort: "time", Socket: -1}), s)
	return out.String(), errOut.String(), code
}

func TestReportOfOriginalTrace(t *testing.T) {
	dir := originalTrace(t)
	out, errOut, code := reportWith(t, false, map[string]string{"COLUMNS": "200", "NO_COLOR": ""}, dir)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
	for _, want := range []string{"firefox_000  pid ?  firefox http://example.com", "TCP6", "→ [::1]:8080", "connect ECONNREFUSED ×1",
		"UDP4", "→ 127.0.1.1:53", "40 B", "120 B", "Total: 1 process, 2 sockets, 6 events, 40 B sent, 120 B received, 1 failed call",
		"Call durations: unknown (no duration_nsec"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	// On a narrow terminal the addresses move to a line of their own and
	// long lines wrap.
	out, _, _ = reportWith(t, false, map[string]string{"COLUMNS": "70"}, dir)
	if !strings.Contains(out, "      address: ? → [::1]:8080\n") {
		t.Errorf("narrow report:\n%s", out)
	}
	for _, l := range strings.Split(out, "\n") {
		if n := len([]rune(l)); n > 70 {
			t.Errorf("line of %d columns with COLUMNS=70: %q", n, l)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour off a terminal")
	}
}

func TestReportColourOnlyOnATerminalWithoutNoColor(t *testing.T) {
	dir := originalTrace(t)
	out, _, _ := reportWith(t, true, map[string]string{"NO_COLOR": ""}, dir)
	if !strings.Contains(out, "\x1b[1m") || !strings.Contains(out, "\x1b[31m") {
		t.Errorf("no colour on a terminal:\n%q", out)
	}
	out, _, _ = reportWith(t, true, map[string]string{"NO_COLOR": "1"}, dir)
	if strings.Contains(out, "\x1b[") {
		t.Errorf("colour with NO_COLOR set:\n%q", out)
	}
}

func TestReportUsage(t *testing.T) {
	for _, args := range [][]string{{"report"}, {"report", "a", "b"}, {"report", "--sort", "nope", "x"}, {"report", "--bogus", "x"}} {
		r := runCLI(t, "", args...)
		if r.code != 2 || strings.Count(r.errOut, "\n") != 1 {
			t.Errorf("%v: exit %d stderr %q (want a one-line usage error)", args, r.code, r.errOut)
		}
	}
}
