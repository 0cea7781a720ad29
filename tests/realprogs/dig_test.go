package realprogs

import (
	"encoding/binary"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// dnsResponder answers every A query over UDP with 10.0.0.1 and counts the
// datagrams and bytes that crossed: the truth for dig's trace.
type dnsResponder struct {
	conn *net.UDPConn
	port int

	mu                sync.Mutex
	queries           int
	bytesIn, bytesOut int64
}

func newDNSResponder(t *testing.T) *dnsResponder {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	d := &dnsResponder{conn: c, port: c.LocalAddr().(*net.UDPAddr).Port}
	go d.serve()
	return d
}

func (d *dnsResponder) serve() {
	buf := make([]byte, 4096)
	for {
		n, from, err := d.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		reply := dnsAnswer(buf[:n])
		if reply == nil {
			continue
		}
		w, _ := d.conn.WriteToUDP(reply, from)
		d.mu.Lock()
		d.queries++
		d.bytesIn += int64(n)
		d.bytesOut += int64(w)
		d.mu.Unlock()
	}
}

func (d *dnsResponder) counts() (queries int, in, out int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.queries, d.bytesIn, d.bytesOut
}

// dnsAnswer builds the reply to query q: its id and question, one A record
// 10.0.0.1 (TTL 60) pointing at the question's name. nil for a query too
// short to hold a question.
func dnsAnswer(q []byte) []byte {
	i := 12
	for i < len(q) && q[i] != 0 {
		i += 1 + int(q[i])
	}
	if i+5 > len(q) {
		return nil
	}
	question := q[12 : i+5]
	r := append([]byte{q[0], q[1], 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0}, question...)
	r = append(r, 0xc0, 0x0c, 0, 1, 0, 1)
	r = binary.BigEndian.AppendUint32(r, 60)
	return append(r, 0, 4, 10, 0, 0, 1)
}

// dig (bind9's, built on libuv) sends its queries with a raw
// syscall(SYS_sendmmsg), which the trace missed: "0 B sent" for two
// answered queries. The trace must hold every byte the responder got and
// sent, on one socket per query.
func TestDigUDP(t *testing.T) {
	need(t, "dig")
	d := newDNSResponder(t)
	dir := t.TempDir()
	p := run(t, 30*time.Second, nil, bin, "-n", "-d", dir, "dig", "@127.0.0.1", "-p", strconv.Itoa(d.port),
		"+tries=1", "+time=5", "foo.example", "bar.example")
	p.mustSucceed(t, dir)
	for _, name := range []string{"foo.example.", "bar.example."} {
		if !strings.Contains(p.out.String(), name+"\t\t60\tIN\tA\t10.0.0.1") {
			t.Fatalf("dig did not print the answer for %s; stdout %q", name, tail(p.out.String()))
		}
	}
	queries, in, out := d.counts()
	if queries != 2 {
		t.Fatalf("the responder answered %d queries, want 2", queries)
	}
	socks := connectedTo(openTrace(t, dir), d.port)
	if len(socks) != 2 {
		t.Fatalf("%d traced sockets connected to the responder, dig sent 2 queries", len(socks))
	}
	sent, received := totals(socks)
	if sent != in || received != out {
		t.Errorf("the trace says dig sent %d and received %d bytes; the responder received %d and sent %d", sent, received, in, out)
	}
}
