package realprogs

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// Python's multiprocessing under tcpsnitch, with each start method: fork
// (children of the program), spawn (fresh interpreters, exec'd), forkserver
// (children of a server process the program spawned). A Pool's workers
// fetch over HTTP; the trace must hold each of their connections with the
// bytes that crossed the relay. Leaving the Pool terminates its workers
// with SIGTERM, sometimes while one is already leaving through os._exit:
// the shim used to lose that worker's events then, after waiting 3 s (only
// now and then here; TestFatalSignalDuringExitFlush in tests/shim puts the
// signal there every time).
func TestPythonMultiprocessing(t *testing.T) {
	for _, method := range []string{"fork", "spawn", "forkserver"} {
		t.Run(method, func(t *testing.T) {
			need(t, "python3")
			o := newOrigin(t, "http")
			dir := filepath.Join(t.TempDir(), "trace")
			p := run(t, 60*time.Second, nil, bin, "-n", "-d", dir,
				"python3", filepath.Join(repoRoot, "tests", "realprogs", "testdata", "pool.py"), o.url, method)
			p.mustSucceed(t, dir)
			if got, want := strings.TrimSpace(p.out.String()), strconv.Itoa(4*len(o.body)); got != want {
				t.Fatalf("the pool read %s bytes, want %s; stderr %q", got, want, tail(p.err.String()))
			}
			o.relay.settle(t, 10*time.Second)
			if o.relay.conns.Load() != 4 {
				t.Fatalf("the relay saw %d connections, the pool made 4", o.relay.conns.Load())
			}
			checkClientTrace(t, dir, o.relay)
		})
	}
}

// A connected socket passed to a child process (subprocess with
// pass_fds): the parent sends part of the request, the exec'd child the
// rest and reads the response. The trace must hold both parts, the child's
// on the socket it inherited, and every byte the relay saw.
func TestPythonPassesSocketToChild(t *testing.T) {
	need(t, "python3")
	o := newOrigin(t, "http")
	dir := filepath.Join(t.TempDir(), "trace")
	p := run(t, 30*time.Second, nil, bin, "-n", "-d", dir,
		"python3", filepath.Join(repoRoot, "tests", "realprogs", "testdata", "passfd.py"), o.relay.addr())
	p.mustSucceed(t, dir)
	o.relay.settle(t, 10*time.Second)
	if got, want := strings.TrimSpace(p.out.String()), strconv.FormatInt(o.relay.toClient.Load(), 10); got != want {
		t.Fatalf("the child read %s bytes, the relay sent %s", got, want)
	}
	tr := openTrace(t, dir)
	var all []*tracefile.Socket
	childSent := int64(0)
	for _, proc := range tr.Processes {
		for _, s := range proc.Sockets {
			all = append(all, s)
			if len(s.Events) > 0 && s.Events[0].Type == "ghost_socket" {
				childSent += moved(s, sendTypes)
			}
		}
	}
	if childSent == 0 {
		t.Errorf("no bytes sent on an inherited socket in the trace: the child's part is missing; processes %s", processNames(tr))
	}
	sent, received := totals(all)
	if sent != o.relay.fromClient.Load() || received != o.relay.toClient.Load() {
		t.Errorf("the trace says %d bytes sent and %d received over all processes, the relay saw %d and %d",
			sent, received, o.relay.fromClient.Load(), o.relay.toClient.Load())
	}
}
