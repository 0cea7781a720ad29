package cli

import (
	"bufio"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"net"
)

// listenServer accepts two connections on 127.0.0.1 and exits; it prints
// its port first.
const listenServer = `
import socket, sys
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(4)
print(l.getsockname()[1], flush=True)
for _ in range(2):
    c, _ = l.accept()
    c.recv(1)
    c.close()
l.close()
`

// A listening socket was labelled with the peer of the last connection it
// accepted ("127.0.0.1:8080 → 127.0.0.1:51234"), as if it had one. It has
// none: each accepted connection is its own socket, with its own file,
// whose peer the report shows. The listener shows as listening (its JSON
// says how many connections it accepted); the peers are the clients' own
// addresses, as the clients saw them.
func TestReportListeningSocket(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(bin, "-n", "-d", dir, "python3", "-c", listenServer)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	if !sc.Scan() {
		t.Fatalf("the server printed no port: %v", cmd.Wait())
	}
	port := strings.TrimSpace(sc.Text())
	var clients []string
	for i := 0; i < 2; i++ {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c.LocalAddr().String())
		c.Write([]byte("x"))
		c.Close()
	}
	for sc.Scan() {
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("tcpsnitch python3: %v", err)
	}

	rep := reportJSON(t, dir)
	var listeners, peers []string
	for _, p := range rep.Processes {
		for _, s := range p.Sockets {
			switch {
			case s.Listening:
				if s.Remote != "" || s.Accepted != 2 || s.Local != "127.0.0.1:"+port {
					t.Errorf("listening socket %d: local %q remote %q accepted %d; want 127.0.0.1:%s, none, 2", s.Index, s.Local, s.Remote, s.Accepted, port)
				}
				listeners = append(listeners, s.Endpoints())
			case s.Remote != "":
				peers = append(peers, s.Remote)
			}
		}
	}
	sort.Strings(peers)
	sort.Strings(clients)
	if len(listeners) != 1 || strings.Join(peers, " ") != strings.Join(clients, " ") {
		t.Fatalf("listening sockets %q, peers of accepted sockets %v; the clients were %v", listeners, peers, clients)
	}
	if want := "127.0.0.1:" + port + " (listening)"; listeners[0] != want {
		t.Errorf("the listener reads %q, want %q", listeners[0], want)
	}
	if r := tcpsnitch(t, "", "report", dir); !strings.Contains(r.out, "127.0.0.1:"+port+" (listening)") {
		t.Errorf("the terminal report does not show the listener:\n%s", r.out)
	}
}
