package realprogs

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

var (
	sendTypes = map[string]bool{"send": true, "sendto": true, "sendmsg": true, "sendmmsg": true, "write": true, "writev": true, "sendfile": true}
	recvTypes = map[string]bool{"recv": true, "recvfrom": true, "recvmsg": true, "recvmmsg": true, "read": true, "readv": true}
)

func openTrace(t *testing.T, dir string) *tracefile.Trace {
	t.Helper()
	tr, err := tracefile.Open(dir)
	if err != nil {
		t.Fatalf("reading the trace: %v", err)
	}
	return tr
}

// processNames lists the trace's process directories, for messages.
func processNames(tr *tracefile.Trace) string {
	var names []string
	for _, p := range tr.Processes {
		names = append(names, fmt.Sprintf("%s (%d sockets)", p.Name, len(p.Sockets)))
	}
	return "[" + strings.Join(names, ", ") + "]"
}

// moved sums the return values of successful calls of the given types
// (for sendmmsg/recvmmsg, which return a count of messages, the bytes of
// each message). A recv with MSG_PEEK (wget peeks at the headers, then
// reads them) leaves the bytes in the socket: it moves none.
func moved(s *tracefile.Socket, types map[string]bool) int64 {
	var n int64
	for _, ev := range s.Events {
		if peek, _ := ev.DetailBool("flags", "MSG_PEEK"); !types[ev.Type] || !ev.Success || peek {
			continue
		}
		if ev.Type != "sendmmsg" && ev.Type != "recvmmsg" {
			n += ev.ReturnValue
			continue
		}
		msgs, _ := ev.Detail("mmsghdr_vec")
		list, _ := msgs.([]any)
		for _, m := range list {
			d, _ := m.(map[string]any)
			b, _ := tracefile.Event{Details: d}.DetailInt("transmitted_bytes")
			n += b
		}
	}
	return n
}

// connectedTo returns the sockets of every process that connected to port.
func connectedTo(tr *tracefile.Trace, port int) []*tracefile.Socket {
	var out []*tracefile.Socket
	for _, p := range tr.Processes {
		for _, s := range p.Sockets {
			for _, ev := range s.OfType("connect") {
				if got, _ := ev.DetailString("addr", "port"); got == strconv.Itoa(port) {
					out = append(out, s)
					break
				}
			}
		}
	}
	return out
}

// accepted returns a process's sockets that came from accept: their file
// starts with the accept call that created them.
func accepted(p *tracefile.Process) []*tracefile.Socket {
	var out []*tracefile.Socket
	for _, s := range p.Sockets {
		if len(s.Events) > 0 && !s.Events[0].FakeCall && (s.Events[0].Type == "accept" || s.Events[0].Type == "accept4") {
			out = append(out, s)
		}
	}
	return out
}

// totals sums the bytes sent and received over sockets.
func totals(socks []*tracefile.Socket) (sent, received int64) {
	for _, s := range socks {
		sent += moved(s, sendTypes)
		received += moved(s, recvTypes)
	}
	return sent, received
}

// checkClientTrace holds a client's trace to what the relay in front of
// the server saw: one traced socket per relayed connection, each connecting
// before it moves data, and as many bytes sent and received as crossed the
// relay.
func checkClientTrace(t *testing.T, dir string, r *relay) {
	t.Helper()
	tr := openTrace(t, dir)
	socks := connectedTo(tr, r.port)
	if int64(len(socks)) != r.conns.Load() {
		t.Fatalf("%d traced sockets connected to port %d, the relay accepted %d connections; processes %s",
			len(socks), r.port, r.conns.Load(), processNames(tr))
	}
	for _, s := range socks {
		types := s.Types()
		if types[0] != "socket" {
			t.Errorf("socket %s: first event %s, want socket (events %v)", s.Path, types[0], types)
		}
		for _, typ := range types {
			if typ == "connect" {
				break
			}
			if sendTypes[typ] || recvTypes[typ] {
				t.Errorf("socket %s: %s before connect (events %v)", s.Path, typ, types)
				break
			}
		}
	}
	sent, received := totals(socks)
	if sent != r.fromClient.Load() {
		t.Errorf("the trace says the client sent %d bytes, the server's side received %d", sent, r.fromClient.Load())
	}
	// What the client read is what the relay wrote to it, except on a
	// connection it reset: it closed that one with bytes unread, which
	// the relay cannot count, so there the trace may hold less.
	var clean, reset int64
	r.mu.Lock()
	for _, cs := range r.perConn {
		for _, c := range cs {
			if c.clientReset.Load() {
				reset += c.toClient.Load()
			} else {
				clean += c.toClient.Load()
			}
		}
	}
	r.mu.Unlock()
	if reset == 0 && received != clean {
		t.Errorf("the trace says the client received %d bytes, the server's side sent it %d", received, clean)
	}
	if reset > 0 && (received < clean || received > clean+reset) {
		t.Errorf("the trace says the client received %d bytes; the server's side sent it %d on connections it read to the end and %d on connections it reset",
			received, clean, reset)
	}
}

// listeningOn returns the process's socket bound to port, or nil.
func listeningOn(p *tracefile.Process, port int) *tracefile.Socket {
	for _, s := range p.Sockets {
		for _, ev := range s.OfType("bind") {
			if got, _ := ev.DetailString("addr", "port"); got == strconv.Itoa(port) {
				return s
			}
		}
	}
	return nil
}

// checkServerConns holds a server's accepted sockets to the relays its
// clients came through, connection by connection: an accepted socket's peer
// port names the relayed connections made from that port (the kernel reuses
// ports, so several, matched in accept order), whose bytes it must have
// read and written exactly; every relayed connection must be one of them.
func checkServerConns(t *testing.T, server string, conns []*tracefile.Socket, relays ...*relay) {
	t.Helper()
	var want int64
	for _, r := range relays {
		want += r.conns.Load()
	}
	if int64(len(conns)) != want {
		t.Errorf("%d accepted sockets in %s's trace, %d connections reached it", len(conns), server, want)
	}
	byPort := map[int][]*tracefile.Socket{}
	for _, s := range conns {
		p, _ := s.Events[0].DetailString("addr", "port")
		port, _ := strconv.Atoi(p)
		byPort[port] = append(byPort[port], s)
	}
	bad := 0
	for port, socks := range byPort {
		sort.Slice(socks, func(i, j int) bool { return socks[i].Events[0].TimestampUsec < socks[j].Events[0].TimestampUsec })
		var relayed []*connBytes
		for _, r := range relays {
			relayed = append(relayed, r.connsFrom(port)...)
		}
		if len(relayed) != len(socks) {
			t.Errorf("%d accepted sockets from port %d (%s), %d relayed connections from it", len(socks), port, socks[0].Path, len(relayed))
			continue
		}
		for i, s := range socks {
			c := relayed[i]
			sent, received := moved(s, sendTypes), moved(s, recvTypes)
			if received != c.toServer.Load() || sent != c.fromServer.Load() {
				if bad++; bad <= 5 {
					t.Errorf("%s (connection from port %d): the trace says %s read %d and wrote %d bytes, the relay gave it %d and took %d; events %v",
						s.Path, port, server, received, sent, c.toServer.Load(), c.fromServer.Load(), s.Types())
				}
			}
		}
	}
	if bad > 5 {
		t.Errorf("… and %d more connections whose bytes differ", bad-5)
	}
}
