package importer

import (
	"testing"

	"github.com/tcpsnitch/tcpsnitch/internal/store"
	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// A recv with MSG_PEEK leaves the datagram for the next read (socat's UDP
// listener peeks, then its child reads it): the socket's summary counts
// the bytes once.
func TestSummaryCountsPeekedBytesOnce(t *testing.T) {
	k := &store.Socket{}
	for _, e := range []tracefile.RawEvent{
		{Type: "socket", ReturnValue: 3, Success: true, Details: []byte(`{"sock_info": {"domain": "AF_INET", "type": "SOCK_DGRAM", "protocol": "udp"}}`)},
		{Type: "recvmsg", ReturnValue: 300, Success: true, Details: []byte(`{"bytes": 1, "flags": {"MSG_PEEK": true, "MSG_TRUNC": true}}`)},
		{Type: "recvfrom", ReturnValue: 300, Success: true, Details: []byte(`{"bytes": 8192, "flags": {"MSG_PEEK": false}}`)},
	} {
		summarise(k, &e)
	}
	if k.BytesRecv != 300 {
		t.Fatalf("bytes received %d, want 300 (the peeked 300 are the same bytes)", k.BytesRecv)
	}
}

// A listening socket's accepts name the peers of other sockets (each
// accepted connection has its own file, which starts with the accept): the
// listener has no peer, and is not "remote" for clients that were; the
// accepted socket's peer is its client.
func TestSummaryListenerHasNoPeer(t *testing.T) {
	accept := tracefile.RawEvent{Type: "accept4", ReturnValue: 5, Success: true,
		Details: []byte(`{"addr": {"sa_family": "AF_INET", "ip": "203.0.113.9", "port": "51000"}, "sock_info": {"domain": "AF_INET", "type": "SOCK_STREAM", "protocol": "0"}}`)}
	listener := &store.Socket{}
	for _, e := range []tracefile.RawEvent{
		{Type: "socket", ReturnValue: 3, Success: true, Details: []byte(`{"sock_info": {"domain": "AF_INET", "type": "SOCK_STREAM", "protocol": "0"}}`)},
		{Type: "bind", Success: true, Details: []byte(`{"addr": {"sa_family": "AF_INET", "ip": "0.0.0.0", "port": "8080"}}`)},
		{Type: "listen", Success: true, Details: []byte(`{"backlog": 10}`)},
		accept,
	} {
		summarise(listener, &e)
	}
	if listener.Peer != "" || listener.Remote {
		t.Fatalf("listener: peer %q remote %v; want none", listener.Peer, listener.Remote)
	}
	accepted := &store.Socket{}
	summarise(accepted, &accept)
	if accepted.Peer != "203.0.113.9:51000" || !accepted.Remote {
		t.Fatalf("accepted socket: peer %q remote %v; want its client 203.0.113.9:51000", accepted.Peer, accepted.Remote)
	}
}

// A socket a fork child inherited, connected: its forked_socket names the
// peer (a forked server's connection), which the summary takes.
func TestSummaryForkedSocketPeer(t *testing.T) {
	k := &store.Socket{}
	e := tracefile.RawEvent{Type: "forked_socket", Success: true,
		Details: []byte(`{"sock_info": {"domain": "AF_INET", "type": "SOCK_STREAM", "protocol": "0"}, "fd": 5, "sockname": {"sa_family": "AF_INET", "ip": "10.0.0.1", "port": "22"}, "peername": {"sa_family": "AF_INET", "ip": "203.0.113.9", "port": "51000"}}`)}
	summarise(k, &e)
	if k.Peer != "203.0.113.9:51000" || !k.Remote || k.Domain != "AF_INET" {
		t.Fatalf("peer %q remote %v domain %q; want 203.0.113.9:51000, true, AF_INET", k.Peer, k.Remote, k.Domain)
	}
}
