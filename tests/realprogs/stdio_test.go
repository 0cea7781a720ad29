package realprogs

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// bash's /dev/tcp: `exec 3<>/dev/tcp/HOST/PORT` connects, the printf
// builtin writes the request through stdout's stdio buffer after a dup2 of
// the socket onto fd 1, and cat reads the answer on fd 0. libc's stdio
// writes through its internal calls, which the shim cannot see: the trace
// lacks the request's bytes, so the run must say so (it used to print a
// trace with "0 B sent" and nothing else). What was read with read(2) is
// there.
func TestBashDevTCP(t *testing.T) {
	need(t, "bash")
	o := newOrigin(t, "http")
	dir := filepath.Join(t.TempDir(), "trace")
	script := `exec 3<>/dev/tcp/127.0.0.1/` + strconv.Itoa(o.relay.port) + `
printf 'GET /file HTTP/1.0\r\n\r\n' >&3
cat <&3 | wc -c`
	p := run(t, 30*time.Second, nil, bin, "-n", "-d", dir, "bash", "-c", script)
	p.mustSucceed(t, dir)
	o.relay.settle(t, 10*time.Second)
	if got, want := strings.TrimSpace(p.out.String()), strconv.FormatInt(o.relay.toClient.Load(), 10); got != want {
		t.Fatalf("cat read %s bytes, the relay sent %s", got, want)
	}
	tr := openTrace(t, dir)
	var all []*tracefile.Socket
	for _, proc := range tr.Processes {
		all = append(all, proc.Sockets...)
	}
	sent, received := totals(all)
	if received != o.relay.toClient.Load() {
		t.Errorf("the trace says %d bytes received, the relay sent %d", received, o.relay.toClient.Load())
	}
	if sent < o.relay.fromClient.Load() && !strings.Contains(p.err.String(), "shim warning: the program made an internet socket its standard input or output") {
		t.Errorf("the trace holds %d of the %d bytes sent and the run did not say why; stderr %q",
			sent, o.relay.fromClient.Load(), tail(p.err.String()))
	}
}
