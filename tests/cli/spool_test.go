package cli

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// The shim spools a process's events into one file while it runs; after
// the run the process directory is the documented layout: logs.txt and
// one N.json per socket, nothing else (no logs.txt for a process killed
// before it could write its summary line).
func wantLayout(t *testing.T, dir string, sockets int, logs bool) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	var want []string
	if logs {
		want = append(want, "logs.txt")
	}
	for i := 0; i < sockets; i++ {
		want = append(want, strconv.Itoa(i)+".json")
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		if len(got) > 12 {
			got = append(got[:6], "…", got[len(got)-1])
		}
		t.Fatalf("%s holds %d entries %v; want %d N.json files (logs.txt: %v)", dir, len(entries), got, sockets, logs)
	}
}

// wantRounds checks that each socket's sendto events are the datagrams
// spooler sent on it, in the order it sent them (length = round + 1).
func wantRounds(t *testing.T, p *tracefile.Process, k, rounds int, closed bool) {
	t.Helper()
	for i := 0; i < k; i++ {
		s := p.Socket(i)
		if s == nil {
			t.Fatalf("no socket %d", i)
		}
		types := s.Types()
		want := 2 + rounds
		if !closed {
			want--
		}
		if len(types) != want || types[0] != "socket" || (closed && types[len(types)-1] != "close") {
			t.Fatalf("socket %d: %d events (%s…); want socket, %d sendto%s", i, len(types), strings.Join(types[:min(len(types), 4)], " "), rounds, map[bool]string{true: ", close"}[closed])
		}
		for r, ev := range s.OfType("sendto") {
			if ev.ReturnValue != int64(r+1) {
				t.Fatalf("socket %d: sendto #%d returned %d; spooler sent %d bytes then (events lost or reordered)", i, r, ev.ReturnValue, r+1)
			}
		}
	}
}

// Events written over many writer passes (-t 1, a datagram per socket per
// millisecond) land in interleaved spool records; each N.json still holds
// its socket's events in the order of the calls.
func TestSpoolKeepsEachSocketsOrder(t *testing.T) {
	dir := t.TempDir()
	const k, rounds = 4, 300
	r := tcpsnitch(t, "", "-n", "-t", "1", "-d", dir, tool("spooler"), "rounds", strconv.Itoa(k), strconv.Itoa(rounds))
	if r.code != 0 || !strings.Contains(r.errOut, "Trace saved in") {
		t.Fatalf("exit %d stderr %q", r.code, r.errOut)
	}
	p := onlyProcess(t, dir, "spooler")
	wantLayout(t, p.Dir, k, true)
	wantRounds(t, p, k, rounds, true)
}

// Thousands of short-lived sockets: thousands of N.json files after the
// run, each socket's three calls in it.
func TestSpoolThousandsOfSockets(t *testing.T) {
	dir := t.TempDir()
	const n = 3000
	r := tcpsnitch(t, "", "-n", "-d", dir, tool("spooler"), "many", strconv.Itoa(n))
	if r.code != 0 {
		t.Fatalf("exit %d stderr %q", r.code, r.errOut)
	}
	p := onlyProcess(t, dir, "spooler")
	wantLayout(t, p.Dir, n, true)
	for _, s := range p.Sockets {
		if got := strings.Join(s.Types(), " "); got != "socket sendto close" {
			t.Fatalf("socket %d: %s", s.Index, got)
		}
	}
}

// A program killed by SIGKILL cannot flush at exit: everything the writer
// had appended before is in the trace, in the documented layout.
func TestSpoolOfKilledProgram(t *testing.T) {
	dir := t.TempDir()
	const k, rounds = 3, 50
	cmd := exec.Command(bin, "-n", "-t", "1", "-d", dir, tool("spooler"), "hang", strconv.Itoa(k), strconv.Itoa(rounds))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	var pid int
	if _, serr := fmt.Sscanf(line, "sent %d", &pid); err != nil || serr != nil {
		cmd.Process.Kill()
		t.Fatalf("spooler said %q (%v)", line, err)
	}
	// Wait (no time limit asserted) until the writer has appended every
	// event: the spool then holds one line per call.
	spoolPath := filepath.Join(dir, "spooler_000", "events.spool")
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(spoolPath)
		if bytes.Count(b, []byte("\n{")) >= k*(1+rounds) {
			break
		}
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("the spool never held the %d events sent: %d bytes", k*(1+rounds), len(b))
		}
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if !strings.Contains(errOut.String(), "Trace saved in") {
		t.Fatalf("stderr %q", errOut.String())
	}
	p := onlyProcess(t, dir, "spooler")
	wantLayout(t, p.Dir, k, false)
	wantRounds(t, p, k, rounds, false)
}

// A program that limits its file size to 0 and then records more than the
// spool's 32 MiB tail in memory holds: the user is told how many events
// were dropped and why, the trace keeps the first ones, and logs.txt (which
// the shim could not write as a file) holds the shim's lines.
func TestSpoolTailFullIsReported(t *testing.T) {
	dir := t.TempDir()
	const n = 200000 // sendto events of ~250 bytes: past 32 MiB
	r := tcpsnitch(t, "", "-n", "-d", dir, tool("spooler"), "flood", strconv.Itoa(n))
	if r.code != 0 {
		t.Fatalf("exit %d stderr %q", r.code, r.errOut)
	}
	p := onlyProcess(t, dir, "spooler")
	wantLayout(t, p.Dir, 1, true)
	kept := len(p.Socket(0).OfType("sendto"))
	if kept <= 1 || kept >= n+1 {
		t.Fatalf("the trace holds %d of the %d sendtos: want the first ones and not all", kept, n+1)
	}
	events := len(p.Socket(0).Events)
	dropped := n + 1 - kept
	want := fmt.Sprintf("tcpsnitch: warning: %d of %d events were dropped (a process set a file size limit below 32 MiB and the spool the shim keeps in memory for it ran out; see its logs.txt); the trace is incomplete.",
		dropped, events+dropped)
	if !strings.Contains(r.errOut, want) {
		t.Fatalf("tcpsnitch said:\n%s\nwant the line:\n%s", r.errOut, want)
	}
	if !strings.Contains(p.Logs, "the spool's mapped tail") || !strings.Contains(p.Logs, fmt.Sprintf("%d dropped", dropped)) {
		t.Fatalf("logs.txt:\n%s", p.Logs)
	}
}
